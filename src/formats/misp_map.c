/*
 * misp_map.c — the MISP ⇄ STIX 2.1 mapping tables (misp_map.h). Our own decisions,
 * written from the MISP core format (draft-dulaunoy-misp-core-format) and STIX 2.1 §6:
 *
 * - An attribute's value is one comparison per part; composite types ("filename|md5") are
 *   comparisons on one object joined by AND, in one bracket (STIX 2.1 §9.5).
 * - Senders and recipients of e-mail are e-mail messages' from_ref / to_refs, not bare
 *   addresses: a sensor format that cannot tell a sender from any address then names the
 *   indicator as inexpressible rather than widen it.
 * - Hashes use the STIX hash-algorithm-ov names where there is one (MD5, SHA-1, SHA-256,
 *   SHA-512, SHA3-256, SHA3-512, SSDEEP, TLSH), STIX 2.0's for SHA-224 and SHA-384
 *   (stix/stix.h's one table), and MISP's upper-cased name otherwise.
 */
#include <string.h>

#include "formats/misp_map.h"

#define FILE_HASH(t, name, cat)                                                                    \
    {t, {"file:hashes." name, NULL}, 0, cat, NULL},                                                \
    {                                                                                              \
        "filename|" t, {"file:name", "file:hashes." name}, 0, cat, NULL                            \
    }

static const struct misp_type_map types[] = {
    {"ip-dst", {"ADDR:value", NULL}, MM_IP, "Network activity", NULL},
    {"ip-src", {"ADDR:value", NULL}, MM_IP, "Network activity", NULL},
    {"ip-dst|port",
     {"network-traffic:dst_ref.value", "network-traffic:dst_port"},
     MM_IP | MM_INT,
     "Network activity",
     NULL},
    {"ip-src|port",
     {"network-traffic:src_ref.value", "network-traffic:src_port"},
     MM_IP | MM_INT,
     "Network activity",
     NULL},
    {"hostname|port",
     {"network-traffic:dst_ref.value", "network-traffic:dst_port"},
     MM_INT,
     "Network activity",
     NULL},
    {"domain", {"domain-name:value", NULL}, 0, "Network activity", NULL},
    {"hostname", {"domain-name:value", NULL}, 0, "Network activity", NULL},
    {"domain|ip",
     {"domain-name:value", "domain-name:resolves_to_refs[*].value"},
     MM_IP,
     "Network activity",
     NULL},
    {"url", {"url:value", NULL}, 0, "Network activity", NULL},
    {"uri", {"url:value", NULL}, 0, "Network activity", NULL},
    {"link", {"url:value", NULL}, 0, "External analysis", NULL},
    {"email", {"email-addr:value", NULL}, 0, "Network activity", NULL},
    {"email-src", {"email-message:from_ref.value", NULL}, 0, "Payload delivery", NULL},
    {"email-dst", {"email-message:to_refs[*].value", NULL}, 0, "Payload delivery", NULL},
    {"email-reply-to",
     {"email-message:additional_header_fields.'Reply-To'", NULL},
     0,
     "Payload delivery",
     NULL},
    {"email-subject", {"email-message:subject", NULL}, 0, "Payload delivery", NULL},
    {"email-message-id", {"email-message:message_id", NULL}, 0, "Payload delivery", NULL},
    {"email-x-mailer",
     {"email-message:additional_header_fields.'X-Mailer'", NULL},
     0,
     "Payload delivery",
     NULL},
    {"email-body", {"email-message:body", NULL}, 0, "Payload delivery", NULL},
    {"email-src-display-name",
     {"email-message:from_ref.display_name", NULL},
     0,
     "Payload delivery",
     NULL},
    {"whois-registrant-email", {"email-addr:value", NULL}, 0, "Attribution", NULL},
    {"filename", {"file:name", NULL}, 0, "Payload delivery", NULL},
    FILE_HASH("md5", "MD5", "Payload delivery"),
    FILE_HASH("sha1", "'SHA-1'", "Payload delivery"),
    FILE_HASH("sha224", "'SHA-224'", "Payload delivery"),
    FILE_HASH("sha256", "'SHA-256'", "Payload delivery"),
    FILE_HASH("sha384", "'SHA-384'", "Payload delivery"),
    FILE_HASH("sha512", "'SHA-512'", "Payload delivery"),
    FILE_HASH("sha3-256", "'SHA3-256'", "Payload delivery"),
    FILE_HASH("sha3-512", "'SHA3-512'", "Payload delivery"),
    FILE_HASH("ssdeep", "SSDEEP", "Payload delivery"),
    FILE_HASH("tlsh", "TLSH", "Payload delivery"),
    FILE_HASH("imphash", "IMPHASH", "Payload delivery"),
    FILE_HASH("authentihash", "AUTHENTIHASH", "Payload delivery"),
    FILE_HASH("vhash", "VHASH", "Payload delivery"),
    FILE_HASH("pehash", "PEHASH", "Payload delivery"),
    {"malware-sample", {"file:name", "file:hashes.MD5"}, 0, "Payload delivery", NULL},
    {"mutex", {"mutex:name", NULL}, 0, "Artifacts dropped", NULL},
    {"AS", {"autonomous-system:number", NULL}, MM_AS, "Network activity", NULL},
    {"mac-address", {"mac-addr:value", NULL}, 0, "Network activity", NULL},
    {"regkey", {"windows-registry-key:key", NULL}, 0, "Persistence mechanism", NULL},
    {"regkey|value",
     {"windows-registry-key:key", "windows-registry-key:values[*].data"},
     0,
     "Persistence mechanism",
     NULL},
    {"user-agent",
     {"network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'", NULL},
     0,
     "Network activity",
     NULL},
    {"x509-fingerprint-md5", {"x509-certificate:hashes.MD5", NULL}, 0, "Network activity", NULL},
    {"x509-fingerprint-sha1",
     {"x509-certificate:hashes.'SHA-1'", NULL},
     0,
     "Network activity",
     NULL},
    {"x509-fingerprint-sha256",
     {"x509-certificate:hashes.'SHA-256'", NULL},
     0,
     "Network activity",
     NULL},
    {"github-username", {"user-account:account_login", NULL}, 0, "Social network", NULL},
    {"vulnerability", {NULL, NULL}, MM_SDO, "External analysis", "vulnerability"},
    {"campaign-name", {NULL, NULL}, MM_SDO, "Attribution", "campaign"},
    {"threat-actor", {NULL, NULL}, MM_SDO, "Attribution", "threat-actor"},
    {"text", {NULL, NULL}, MM_NOTE, "Other", NULL},
    {"comment", {NULL, NULL}, MM_NOTE, "Other", NULL},
    {"other", {NULL, NULL}, MM_NOTE, "Other", NULL},
};

