/*
 * test_stix_api.c — unit tests of the STIX API beyond validation findings: metadata,
 * TLP, the type predicates, deterministic SCO ids against the examples of the STIX 2.1
 * specification, finding formatting, paths, --strict and the pattern checker hook.
 */
#include <string.h>

#include "harness.h"
#include "solidarity/alloc.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/util.h"

static struct sol_json_doc *doc;

static const struct sol_json *
parse(const char *text)
{
    const struct sol_json *root = NULL;
    struct sol_error err;
    if (sol_json_parse(doc, text, strlen(text), &root, &err) != 0) {
        HARNESS_FAIL("cannot parse %s: %s", text, err.msg);
        return NULL;
    }
    return root;
}

/* The deterministic id of the SCO in text, or "rc=N". */
static void
check_sco_id(const char *text, const char *want)
{
    const struct sol_json *o = parse(text);
    struct sol_buf b;
    sol_buf_init(&b);
    int rc = sol_stix_sco_id(o, &b);
    char got[128];
    if (rc == 0)
        snprintf(got, sizeof got, "%s", b.p);
    else
        snprintf(got, sizeof got, "rc=%s", sol_err_name(rc));
    CHECK_STR(got, want);
    sol_buf_free(&b);
}

/*
 * STIX 2.1 §2.9 and the SCO examples of §6, whose ids (Errata 01) are the UUIDv5 of the
 * JCS of the ID contributing properties. Each was also recomputed independently.
 */
