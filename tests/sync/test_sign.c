/*
 * test_sign.c — provenance signatures (sign.h): sign, verify, tamper detection, JCS
 * independence from member order and white space, keys on disk, documents, policies.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/sync.h"

static char tmpdir[] = "/tmp/sol-sign-XXXXXX";

static const char indicator[] =
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
    "\"id\":\"indicator--a932fcc6-e032-476c-826f-cb970a5a1ade\","
    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
    "\"name\":\"bad \\u00e9 domain\",\"pattern\":\"[domain-name:value = 'evil.example.com']\","
    "\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00Z\",\"confidence\":80}";

/* The same object: members in another order, other white space, escapes written otherwise. */
static const char indicator_reordered[] =
    "{ \"pattern_type\" : \"stix\",\n  \"confidence\": 80, "
    "\"valid_from\":\"2026-01-01T00:00:00Z\",\n"
    "  \"name\":\"bad \xc3\xa9 domain\", \"modified\":\"2026-01-01T00:00:00.000Z\",\n"
    "  \"created\":\"2026-01-01T00:00:00.000Z\", \"pattern\":\"[domain-name:value = "
    "'evil.example.com']\",\n"
    "  \"id\":\"indicator--a932fcc6-e032-476c-826f-cb970a5a1ade\", \"spec_version\":\"2.1\", "
    "\"type\":\"indicator\" }";

static struct sol_sign_key key, other;

static const struct sol_json *
parse(struct sol_json_doc *doc, const char *text, size_t n)
{
    const struct sol_json *root = NULL;
    struct sol_error err;
    if (sol_json_parse(doc, text, n, &root, &err) != 0) {
        HARNESS_FAIL("parse: %s", err.msg);
        return NULL;
    }
    return root;
}

/* Sign text with k; the signed JSON goes to out. */
static void
sign_text(const struct sol_sign_key *k, const char *text, struct sol_buf *out)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    struct sol_error err;
    const struct sol_json *obj = parse(doc, text, strlen(text));
    CHECK_INT(sol_sign_object(k, obj, out, &err), 0);
    sol_json_doc_free(doc);
}

static enum sol_sign_verdict
verify_text(const char *text, size_t n, const struct sol_sign_key *k, char *why, size_t why_n)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *obj = parse(doc, text, n);
    enum sol_sign_verdict v = 0;
    uint8_t keys[1][SOL_SIGN_PUBLIC_BYTES];
    if (k)
        memcpy(keys[0], k->public_key, SOL_SIGN_PUBLIC_BYTES);
    char signer[128];
    CHECK_INT(sol_sign_verify(obj, (const uint8_t(*)[SOL_SIGN_PUBLIC_BYTES])keys, k ? 1 : 0, &v,
                              why, why_n, signer),
              0);
    sol_json_doc_free(doc);
    return v;
}

static void
test_key_file(void)
{
    struct sol_error err;
    CHECK_INT(sol_sign_key_load(tmpdir, false, NULL, &key, &err), SOL_ENOTFOUND);
    CHECK_INT(sol_sign_key_load(tmpdir, true, "identity--11111111-1111-4111-8111-111111111111",
                                &key, &err),
              0);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, SOL_SIGN_KEY_FILE);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    struct sol_sign_key again;
    CHECK_INT(sol_sign_key_load(tmpdir, true, "identity--11111111-1111-4111-8111-111111111111",
                                &again, &err),
              0);
    CHECK(memcmp(again.public_key, key.public_key, sizeof key.public_key) == 0);
    CHECK(memcmp(again.secret_key, key.secret_key, sizeof key.secret_key) == 0);
    CHECK_STR(again.signer, "identity--11111111-1111-4111-8111-111111111111");
    /* a second node */
    char dir2[256];
    snprintf(dir2, sizeof dir2, "%s/other", tmpdir);
    mkdir(dir2, 0700);
    CHECK_INT(sol_sign_key_load(dir2, true, "identity--22222222-2222-4222-8222-222222222222",
                                &other, &err),
              0);
    CHECK(memcmp(other.public_key, key.public_key, sizeof key.public_key) != 0);
    /* a broken key file */
    char dir3[256], p3[300];
    snprintf(dir3, sizeof dir3, "%s/broken", tmpdir);
    mkdir(dir3, 0700);
    snprintf(p3, sizeof p3, "%s/%s", dir3, SOL_SIGN_KEY_FILE);
    FILE *f = fopen(p3, "w");
    fputs("not a key\n", f);
    fclose(f);
    struct sol_sign_key bad;
    CHECK_INT(sol_sign_key_load(dir3, true, NULL, &bad, &err), SOL_EINVALID);
    CHECK(strstr(err.msg, "not an Ed25519 secret key") != NULL);
}

