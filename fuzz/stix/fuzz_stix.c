/*
 * fuzz_stix.c — STIX validation on arbitrary bytes: parse as JSON, then validate the
 * document as detected, as STIX 2.0 and strictly as STIX 2.1.
 *
 * Invariants: validation never crashes and never fails for a reason other than memory;
 * the return value agrees with the error count; every finding formats to a string; a
 * strict run has no warnings, and at least as many errors as the plain run has findings;
 * sol_stix_meta and sol_stix_sco_id accept whatever object they are given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/json.h"
#include "solidarity/stix.h"

#define ALWAYS(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

static struct sol_json_doc *doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
validate(const struct sol_json *root, unsigned version, bool strict, size_t *errors)
{
    struct sol_stix_options opt = {version, strict};
    struct sol_stix_report rep;
    char buf[1200];
    sol_stix_report_init(&rep);
    int rc = sol_stix_validate_document(root, &opt, &rep);
    ALWAYS(rc == 0 || rc == 1 || rc == SOL_ENOMEM);
    if (rc >= 0)
        ALWAYS((rc == 1) == (rep.errors > 0));
    ALWAYS(rep.errors + rep.warnings == rep.n);
    if (strict)
        ALWAYS(rep.warnings == 0);
    for (size_t i = 0; i < rep.n; i++) {
        sol_stix_finding_format(&rep.v[i], buf, sizeof buf);
        ALWAYS(buf[0] != '\0');
    }
    size_t n = rep.n;
    *errors = rep.errors;
    sol_stix_report_free(&rep);
    return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!doc)
        doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err;
    if (sol_json_parse(doc, (const char *)data, size, &root, &err) != 0)
        return 0;
    size_t e_detect, e_20, e_strict;
    size_t n = validate(root, 0, false, &e_detect);
    validate(root, 20, false, &e_20);
    size_t ns = validate(root, 21, true, &e_strict);
    (void)n;
    (void)ns;
    /* The objects one by one: metadata and deterministic ids never crash. */
    const struct sol_json *objs = sol_json_get(root, "objects");
    if (sol_json_type(objs) != SOL_JSON_ARRAY)
        objs = NULL;
    for (size_t i = 0; objs && i < objs->n && i < 64; i++) {
        const struct sol_json *o = sol_json_at(objs, i);
        struct sol_stix_meta m;
        struct sol_buf id;
        sol_buf_init(&id);
        if (sol_stix_meta(o, &m) == 0)
            ALWAYS(m.id.p && m.type.p);
        int rc = sol_stix_sco_id(o, &id);
        if (rc == 0)
            ALWAYS(id.n > 38 && strstr(id.p, "--"));
        sol_buf_free(&id);
        (void)sol_stix_object_tlp(o);
    }
    return 0;
}