static void
test_sco_id_spec_examples(void)
{
    check_sco_id("{\"type\":\"ipv4-addr\",\"value\":\"198.51.100.3\"}",
                 "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");
    check_sco_id(
        "{\"type\":\"email-addr\",\"value\":\"john@example.com\",\"display_name\":\"John Doe\"}",
        "email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934");
    check_sco_id("{\"type\":\"domain-name\",\"value\":\"example.com\",\"resolves_to_refs\":"
                 "[\"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4\"]}",
                 "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
    check_sco_id("{\"type\":\"file\",\"hashes\":{\"SHA-256\":"
                 "\"fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db\"},"
                 "\"size\":25536,\"name\":\"foo.dll\"}",
                 "file--949eb97a-da1e-5292-8959-03c4249dc9f3");
    check_sco_id("{\"type\":\"file\",\"name\":\"example.pdf\",\"extensions\":{\"pdf-ext\":{"
                 "\"version\":\"1.7\","
                 "\"document_info_dict\":{\"Title\":\"Sample document\",\"Author\":\"Adobe Systems "
                 "Incorporated\","
                 "\"Creator\":\"Adobe FrameMaker 5.5.3 for Power "
                 "Macintosh\",\"Producer\":\"Acrobat Distiller "
                 "3.01 for Power Macintosh\",\"CreationDate\":\"20070412090123-02\"},\"pdfid0\":"
                 "\"DFCE52BD827ECF765649852119D\",\"pdfid1\":\"57A1E0F9ED2AE523E313C\"}}}",
                 "file--965aa96f-d90a-506a-8317-d38d44b235f9");
    check_sco_id("{\"type\":\"url\",\"value\":\"https://example.com/research/index.html\"}",
                 "url--47c3cf9a-5027-5bf0-997a-017c7edc7c55");
    check_sco_id("{\"type\":\"mutex\",\"name\":\"__CLEANSWEEP__\"}",
                 "mutex--f93fe911-e545-5239-b9b0-597840d0c871");
    check_sco_id("{\"type\":\"mac-addr\",\"value\":\"d2:fb:49:24:37:18\"}",
                 "mac-addr--757b1725-9903-54f5-a855-1240691d7659");
    check_sco_id("{\"type\":\"software\",\"name\":\"Word\",\"cpe\":\"cpe:2.3:a:microsoft:word:2000:"
                 "*:*:*:*:*:*:*\","
                 "\"version\":\"2002\",\"vendor\":\"Microsoft\"}",
                 "software--710b0b41-d4d0-5d6c-a400-fc9254554ffc");
    check_sco_id("{\"type\":\"user-account\",\"user_id\":\"1001\",\"account_login\":\"jdoe\","
                 "\"account_type\":\"unix\","
                 "\"display_name\":\"John Doe\"}",
                 "user-account--f94d689e-707d-58c3-b803-c720bb6ed096");
    check_sco_id("{\"type\":\"windows-registry-key\",\"key\":\"hkey_local_"
                 "machine\\\\system\\\\bar\\\\foo\",\"values\":"
                 "[{\"name\":\"Foo\",\"data\":\"qwerty\",\"data_type\":\"REG_SZ\"},{\"name\":"
                 "\"Bar\",\"data\":\"42\","
                 "\"data_type\":\"REG_DWORD\"}]}",
                 "windows-registry-key--f6a11ddf-fa2b-54c8-97ab-e7f28413095a");
    check_sco_id("{\"type\":\"autonomous-system\",\"number\":15139,\"name\":\"Slime "
                 "Industries\",\"rir\":\"ARIN\"}",
                 "autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff");
    check_sco_id("{\"type\":\"directory\",\"path\":\"C:\\\\Windows\\\\System32\"}",
                 "directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622");
    check_sco_id("{\"type\":\"ipv6-addr\",\"value\":\"2001:0db8:85a3:0000:0000:8a2e:0370:7334\"}",
                 "ipv6-addr--85a85a8c-ee99-5722-946d-3c3a3270fc6f");
    check_sco_id("{\"type\":\"artifact\",\"mime_type\":\"image/"
                 "jpeg\",\"payload_bin\":\"VBORw0KGgoAAAANSUhEUgAAADI== ...\"}",
                 "artifact--a785c567-cc53-52a1-abeb-026bb7ddf8ba");
    /* A non-ASCII name goes into the JCS as UTF-8. */
    check_sco_id("{\"type\":\"file\",\"hashes\":{\"SHA-256\":"
                 "\"841a8921140aba50671ebb0770fecc4ee308c4952cfeff8de154ab14eeef4649\"},"
                 "\"name\":\"qu\\u00eary.dll\",\"name_enc\":\"windows-1252\"}",
                 "file--7d1e3a18-89e7-5bc5-be36-9879f5b7f5c8");
}

/* The MD5-only and MD5+SHA-256 files have the same id (§6.7 "include only one hash"). */
static void
test_sco_id_one_hash(void)
{
    const char *a = "{\"type\":\"file\",\"hashes\":{\"MD5\":\"3773a88f65a5e780c8dff9cdc3a056f3\"}}";
    const char *b = "{\"type\":\"file\",\"hashes\":{\"SHA-256\":"
                    "\"841a8921140aba50671ebb0770fecc4ee308c4952cfeff8de154ab14eeef4649\","
                    "\"MD5\":\"3773a88f65a5e780c8dff9cdc3a056f3\"}}";
    struct sol_buf x, y;
    sol_buf_init(&x);
    sol_buf_init(&y);
    CHECK_INT(sol_stix_sco_id(parse(a), &x), 0);
    CHECK_INT(sol_stix_sco_id(parse(b), &y), 0);
    CHECK_STR(x.p, y.p);
    sol_buf_free(&x);
    sol_buf_free(&y);
    /* §2.9: no contributing property present, a process, a custom type: a UUIDv4 is right. */
    check_sco_id("{\"type\":\"file\",\"size\":3}", "rc=SOL_EUNSUPPORTED");
    check_sco_id("{\"type\":\"process\",\"pid\":3}", "rc=SOL_EUNSUPPORTED");
    check_sco_id("{\"type\":\"x-acme-thing\",\"value\":\"a\"}", "rc=SOL_EUNSUPPORTED");
    check_sco_id("{\"value\":\"a\"}", "rc=SOL_EINVALID");
}

static void
test_type_predicates(void)
{
    static const char *const sdo[] = {
        "attack-pattern", "campaign",      "course-of-action", "grouping",
        "identity",       "incident",      "indicator",        "infrastructure",
        "intrusion-set",  "location",      "malware",          "malware-analysis",
        "note",           "observed-data", "opinion",          "report",
        "threat-actor",   "tool",          "vulnerability"};
    static const char *const sco[] = {"artifact",
                                      "autonomous-system",
                                      "directory",
                                      "domain-name",
                                      "email-addr",
                                      "email-message",
                                      "file",
                                      "ipv4-addr",
                                      "ipv6-addr",
                                      "mac-addr",
                                      "mutex",
                                      "network-traffic",
                                      "process",
                                      "software",
                                      "url",
                                      "user-account",
                                      "windows-registry-key",
                                      "x509-certificate"};
    CHECK_INT(sizeof sdo / sizeof sdo[0], 19);
    CHECK_INT(sizeof sco / sizeof sco[0], 18);
    for (size_t i = 0; i < 19; i++) {
        CHECK(sol_stix_is_sdo_type(sol_str_c(sdo[i])));
        CHECK(!sol_stix_is_sco_type(sol_str_c(sdo[i])));
    }
    for (size_t i = 0; i < 18; i++) {
        CHECK(sol_stix_is_sco_type(sol_str_c(sco[i])));
        CHECK(!sol_stix_is_sdo_type(sol_str_c(sco[i])));
    }
    CHECK(sol_stix_is_sro_type(SOL_STR("relationship")));
    CHECK(sol_stix_is_sro_type(SOL_STR("sighting")));
    CHECK(!sol_stix_is_sro_type(SOL_STR("indicator")));
    CHECK(!sol_stix_is_sdo_type(SOL_STR("marking-definition")));
    CHECK(!sol_stix_is_sco_type(SOL_STR("x-acme-thing")));
    CHECK(!sol_stix_is_sdo_type(SOL_STR("bundle")));
}

static void
test_tlp(void)
{
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9")),
        SOL_TLP_CLEAR);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da")),
        SOL_TLP_GREEN);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82")),
        SOL_TLP_AMBER);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed")),
        SOL_TLP_RED);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487")),
        SOL_TLP_CLEAR);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb")),
        SOL_TLP_GREEN);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421")),
        SOL_TLP_AMBER);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003")),
        SOL_TLP_AMBER_STRICT);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1")),
        SOL_TLP_RED);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c2")),
        SOL_TLP_NONE);
    CHECK_INT(sol_tlp_of_marking_ref(SOL_STR("")), SOL_TLP_NONE);
    CHECK_STR(sol_tlp_name(SOL_TLP_AMBER_STRICT), "TLP:AMBER+STRICT");
    CHECK_STR(sol_tlp_name(SOL_TLP_CLEAR), "TLP:CLEAR");
    CHECK_STR(sol_tlp_name(SOL_TLP_NONE), "");
    CHECK_STR(sol_tlp_marking_id(SOL_TLP_RED),
              "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1");
    CHECK(sol_tlp_marking_id(SOL_TLP_NONE) == NULL);
    enum sol_tlp t = SOL_TLP_NONE;
    CHECK_INT(sol_tlp_parse("TLP:AMBER+STRICT", &t), 0);
    CHECK_INT(t, SOL_TLP_AMBER_STRICT);
    CHECK_INT(sol_tlp_parse("white", &t), 0);
    CHECK_INT(t, SOL_TLP_CLEAR);
    CHECK_INT(sol_tlp_parse("tlp:Green", &t), 0);
    CHECK_INT(t, SOL_TLP_GREEN);
    CHECK_INT(sol_tlp_parse("RED", &t), 0);
    CHECK_INT(t, SOL_TLP_RED);
    CHECK_INT(sol_tlp_parse("amber strict", &t), SOL_EINVAL);
    CHECK_INT(sol_tlp_parse("TLP:", &t), SOL_EINVAL);
    CHECK_INT(sol_tlp_parse(NULL, &t), SOL_EINVAL);
    /* The highest of an object's markings; unknown markings do not count. */
    const struct sol_json *o =
        parse("{\"type\":\"indicator\",\"object_marking_refs\":["
              "\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\","
              "\"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003\","
              "\"marking-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa\"]}");
    CHECK_INT(sol_stix_object_tlp(o), SOL_TLP_AMBER_STRICT);
    CHECK_INT(sol_stix_object_tlp(parse("{\"type\":\"indicator\"}")), SOL_TLP_NONE);
    /* issue #10, finding 2: UUIDs are case-insensitive on input, so are the fixed ids. */
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1")),
        SOL_TLP_RED);
    CHECK_INT(
        sol_tlp_of_marking_ref(SOL_STR("marking-definition--5E57C739-391A-4EB3-B6BE-7D15CA92D5ED")),
        SOL_TLP_RED);
    CHECK_INT(sol_stix_object_tlp(parse("{\"type\":\"indicator\",\"object_marking_refs\":["
                                        "\"marking-definition--E828B379-4E03-4974-9AC4-"
                                        "E53A884C97C1\"]}")),
              SOL_TLP_RED);
    /* finding 1: a granular marking counts (§7.2.3): a RED description makes the object RED. */
    const char *granular =
        "{\"type\":\"indicator\",\"object_marking_refs\":["
        "\"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487\"],"
        "\"granular_markings\":[{\"lang\":\"en\",\"selectors\":[\"name\"]},"
        "{\"marking_ref\":\"marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1\","
        "\"selectors\":[\"description\"]}]}";
    CHECK_INT(sol_stix_object_tlp(parse(granular)), SOL_TLP_RED);
    CHECK_INT(sol_stix_object_tlp(parse("{\"type\":\"indicator\",\"granular_markings\":["
                                        "{\"marking_ref\":\"marking-definition--bab4a63c-aed9-"
                                        "4cf5-a766-dfca5abac2bb\",\"selectors\":[\"name\"]}]}")),
              SOL_TLP_GREEN);
    /* The form the ingest stores: marking references lower-cased, nothing else touched. */
    CHECK(sol_stix_markings_need_normalising(parse(granular)));
    CHECK(!sol_stix_markings_need_normalising(
        parse("{\"object_marking_refs\":[\"marking-definition--aaaaaaaa-aaaa-4aaa-8aaa-"
              "aaaaaaaaaaaa\"]}")));
    struct sol_buf b;
    sol_buf_init(&b);
    struct sol_json_writer w;
    sol_jw_init(&w, &b, false);
    sol_stix_write_normalised(
        &w, parse("{\"type\":\"indicator\",\"name\":\"ABC\",\"object_marking_refs\":["
                  "\"marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1\"],"
                  "\"granular_markings\":[{\"marking_ref\":\"Marking-Definition--AB\","
                  "\"selectors\":[\"Name\"]}]}"));
    CHECK_STR(b.p, "{\"type\":\"indicator\",\"name\":\"ABC\",\"object_marking_refs\":["
                   "\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\"],"
                   "\"granular_markings\":[{\"marking_ref\":\"marking-definition--ab\","
                   "\"selectors\":[\"Name\"]}]}");
    sol_buf_free(&b);
    /* The words come from one table (src/stix/stix.h). */
    CHECK_STR(sol_tlp_word(SOL_TLP_AMBER_STRICT), "amber+strict");
    CHECK_STR(sol_tlp_word(SOL_TLP_NONE), "none");
    for (int l = SOL_TLP_CLEAR; l <= SOL_TLP_RED; l++) {
        CHECK_INT(sol_tlp_parse(sol_tlp_word((enum sol_tlp)l), &t), 0);
        CHECK_INT(t, l);
        CHECK_INT(sol_tlp_of_marking_ref(sol_str_c(sol_tlp_marking_id((enum sol_tlp)l))), l);
    }
}