static void
test_public_text(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    sol_sign_public_text(&b, key.public_key);
    CHECK_INT(b.n, SOL_SIGN_PUBLIC_TEXT);
    uint8_t pk[32];
    CHECK_INT(sol_sign_public_parse(b.p, b.n, pk), 0);
    CHECK(memcmp(pk, key.public_key, 32) == 0);
    CHECK_INT(sol_sign_public_parse(b.p, b.n - 1, pk), SOL_ESYNTAX);
    CHECK_INT(sol_sign_public_parse("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=", 44, pk),
              SOL_ESYNTAX);
    sol_buf_free(&b);
}

static void
test_sign_verify(void)
{
    struct sol_buf s;
    sol_buf_init(&s);
    sign_text(&key, indicator, &s);
    CHECK(strstr(s.p, "\"extensions\":{\"" SOL_SIGN_EXTENSION_ID "\":{\"extension_type\":"
                      "\"property-extension\",\"signer\":\"identity--11111111-1111-4111-8111-"
                      "111111111111\",\"public_key\":\"") != NULL);
    CHECK(strstr(s.p, "\"algorithm\":\"ed25519\",\"signature\":\"") != NULL);
    /* signing keeps the version: modified is untouched */
    CHECK(strstr(s.p, "\"modified\":\"2026-01-01T00:00:00.000Z\"") != NULL);
    char why[256];
    CHECK_INT(verify_text(s.p, s.n, &key, why, sizeof why), SOL_SIGN_VALID);
    /* by a key we do not hold, but intact */
    CHECK_INT(verify_text(s.p, s.n, &other, why, sizeof why), SOL_SIGN_UNKNOWN_KEY);
    CHECK_STR(why, "signed by identity--11111111-1111-4111-8111-111111111111 with a key this "
                   "node does not hold for the partner");
    CHECK_INT(verify_text(s.p, s.n, NULL, why, sizeof why), SOL_SIGN_UNKNOWN_KEY);
    CHECK_INT(verify_text(indicator, strlen(indicator), &key, why, sizeof why), SOL_SIGN_UNSIGNED);
    CHECK_STR(why, "the object is not signed");
    sol_buf_free(&s);
}

/* Replace the first occurrence of from by to in b (same buffer). */
static void
replace(struct sol_buf *b, const char *from, const char *to)
{
    char *at = strstr(b->p, from);
    if (!at) {
        HARNESS_FAIL("'%s' not found", from);
        return;
    }
    struct sol_buf o;
    sol_buf_init(&o);
    sol_buf_append(&o, b->p, (size_t)(at - b->p));
    sol_buf_puts(&o, to);
    sol_buf_puts(&o, at + strlen(from));
    sol_buf_reset(b);
    sol_buf_append(b, o.p, o.n);
    sol_buf_free(&o);
}

static void
test_tamper(void)
{
    struct sol_buf s;
    sol_buf_init(&s);
    char why[256];
    const char *changes[][2] = {
        {"evil.example.com", "good.example.com"},                       /* the pattern */
        {"\"confidence\":80", "\"confidence\":81"},                     /* a number */
        {"\"confidence\":80", "\"confidence\":80.5"},                   /* a number's type */
        {"\"signer\":\"identity--1111", "\"signer\":\"identity--3111"}, /* who signed */
        {"\"name\":", "\"revoked\":true,\"name\":"},                    /* a member added */
    };
    for (size_t i = 0; i < sizeof changes / sizeof *changes; i++) {
        sol_buf_reset(&s);
        sign_text(&key, indicator, &s);
        replace(&s, changes[i][0], changes[i][1]);
        enum sol_sign_verdict v = verify_text(s.p, s.n, &key, why, sizeof why);
        if (v != SOL_SIGN_BAD)
            HARNESS_FAIL("change %zu: verdict %s", i, sol_sign_verdict_name(v));
    }
    CHECK_STR(why, "the signature does not match the object (changed after signing?)");
    /* changed, and by a key we do not hold: still bad, not merely unknown */
    sol_buf_reset(&s);
    sign_text(&key, indicator, &s);
    replace(&s, "evil", "good");
    CHECK_INT(verify_text(s.p, s.n, &other, why, sizeof why), SOL_SIGN_BAD);
    /* the signature itself garbled */
    sol_buf_reset(&s);
    sign_text(&key, indicator, &s);
    replace(&s, "\"signature\":\"", "\"signature\":\"x");
    CHECK_INT(verify_text(s.p, s.n, &key, why, sizeof why), SOL_SIGN_BAD);
    CHECK_STR(why, "the signature is not base64 of 64 bytes");
    sol_buf_reset(&s);
    sign_text(&key, indicator, &s);
    replace(&s, "\"algorithm\":\"ed25519\"", "\"algorithm\":\"rsa\"");
    CHECK_INT(verify_text(s.p, s.n, &key, why, sizeof why), SOL_SIGN_BAD);
    CHECK_STR(why, "the signature's algorithm is not ed25519");
    sol_buf_free(&s);
}