static const struct misp_relation_map file_rel[] = {
    {"filename", "filename", "file:name", 0},
    {"md5", "md5", "file:hashes.MD5", 0},
    {"sha1", "sha1", "file:hashes.'SHA-1'", 0},
    {"sha256", "sha256", "file:hashes.'SHA-256'", 0},
    {"sha512", "sha512", "file:hashes.'SHA-512'", 0},
    {"ssdeep", "ssdeep", "file:hashes.SSDEEP", 0},
    {"tlsh", "tlsh", "file:hashes.TLSH", 0},
    {"size-in-bytes", "size-in-bytes", "file:size", MM_INT1},
    {"mimetype", "mime-type", "file:mime_type", 0},
    {"path", "text", "file:parent_directory_ref.path", 0},
};
static const struct misp_relation_map domain_ip_rel[] = {
    {"domain", "domain", "domain-name:value", 0},
    {"hostname", "hostname", "domain-name:value", 0},
    {"ip", "ip-dst", "domain-name:resolves_to_refs[*].value", MM_IP},
};
static const struct misp_relation_map email_rel[] = {
    {"from", "email-src", "email-message:from_ref.value", 0},
    {"from-display-name", "email-src-display-name", "email-message:from_ref.display_name", 0},
    {"to", "email-dst", "email-message:to_refs[*].value", 0},
    {"cc", "email-dst", "email-message:cc_refs[*].value", 0},
    {"subject", "email-subject", "email-message:subject", 0},
    {"message-id", "email-message-id", "email-message:message_id", 0},
    {"reply-to", "email-reply-to", "email-message:additional_header_fields.'Reply-To'", 0},
    {"x-mailer", "email-x-mailer", "email-message:additional_header_fields.'X-Mailer'", 0},
    {"email-body", "email-body", "email-message:body", 0},
};
static const struct misp_relation_map url_rel[] = {
    {"url", "url", "url:value", 0},
};
static const struct misp_relation_map ip_port_rel[] = {
    {"ip-dst", "ip-dst", "network-traffic:dst_ref.value", MM_IP},
    {"dst-port", "port", "network-traffic:dst_port", MM_INT1},
    {"ip-src", "ip-src", "network-traffic:src_ref.value", MM_IP},
    {"src-port", "port", "network-traffic:src_port", MM_INT1},
};
static const struct misp_relation_map credential_rel[] = {
    {"username", "text", "user-account:account_login", 0},
    {"password", "text", "user-account:credential", 0},
};

#define N(a) (sizeof(a) / sizeof *(a))
static const struct misp_template_map templates[] = {
    {"file", "file", "688c46fb-5edb-40a3-8273-1af7923e2215", file_rel, N(file_rel)},
    {"domain-ip", "network", "43b3b146-77eb-4931-b4cc-b66c60f28734", domain_ip_rel,
     N(domain_ip_rel)},
    {"email", "network", "a0c666e0-fc65-4be8-b48f-3423d788b552", email_rel, N(email_rel)},
    {"url", "network", "60efb77b-40b5-4c46-871b-ed1ed999fce5", url_rel, N(url_rel)},
    {"ip-port", "network", "9f8cea74-16fe-4968-a2b4-026676949ac6", ip_port_rel, N(ip_port_rel)},
    {"credential", "misc", "a27e98c9-9b0e-414c-8076-d201e039ca09", credential_rel,
     N(credential_rel)},
};

const struct misp_type_map *
sol__misp_type(const char *type, size_t n)
{
    for (size_t i = 0; i < N(types); i++)
        if (strlen(types[i].type) == n && memcmp(types[i].type, type, n) == 0)
            return &types[i];
    return NULL;
}

const struct misp_type_map *
sol__misp_types(size_t *n)
{
    *n = N(types);
    return types;
}

const struct misp_template_map *
sol__misp_template(const char *name, size_t n)
{
    for (size_t i = 0; i < N(templates); i++)
        if (strlen(templates[i].name) == n && memcmp(templates[i].name, name, n) == 0)
            return &templates[i];
    return NULL;
}

const struct misp_template_map *
sol__misp_templates(size_t *n)
{
    *n = N(templates);
    return templates;
}
