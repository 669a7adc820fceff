/*
 * fuzz_warninglist.c — a MISP warninglist on arbitrary bytes: parsed, added to a set of
 * lists (every type: string, hostname, cidr, substring, regex), then asked about values
 * of every kind, and about an indicator (the scan's check).
 *
 * Invariants: adding never crashes and fails only with SOL_EINVALID (with a message) or
 * SOL_ENOMEM; a match names a list that was added; the scan's check keeps, narrows or
 * drops, never anything else.
 */
#include <stdint.h>
#include <string.h>

#include "solidarity/formats.h"

#define ALWAYS(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    struct sol_warninglists *w = sol_warninglists_new();
    ALWAYS(doc && w);
    const struct sol_json *root;
    if (sol_json_parse(doc, (const char *)data, size, &root, NULL) == 0) {
        struct sol_error err;
        sol_error_clear(&err);
        int rc = sol_warninglists_add(w, root, &err);
        ALWAYS(rc == 0 || rc == SOL_EINVALID || rc == SOL_ENOMEM);
        if (rc == SOL_EINVALID)
            ALWAYS(err.msg[0]);
        static const char *const values[] = {"10.1.2.3",
                                             "2001:db8::1",
                                             "example.com",
                                             "www.example.com",
                                             "http://a.example:80/x",
                                             "a@b.example",
                                             "d41d8cd98f00b204e9800998ecf8427e",
                                             "10.0.0.0/8",
                                             ""};
        for (int k = 0; k < SOL_ATOM_N; k++)
            for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
                const char *hit =
                    sol_warninglists_match(w, (enum sol_atom_kind)k, values[i], strlen(values[i]));
                ALWAYS(!hit || (rc == 0 && sol_warninglists_count(w, NULL) == 1));
            }
        const char *ind = "{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern_type\":"
                          "\"stix\",\"pattern\":\"[domain-name:value = 'example.com' OR "
                          "ipv4-addr:value = '10.1.2.3' OR url:value = 'http://x.example/']\"}";
        struct sol_json_doc *d2 = sol_json_doc_new(NULL);
        const struct sol_json *obj, *out;
        const char *list;
        ALWAYS(d2 && sol_json_parse(d2, ind, strlen(ind), &obj, NULL) == 0);
        int k = sol_warninglists_indicator(w, obj, d2, &out, &list);
        ALWAYS(k == 0 || k == 1 || k == 2 || k == SOL_ENOMEM);
        ALWAYS((k == 1 || k == 2) == (list != NULL));
        sol_json_doc_free(d2);
    }
    sol_warninglists_free(w);
    sol_json_doc_free(doc);
    return 0;
}