/* The message is the JCS form: order and white space of members do not matter. */
static void
test_jcs_independence(void)
{
    struct sol_buf a, b;
    sol_buf_init(&a);
    sol_buf_init(&b);
    sign_text(&key, indicator, &a);
    sign_text(&key, indicator_reordered, &b);
    /* Ed25519 is deterministic: the same message gives the same signature */
    const char *sa = strstr(a.p, "\"signature\":\""), *sb = strstr(b.p, "\"signature\":\"");
    CHECK(sa && sb && strncmp(sa, sb, 13 + 88) == 0);
    /* a signed object re-serialised with members reversed and spaces still verifies */
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *obj = parse(doc, a.p, a.n);
    struct sol_buf r;
    sol_buf_init(&r);
    sol_buf_puts(&r, "{\n");
    size_t n = obj->n;
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *v;
    /* write in reverse order, by key again */
    for (size_t j = n; j-- > 0;) {
        size_t idx = 0;
        sol_json_iter_init(&it, obj);
        while (sol_json_iter_next(&it, &k, &v)) {
            if (idx++ == j)
                break;
        }
        struct sol_json_writer w;
        struct sol_buf one;
        sol_buf_init(&one);
        sol_jw_init(&w, &one, true);
        sol_jw_value(&w, v);
        sol_buf_printf(&r, "  \"%.*s\" :  %s%s\n", (int)k.n, k.p, one.p, j ? "," : "");
        sol_buf_free(&one);
    }
    sol_buf_puts(&r, "}");
    char why[256];
    CHECK_INT(verify_text(r.p, r.n, &key, why, sizeof why), SOL_SIGN_VALID);
    sol_buf_free(&r);
    sol_json_doc_free(doc);
    sol_buf_free(&a);
    sol_buf_free(&b);
}

/* Objects with extensions of their own keep them; signing twice replaces the signature. */
static void
test_extensions_kept(void)
{
    const char *with_ext =
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
        "\"id\":\"indicator--a932fcc6-e032-476c-826f-cb970a5a1ade\","
        "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
        "\"pattern\":\"[domain-name:value = 'x.example']\",\"pattern_type\":\"stix\","
        "\"valid_from\":\"2026-01-01T00:00:00Z\",\"extensions\":{\"extension-definition--"
        "00000000-0000-4000-8000-000000000001\":{\"extension_type\":\"property-extension\","
        "\"rank\":5}}}";
    struct sol_buf a, b;
    sol_buf_init(&a);
    sol_buf_init(&b);
    sign_text(&key, with_ext, &a);
    CHECK(strstr(a.p, "\"rank\":5}") != NULL);
    char why[256];
    CHECK_INT(verify_text(a.p, a.n, &key, why, sizeof why), SOL_SIGN_VALID);
    sign_text(&other, a.p, &b); /* re-signed by another node */
    CHECK_INT(verify_text(b.p, b.n, &other, why, sizeof why), SOL_SIGN_VALID);
    CHECK_INT(verify_text(b.p, b.n, &key, why, sizeof why), SOL_SIGN_UNKNOWN_KEY);
    const char *first = strstr(b.p, SOL_SIGN_EXTENSION_ID);
    CHECK(first && !strstr(first + 1, SOL_SIGN_EXTENSION_ID)); /* one signature only */
    sol_buf_free(&a);
    sol_buf_free(&b);
}