static void
test_meta(void)
{
    struct sol_stix_meta m;
    const struct sol_json *o = parse(
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--e2e1a340-4415-4ba8-"
        "9671-f7343fbf0836\","
        "\"created\":\"2016-05-12T08:17:27.000Z\",\"modified\":\"2016-05-12T08:17:27.123456Z\","
        "\"revoked\":true,"
        "\"object_marking_refs\":[\"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed\"]}");
    CHECK_INT(sol_stix_meta(o, &m), 0);
    CHECK(sol_str_eqc(m.id, "indicator--e2e1a340-4415-4ba8-9671-f7343fbf0836"));
    CHECK(sol_str_eqc(m.type, "indicator"));
    CHECK(sol_str_eqc(m.spec_version, "2.1"));
    CHECK(m.has_created && m.has_modified && m.revoked);
    CHECK_INT(m.created, 1463041047000000LL);
    CHECK_INT(m.modified, 1463041047123456LL);
    CHECK_INT(m.tlp, SOL_TLP_RED);
    o = parse("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4\","
              "\"value\":\"198.51.100.3\"}");
    CHECK_INT(sol_stix_meta(o, &m), 0);
    CHECK(!m.has_created && !m.has_modified && !m.revoked);
    CHECK(m.spec_version.p == NULL);
    CHECK_INT(sol_stix_meta(parse("{\"type\":\"ipv4-addr\"}"), &m), SOL_EINVALID);
    CHECK_INT(sol_stix_meta(parse("{\"id\":\"x--y\"}"), &m), SOL_EINVALID);
    CHECK_INT(sol_stix_meta(parse("{\"type\":1,\"id\":\"x--y\"}"), &m), SOL_EINVALID);
}

