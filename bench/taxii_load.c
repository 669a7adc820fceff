/*
 * taxii_load.c — fill a store fast for bench/taxii.sh: an API root "intel", a
 * collection, an admin user with a token, and N indicators inserted straight through
 * sol_store_object_add() in transactions of 10000 (no validation: the bench measures
 * serving, not ingest). Prints NAME=VALUE lines: token, collection, first and last
 * date_added.  Usage: taxii_load DIR N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/access.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"

#define COLLECTION "0b0b0b0b-0000-4000-8000-00000000be0c"

static int
fail(const char *what, int rc)
{
    fprintf(stderr, "taxii_load: %s: %s\n", what, sol_strerror(rc));
    return 2;
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: taxii_load DIR N\n");
        return 2;
    }
    long n = atol(argv[2]);
    struct sol_store *s = NULL;
    struct sol_error err;
    sol_error_clear(&err);
    int rc = sol_store_open(argv[1], &s, &err);
    if (rc < 0)
        return fail(err.msg, rc);
    struct sol_api_root root = {.name = (char *)"intel",
                                .title = (char *)"bench",
                                .max_content_length = SOL_DEFAULT_MAX_CONTENT_LENGTH};
    struct sol_collection col = {.id = (char *)COLLECTION,
                                 .api_root = (char *)"intel",
                                 .title = (char *)"bench",
                                 .default_tlp = SOL_TLP_GREEN};
    int64_t partner = 0, user = 0;
    char hash[128];
    if ((rc = sol_store_api_root_put(s, &root)) < 0 ||
        (rc = sol_store_collection_put(s, &col)) < 0 ||
        (rc = sol_store_partner_add(s, "bench", NULL, &partner)) < 0)
        return fail("setup", rc);
    sol_access_set_weak_password_hashing(true);
    if ((rc = sol_access_password_hash("bench", hash)) < 0)
        return fail("password", rc);
    struct sol_user u = {.name = (char *)"bench",
                         .partner_id = partner,
                         .clearance = SOL_TLP_RED,
                         .is_admin = true,
                         .password_hash = hash};
    char token[SOL_TOKEN_LEN + 1];
    if ((rc = sol_store_user_add(s, &u, &user)) < 0 ||
        (rc = sol_access_token_issue(s, user, "bench", token, NULL)) < 0)
        return fail("user", rc);
    sol_time_t first = 0, last = 0;
    char json[512], id[64];
    for (long i = 0; i < n; i++) {
        if (i % 10000 == 0 && (rc = sol_store_begin(s)) < 0)
            return fail("begin", rc);
        snprintf(id, sizeof(id), "indicator--%08lx-0000-4000-8000-%012lx", (unsigned long)i,
                 (unsigned long)i);
        int len = snprintf(json, sizeof(json),
                           "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                           "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":"
                           "\"2024-01-01T00:00:00.000Z\",\"name\":\"bench %ld\",\"pattern\":"
                           "\"[domain-name:value = 'host-%ld.example.org']\",\"pattern_type\":"
                           "\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\","
                           "\"indicator_types\":[\"malicious-activity\"]}",
                           id, i, i);
        struct sol_object_row row = {
            .id = sol_str_c(id),
            .type = SOL_STR("indicator"),
            .spec_version = SOL_STR("2.1"),
            .json = {json, (size_t)len},
            .origin = SOL_STR("bench"),
            .version = 1704067200000000LL,
            .tlp = SOL_TLP_GREEN,
        };
        bool added = false;
        sol_time_t da = 0;
        if ((rc = sol_store_object_add(s, COLLECTION, &row, &added, &da)) < 0)
            return fail("insert", rc);
        if (!first)
            first = da;
        last = da;
        if ((i % 10000 == 9999 || i == n - 1) && (rc = sol_store_commit(s)) < 0)
            return fail("commit", rc);
    }
    char a[32], b[32];
    sol_time_format(first, 6, a);
    sol_time_format(last, 6, b);
    printf("token=%s\ncollection=%s\nfirst=%s\nlast=%s\n", token, COLLECTION, a, b);
    sol_store_close(s);
    return 0;
}
