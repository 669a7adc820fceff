/*
 * sco_id.c — deterministic identifiers of SCOs (STIX 2.1 §2.9, §3.4): a UUIDv5 in the
 * STIX namespace over the RFC 8785 (JCS) form of the object's ID contributing
 * properties.
 */
#include <string.h>

#include "stix/stix.h"

/* STIX 2.1 §2.9: the namespace 00abedb4-aa42-466c-9c01-fed23315a9b7. */
static const struct sol_uuid stix_namespace = {{0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                                0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7}};

/*
 * STIX 2.1 §6.1, §6.7, §6.18: "If the hashes property is present, include only one
 * hash", preferably the first of MD5, SHA-1, SHA-256, SHA-512; else the first key.
 */
static int
append_one_hash(struct sol_buf *name, const struct sol_json *hashes)
{
    static const enum sol__hash_alg order[] = {SOL__HASH_MD5, SOL__HASH_SHA_1, SOL__HASH_SHA_256,
                                               SOL__HASH_SHA_512};
    struct sol_str key = {NULL, 0};
    const struct sol_json *val = NULL;
    for (size_t i = 0; i < sizeof order / sizeof order[0] && !val; i++) {
        const char *alg = sol__hash_algs[order[i]].name;
        val = sol_json_get(hashes, alg);
        if (val)
            key = sol_str_c(alg);
    }
    if (!val) {
        struct sol_json_iter it;
        sol_json_iter_init(&it, hashes);
        if (!sol_json_iter_next(&it, &key, &val))
            return SOL_EINVALID;
    }
    sol_buf_putc(name, '{');
    sol_json_escape(name, key.p, key.n);
    sol_buf_putc(name, ':');
    int rc = sol_json_canonical(name, val);
    sol_buf_putc(name, '}');
    return rc;
}

/* The deterministic id of an SCO (see stix.h). */
int
sol_stix_sco_id(const struct sol_json *sco, struct sol_buf *out)
{
    struct sol_str type = sol_json_str(sol_json_get(sco, "type"));
    if (!type.p)
        return SOL_EINVALID;
    const struct sol__type_def *td = sol__stix_type_find(type.p, type.n);
    if (!td || td->cls != CLS_SCO || !td->id_contrib)
        return SOL_EUNSUPPORTED;
    /* The present contributing properties, in JCS key order (all names are ASCII). */
    const char *names[16];
    size_t n = 0;
    for (const char *const *p = td->id_contrib; *p && n < 16; p++) {
        if (!sol_json_get(sco, *p))
            continue;
        size_t i = n++;
        while (i > 0 && strcmp(names[i - 1], *p) > 0) {
            names[i] = names[i - 1];
            i--;
        }
        names[i] = *p;
    }
    if (n == 0)
        return SOL_EUNSUPPORTED; /* §2.9: then a UUIDv4 MUST be used */
    struct sol_buf name;
    sol_buf_init(&name);
    int rc = 0;
    sol_buf_putc(&name, '{');
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct sol_json *v = sol_json_get(sco, names[i]);
        if (i)
            sol_buf_putc(&name, ',');
        sol_json_escape(&name, names[i], strlen(names[i]));
        sol_buf_putc(&name, ':');
        if (!strcmp(names[i], "hashes") && sol_json_type(v) == SOL_JSON_OBJECT)
            rc = append_one_hash(&name, v);
        else
            rc = sol_json_canonical(&name, v);
    }
    sol_buf_putc(&name, '}');
    if (rc == 0 && name.oom)
        rc = SOL_ENOMEM;
    if (rc == 0) {
        struct sol_uuid u;
        char text[37];
        sol_uuid_v5(&stix_namespace, name.p, name.n, &u);
        sol_uuid_format(&u, text);
        sol_buf_append(out, type.p, type.n);
        sol_buf_puts(out, "--");
        sol_buf_puts(out, text);
        if (out->oom)
            rc = SOL_ENOMEM;
    }
    sol_buf_free(&name);
    return rc;
}