static const char *tool_without_name =
    "{\"type\":\"tool\",\"spec_version\":\"2.1\",\"id\":\"tool--8e2e2d2b-17d4-4cbf-938f-"
    "98ee46b3cd3f\","
    "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\",\"foo\":1}";

static void
test_object_path_and_format(void)
{
    struct sol_stix_report rep;
    char buf[1024];
    sol_stix_report_init(&rep);
    CHECK_INT(sol_stix_validate_object(parse(tool_without_name), NULL, "objects[3]", &rep), 1);
    CHECK_INT(rep.n, 2);
    CHECK_INT(rep.errors, 1);
    CHECK_INT(rep.warnings, 1);
    CHECK_INT(rep.objects, 1);
    if (rep.n == 2) {
        CHECK_STR(rep.v[0].path, "objects[3].foo");
        CHECK_STR(rep.v[0].object_id, "tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
        CHECK_INT(rep.v[0].severity, SOL_STIX_WARNING);
        CHECK_STR(rep.v[1].path, "objects[3].name");
        CHECK_STR(rep.v[1].msg, "required property missing");
        CHECK_STR(sol_stix_finding_format(&rep.v[1], buf, sizeof buf),
                  "objects[3] (tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f): name: required "
                  "property missing");
    }
    sol_stix_report_free(&rep);
    sol_stix_report_free(&rep); /* twice is harmless */
    sol_stix_report_free(NULL);

    /* --strict: the warning counts as an error. */
    struct sol_stix_options strict = {21, true};
    sol_stix_report_init(&rep);
    CHECK_INT(sol_stix_validate_object(parse(tool_without_name), &strict, "", &rep), 1);
    CHECK_INT(rep.errors, 2);
    CHECK_INT(rep.warnings, 0);
    if (rep.n == 2)
        CHECK_STR(sol_stix_finding_format(&rep.v[0], buf, sizeof buf),
                  "tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: foo: custom property should start "
                  "with x_ (§11.1.1)");
    sol_stix_report_free(&rep);

    /* A finding with neither object path nor id is its message. */
    struct sol_stix_finding f;
    memset(&f, 0, sizeof f);
    snprintf(f.msg, sizeof f.msg, "expected a STIX bundle or object, found string");
    CHECK_STR(sol_stix_finding_format(&f, buf, sizeof buf),
              "expected a STIX bundle or object, found string");
    snprintf(f.path, sizeof f.path, "objects");
    CHECK_STR(sol_stix_finding_format(&f, buf, sizeof buf),
              "objects: expected a STIX bundle or object, found string");
}

/* A stand-in pattern checker: the real one (src/pattern) is installed by the program. */
static int
fake_checker(const char *pattern, size_t n, unsigned version, char *why, size_t why_n)
{
    (void)version;
    if (n >= 3 && strstr(pattern, "BAD")) { /* pattern strings are NUL-terminated */
        snprintf(why, why_n, "column 2: BAD is not a pattern");
        return -1;
    }
    return 0;
}

static void
test_pattern_hook(void)
{
    const char *bad = "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
                      "e2e1a340-4415-4ba8-9671-f7343fbf0836\","
                      "\"created\":\"2016-05-12T08:17:27.000Z\",\"modified\":\"2016-05-12T08:17:27."
                      "000Z\",\"pattern\":\"[BAD]\","
                      "\"pattern_type\":\"stix\",\"valid_from\":\"2016-05-12T08:17:27.000Z\"}";
    struct sol_stix_report rep;
    char buf[1024];
    /* The default checker is the pattern parser of src/pattern. */
    sol_stix_report_init(&rep);
    CHECK_INT(sol_stix_validate_document(parse(bad), NULL, &rep), 1);
    if (rep.n == 1)
        CHECK(strncmp(rep.v[0].msg, "invalid STIX pattern: column ", 29) == 0);
    else
        HARNESS_FAIL("%zu findings", rep.n);
    sol_stix_report_free(&rep);
    sol_stix_set_pattern_checker(fake_checker);
    sol_stix_report_init(&rep);
    CHECK_INT(sol_stix_validate_document(parse(bad), NULL, &rep), 1);
    if (rep.n == 1)
        CHECK_STR(sol_stix_finding_format(&rep.v[0], buf, sizeof buf),
                  "indicator--e2e1a340-4415-4ba8-9671-f7343fbf0836: pattern: invalid STIX pattern: "
                  "column 2: BAD is "
                  "not a pattern (§9)");
    else
        HARNESS_FAIL("%zu findings", rep.n);
    sol_stix_report_free(&rep);
    sol_stix_set_pattern_checker(NULL);
}

static void
test_detection(void)
{
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    sol_stix_validate_document(
        parse("{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\","
              "\"spec_version\":\"2.0\",\"objects\":[]}"),
        NULL, &rep);
    CHECK_INT(rep.version, 20);
    CHECK(rep.detected_20);
    sol_stix_report_free(&rep);
    sol_stix_report_init(&rep);
    sol_stix_validate_document(parse(tool_without_name), NULL, &rep);
    CHECK_INT(rep.version, 21);
    CHECK(!rep.detected_20);
    sol_stix_report_free(&rep);
}

/* Every allocation failing in turn: SOL_ENOMEM or the full answer, never a crash or leak. */
static void
test_allocation_failures(void)
{
    const struct sol_json *root = parse(
        "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":["
        "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956\","
        "\"value\":\"198.51.100.3\"},"
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--e2e1a340-4415-4ba8-"
        "9671-f7343fbf0836\","
        "\"created\":\"2016-05-12T08:17:27.000Z\",\"modified\":\"2016-05-12T08:17:27.000Z\","
        "\"pattern\":"
        "\"[ipv4-addr:value = '198.51.100.1'] AND [domain-name:value = "
        "'example.com']\",\"pattern_type\":\"stix\","
        "\"valid_from\":\"2016-05-12T08:17:27.000Z\",\"foo\":1,\"bar\":2,\"baz\":3,\"qux\":4},"
        "{\"type\":\"tool\",\"spec_version\":\"2.1\",\"id\":\"tool--8e2e2d2b-17d4-4cbf-938f-"
        "98ee46b3cd3f\"}]}");
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    CHECK_INT(sol_stix_validate_document(root, NULL, &rep), 1);
    size_t want = rep.n;
    sol_stix_report_free(&rep);
    bool finished = false;
    for (long n = 0; n < 500 && !finished; n++) {
        sol_stix_report_init(&rep);
        sol_alloc_fail_after(n);
        int rc = sol_stix_validate_document(root, NULL, &rep);
        sol_alloc_fail_after(-1);
        if (rc == 1) {
            CHECK_INT(rep.n, want);
            finished = true;
        } else if (rc != SOL_ENOMEM) {
            HARNESS_FAIL("failing allocation %ld: returned %d", n, rc);
        }
        sol_stix_report_free(&rep);
    }
    CHECK(finished);
}

int
main(void)
{
    doc = sol_json_doc_new(NULL);
    RUN(test_sco_id_spec_examples);
    RUN(test_sco_id_one_hash);
    RUN(test_type_predicates);
    RUN(test_tlp);
    RUN(test_meta);
    RUN(test_object_path_and_format);
    RUN(test_pattern_hook);
    RUN(test_detection);
    RUN(test_allocation_failures);
    sol_json_doc_free(doc);
    return harness_done();
}
