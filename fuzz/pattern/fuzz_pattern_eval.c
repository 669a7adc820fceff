/*
 * fuzz_pattern_eval.c — parse arbitrary bytes as a pattern and evaluate it against a
 * small fixed set of observations (2.0 objects and 2.1 object_refs, references, lists,
 * binary and hex properties, several times and number_observed values).
 *
 * Invariants: evaluation never crashes and stays within its step budget (SOL_ELIMIT
 * otherwise); a result names observations in ascending order, without repeats, and
 * matched is true exactly when it names some.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/pattern.h"
#include "solidarity/util.h"

#define ALWAYS(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char observations[] =
    "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
    "{\"type\":\"observed-data\",\"id\":\"od1\",\"first_observed\":\"2020-01-01T00:00:00Z\","
    "\"last_observed\":\"2020-01-01T00:00:00Z\",\"number_observed\":1,\"objects\":{"
    "\"0\":{\"type\":\"file\",\"name\":\"evil.exe\",\"size\":25536,\"hashes\":{\"MD5\":\"aa\","
    "\"SHA-256\":\"bb\"},\"magic_number_hex\":\"ffd8\",\"parent_directory_ref\":\"1\"},"
    "\"1\":{\"type\":\"directory\",\"path\":\"C:\\\\Windows\"}}},"
    "{\"type\":\"observed-data\",\"id\":\"od2\",\"first_observed\":\"2020-01-01T00:01:00Z\","
    "\"last_observed\":\"2020-01-01T00:02:00Z\",\"number_observed\":3,\"object_refs\":["
    "\"network-traffic--1\",\"ipv4-addr--1\",\"domain-name--1\"]},"
    "{\"type\":\"network-traffic\",\"id\":\"network-traffic--1\",\"src_ref\":\"ipv4-addr--1\","
    "\"dst_ref\":\"domain-name--1\",\"protocols\":[\"ipv4\",\"tcp\"],\"dst_port\":443},"
    "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"198.51.100.7\"},"
    "{\"type\":\"domain-name\",\"id\":\"domain-name--1\",\"value\":\"example.com\","
    "\"resolves_to_refs\":[\"ipv4-addr--1\"]},"
    "{\"type\":\"observed-data\",\"id\":\"od3\",\"first_observed\":\"2020-01-01T00:03:00Z\","
    "\"last_observed\":\"2020-01-01T00:03:00Z\",\"number_observed\":2,\"objects\":{"
    "\"0\":{\"type\":\"artifact\",\"payload_bin\":\"dGhpcyBpcyBhIHRlc3Q=\"},"
    "\"1\":{\"type\":\"ipv6-addr\",\"value\":\"2001:db8::1\"},"
    "\"2\":{\"type\":\"user-account\",\"is_service_account\":true,\"user_id\":\"1007\"},"
    "\"3\":{\"type\":\"process\",\"command_line\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaab\","
    "\"image_ref\":\"0\"}}}]}";

static struct sol_json_doc *doc;
static struct sol_observation_set *set;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!doc) {
        const struct sol_json *root;
        struct sol_error e;
        doc = sol_json_doc_new(NULL);
        set = sol_observation_set_new();
        ALWAYS(doc && set);
        ALWAYS(sol_json_parse(doc, observations, sizeof observations - 1, &root, &e) == 0);
        ALWAYS(sol_observation_set_add_json(set, root, &e) == 0);
        ALWAYS(sol_observation_set_finish(set, &e) == 0);
    }
    size_t n;
    const struct sol_observation *obs = sol_observation_set_items(set, &n);
    ALWAYS(n == 3);
    for (unsigned version = 20; version <= 21; version++) {
        struct sol_pattern_options opt = {0};
        opt.stix_version = version;
        struct sol_pattern *p = NULL;
        struct sol_error err;
        if (sol_pattern_parse((const char *)data, size, &opt, &p, &err))
            continue;
        struct sol_pattern_match_options mo = {0};
        mo.max_steps = 200000;
        struct sol_pattern_result res = {0};
        int rc = sol_pattern_match(p, obs, n, &mo, &res, &err);
        ALWAYS(rc == 0 || rc == SOL_ELIMIT);
        ALWAYS(res.matched == (res.nobs > 0));
        for (size_t i = 0; i < res.nobs; i++) {
            ALWAYS(res.obs[i] < n);
            ALWAYS(i == 0 || res.obs[i] > res.obs[i - 1]);
        }
        ALWAYS(res.steps <= mo.max_steps + 1);
        sol_pattern_result_free(&res);
        sol_pattern_free(p);
    }
    return 0;
}
