/*
 * reader_eve.c — Suricata's eve.json, read by the JSON-lines engine through the built-in
 * eve mapping below.
 */
#include "match/reader.h"

/* dns (v1, v2 and v3 layouts), http, tls, fileinfo, flow, alert. */
static const struct sol__mrule eve_rules[] = {
    {"timestamp", "", "", SOL__MR_TIME, NULL},
    {"src_ip", "network-traffic", "src_ref", SOL__MR_REF, NULL},
    {"dest_ip", "network-traffic", "dst_ref", SOL__MR_REF, NULL},
    {"src_port", "network-traffic", "src_port", SOL__MR_PROP, NULL},
    {"dest_port", "network-traffic", "dst_port", SOL__MR_PROP, NULL},
    {"proto", "network-traffic", "protocols", SOL__MR_LOWER, NULL},
    {"dns.rrname", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"dns.rdata", "ip-or-domain", "value", SOL__MR_VALUE, NULL},
    {"dns.queries.rrname", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"dns.answers.rrname", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"dns.answers.rdata", "ip-or-domain", "value", SOL__MR_VALUE, NULL},
    {"dns.grouped.A", "ipv4-addr", "value", SOL__MR_VALUE, NULL},
    {"dns.grouped.AAAA", "ipv6-addr", "value", SOL__MR_VALUE, NULL},
    {"dns.grouped.CNAME", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"http.hostname", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"http.url", "url", "value", SOL__MR_URI, "http.hostname"},
    {"http.url", "network-traffic", "extensions.http-request-ext.request_value", SOL__MR_PROP,
     NULL},
    {"http.http_user_agent", "network-traffic",
     "extensions.http-request-ext.request_header.User-Agent", SOL__MR_PROP, NULL},
    {"http.http_method", "network-traffic", "extensions.http-request-ext.request_method",
     SOL__MR_PROP, NULL},
    {"tls.sni", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"tls.subject", "x509-certificate", "subject", SOL__MR_PROP, NULL},
    {"tls.issuerdn", "x509-certificate", "issuer", SOL__MR_PROP, NULL},
    {"tls.serial", "x509-certificate", "serial_number", SOL__MR_PROP, NULL},
    {"tls.fingerprint", "x509-certificate", "hashes.*", SOL__MR_HASHLEN, NULL},
    {"fileinfo.filename", "file", "name", SOL__MR_PROP, NULL},
    {"fileinfo.md5", "file", "hashes.MD5", SOL__MR_PROP, NULL},
    {"fileinfo.sha1", "file", "hashes.SHA-1", SOL__MR_PROP, NULL},
    {"fileinfo.sha256", "file", "hashes.SHA-256", SOL__MR_PROP, NULL},
    {"fileinfo.magic", "file", "magic_number_hex", SOL__MR_NONE, NULL},
    {"fileinfo.size", "file", "size", SOL__MR_PROP, NULL},
};

const struct sol_log_mapping sol__meve = {eve_rules, sizeof eve_rules / sizeof eve_rules[0], false,
                                          NULL};

/* Every eve record has an event_type; it wins over anything else a line may look like. */
static int
detect(const struct sol__mfirst *first)
{
    return first->json && sol_json_get(first->json, "event_type") ? 95 : 0;
}

static const char *const alias[] = {"suricata", NULL};

const struct sol__mlog_format sol__mlog_eve = {
    .id = SOL_LOG_EVE,
    .name = "eve",
    .alias = alias,
    .mapping = &sol__meve,
    .detect = detect,
    .open = sol__mjson_open,
    .splittable = true,
    .next = sol__mjson_next,
    .free = sol__mjson_free,
};