static void
test_document(void)
{
    const char *bundle_head = "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-"
                              "33f4c354e56d\",\"objects\":[";
    struct sol_buf in, out;
    sol_buf_init(&in);
    sol_buf_init(&out);
    sol_buf_printf(&in, "%s%s,%s]}", bundle_head, indicator, indicator_reordered);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = parse(doc, in.p, in.n);
    struct sol_error err;
    CHECK_INT(sol_sign_document(&key, root, &out, &err), 0);
    struct sol_json_doc *doc2 = sol_json_doc_new(NULL);
    const struct sol_json *signed_root = parse(doc2, out.p, out.n);
    const struct sol_json *objs = sol_json_get(signed_root, "objects");
    CHECK_INT(sol_json_type(objs), SOL_JSON_ARRAY);
    CHECK_INT(objs ? objs->n : 0, 3);
    CHECK(sol_sign_is_extension_definition(sol_json_at(objs, 0)));
    /* verify the document: all valid with the key, quarantine without it */
    struct counts {
        size_t valid, unknown, accept, quarantine;
    } c = {0};
    uint8_t keys[1][32];
    memcpy(keys[0], key.public_key, 32);
    CHECK_INT(sol_sync_verify_document(signed_root, (const uint8_t(*)[32])keys, 1,
                                       SOL_SIGN_QUARANTINE, NULL, NULL, &err),
              0);
    struct sol_json_iter it;
    const struct sol_json *v;
    sol_json_iter_init(&it, objs);
    while (sol_json_iter_next(&it, NULL, &v)) {
        if (sol_sign_is_extension_definition(v))
            continue;
        enum sol_sign_verdict vd;
        sol_sign_verify(v, (const uint8_t(*)[32])keys, 1, &vd, NULL, 0, NULL);
        c.valid += vd == SOL_SIGN_VALID;
        sol_sign_verify(v, NULL, 0, &vd, NULL, 0, NULL);
        c.unknown += vd == SOL_SIGN_UNKNOWN_KEY;
        int act = sol_sync_sign_action(vd, SOL_SIGN_QUARANTINE);
        c.quarantine += act == SOL_SIGN_QUARANTINE;
        c.accept += sol_sync_sign_action(vd, SOL_SIGN_ACCEPT) == SOL_SIGN_ACCEPT;
    }
    CHECK_INT(c.valid, 2);
    CHECK_INT(c.unknown, 2);
    CHECK_INT(c.quarantine, 2);
    CHECK_INT(c.accept, 2);
    /* a bad signature is never accepted, whatever the policy */
    CHECK_INT(sol_sync_sign_action(SOL_SIGN_BAD, SOL_SIGN_ACCEPT), SOL_SIGN_QUARANTINE);
    CHECK_INT(sol_sync_sign_action(SOL_SIGN_BAD, SOL_SIGN_REFUSE), SOL_SIGN_REFUSE);
    CHECK_INT(sol_sync_sign_action(SOL_SIGN_UNSIGNED, SOL_SIGN_REFUSE), SOL_SIGN_REFUSE);
    CHECK_INT(sol_sync_sign_action(SOL_SIGN_VALID, SOL_SIGN_REFUSE), SOL_SIGN_ACCEPT);
    sol_json_doc_free(doc);
    sol_json_doc_free(doc2);
    sol_buf_free(&in);
    sol_buf_free(&out);
    /* not a document */
    struct sol_json_doc *d3 = sol_json_doc_new(NULL);
    const struct sol_json *num = parse(d3, "42", 2);
    sol_buf_init(&out);
    CHECK_INT(sol_sign_document(&key, num, &out, &err), SOL_EINVALID);
    CHECK_STR(err.msg, "expected a STIX bundle, a list of objects or an object");
    sol_buf_free(&out);
    sol_json_doc_free(d3);
}

static void
test_extension_definition(void)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const char *t = sol_sign_extension_definition();
    const struct sol_json *ed = parse(doc, t, strlen(t));
    CHECK_STR(sol_json_get(ed, "id")->u.s, SOL_SIGN_EXTENSION_ID);
    CHECK_STR(sol_json_get(ed, "type")->u.s, "extension-definition");
    CHECK_STR(sol_json_at(sol_json_get(ed, "extension_types"), 0)->u.s, "property-extension");
    sol_json_doc_free(doc);
    enum sol_sign_policy p;
    CHECK_INT(sol_sign_policy_parse("quarantine", &p), 0);
    CHECK_INT(p, SOL_SIGN_QUARANTINE);
    CHECK_INT(sol_sign_policy_parse("maybe", &p), SOL_EINVAL);
}

int
main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    RUN(test_key_file);
    RUN(test_public_text);
    RUN(test_sign_verify);
    RUN(test_tamper);
    RUN(test_jcs_independence);
    RUN(test_extensions_kept);
    RUN(test_document);
    RUN(test_extension_definition);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return harness_done();
}
