/*
 * tlp.c — TLP markings (the fixed marking-definition ids of TLP 1.0, STIX 2.1
 * §7.2.1.4, and of TLP 2.0, the OASIS extension named in DESIGN.md), the rules of
 * marking-definition objects (§7.2.1), and the metadata the store and TAXII read.
 */
#include <string.h>
#include <strings.h>

#include "stix/stix.h"

struct tlp_id {
    const char *id;
    enum sol_tlp tlp;
    const char *value; /* definition.tlp (1.0) or tlp_2_0 (2.0) */
};

/* STIX 2.1 §7.2.1.4: the only TLP 1.0 marking definitions. */
static const struct tlp_id tlp1[] = {
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", SOL_TLP_CLEAR, "white"},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", SOL_TLP_GREEN, "green"},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", SOL_TLP_AMBER, "amber"},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", SOL_TLP_RED, "red"},
};

/* TLP 2.0 (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d, DESIGN.md). */
static const struct tlp_id tlp2[] = {
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", SOL_TLP_CLEAR, "clear"},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", SOL_TLP_GREEN, "green"},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", SOL_TLP_AMBER, "amber"},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", SOL_TLP_AMBER_STRICT,
     "amber+strict"},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", SOL_TLP_RED, "red"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct tlp_id *
find(const struct tlp_id *t, size_t n, struct sol_str id)
{
    for (size_t i = 0; i < n; i++)
        if (sol_str_eqc(id, t[i].id))
            return &t[i];
    return NULL;
}

/* The TLP 1.0 level of a fixed marking-definition id, or NONE. */
static enum sol_tlp
tlp1_of_id(struct sol_str id)
{
    const struct tlp_id *t = find(tlp1, N(tlp1), id);
    return t ? t->tlp : SOL_TLP_NONE;
}

/* The TLP 2.0 level of a fixed marking-definition id, or NONE. */
static enum sol_tlp
tlp2_of_id(struct sol_str id)
{
    const struct tlp_id *t = find(tlp2, N(tlp2), id);
    return t ? t->tlp : SOL_TLP_NONE;
}

/* The TLP level a marking-definition id stands for (1.0 or 2.0 fixed ids), or NONE. */
enum sol_tlp
sol_tlp_of_marking_ref(struct sol_str marking_id)
{
    enum sol_tlp t = tlp2_of_id(marking_id);
    return t ? t : tlp1_of_id(marking_id);
}

/* The highest TLP among obj's object_marking_refs. */
enum sol_tlp
sol_stix_object_tlp(const struct sol_json *obj)
{
    enum sol_tlp best = SOL_TLP_NONE;
    const struct sol_json *refs = sol_json_get(obj, "object_marking_refs");
    if (sol_json_type(refs) != SOL_JSON_ARRAY)
        return best;
    struct sol_json_iter it;
    const struct sol_json *e;
    sol_json_iter_init(&it, refs);
    while (sol_json_iter_next(&it, NULL, &e)) {
        enum sol_tlp t = sol_tlp_of_marking_ref(sol_json_str(e));
        if (t > best)
            best = t;
    }
    return best;
}

/* "TLP:CLEAR" ... "TLP:RED"; "" for NONE. */
const char *
sol_tlp_name(enum sol_tlp t)
{
    switch (t) {
    case SOL_TLP_CLEAR:
        return "TLP:CLEAR";
    case SOL_TLP_GREEN:
        return "TLP:GREEN";
    case SOL_TLP_AMBER:
        return "TLP:AMBER";
    case SOL_TLP_AMBER_STRICT:
        return "TLP:AMBER+STRICT";
    case SOL_TLP_RED:
        return "TLP:RED";
    case SOL_TLP_NONE:
        break;
    }
    return "";
}

/* The fixed TLP 2.0 marking-definition id of a level, or NULL. */
const char *
sol_tlp_marking_id(enum sol_tlp t)
{
    for (size_t i = 0; i < N(tlp2); i++)
        if (tlp2[i].tlp == t)
            return tlp2[i].id;
    return NULL;
}

/* Parse a TLP name: "clear", "white", "green", "amber", "amber+strict", "red", any case,
 * with or without "TLP:". */
int
sol_tlp_parse(const char *s, enum sol_tlp *out)
{
    static const struct {
        const char *name;
        enum sol_tlp tlp;
    } names[] = {{"clear", SOL_TLP_CLEAR},
                 {"white", SOL_TLP_CLEAR},
                 {"green", SOL_TLP_GREEN},
                 {"amber", SOL_TLP_AMBER},
                 {"amber+strict", SOL_TLP_AMBER_STRICT},
                 {"red", SOL_TLP_RED}};
    if (!s)
        return SOL_EINVAL;
    if (strncasecmp(s, "tlp:", 4) == 0)
        s += 4;
    for (size_t i = 0; i < N(names); i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].tlp;
            return 0;
        }
    return SOL_EINVAL;
}

/* What the store and TAXII need from an object (see stix.h). */
int
sol_stix_meta(const struct sol_json *obj, struct sol_stix_meta *out)
{
    memset(out, 0, sizeof *out);
    out->id = sol_json_str(sol_json_get(obj, "id"));
    out->type = sol_json_str(sol_json_get(obj, "type"));
    if (!out->id.p || !out->type.p)
        return SOL_EINVALID;
    out->spec_version = sol_json_str(sol_json_get(obj, "spec_version"));
    struct sol_str c = sol_json_str(sol_json_get(obj, "created"));
    struct sol_str m = sol_json_str(sol_json_get(obj, "modified"));
    if (c.p && sol_time_parse(c.p, c.n, SOL_TIME_UTC_Z, &out->created, NULL, NULL) == 0)
        out->has_created = true;
    if (m.p && sol_time_parse(m.p, m.n, SOL_TIME_UTC_Z, &out->modified, NULL, NULL) == 0)
        out->has_modified = true;
    const struct sol_json *r = sol_json_get(obj, "revoked");
    out->revoked = r && r->type == SOL_JSON_BOOL && r->u.b;
    out->tlp = sol_stix_object_tlp(obj);
    return 0;
}

/* STIX 2.1 §7.2.1: the rules of a marking-definition. */
void
sol__check_marking_definition(struct sol__vctx *c, const struct sol_json *obj)
{
    struct sol_str id = sol_json_str(sol_json_get(obj, "id"));
    const struct sol_json *dt = sol_json_get(obj, "definition_type");
    const struct sol_json *def = sol_json_get(obj, "definition");
    const struct sol_json *ext = sol_json_get(obj, "extensions");
    if (c->version == 21 && !ext) {
        /* STIX 2.1 §7.2.1: without extensions, definition_type and definition are required. */
        if (!dt)
            sol__err(c, "definition_type: required property missing (§7.2.1)");
        if (!def)
            sol__err(c, "definition: required property missing (§7.2.1)");
    }
    struct sol_str dts = sol_json_str(dt);
    if (def) {
        size_t old = sol__push_key(c, "definition", 10);
        if (sol_json_type(def) != SOL_JSON_OBJECT)
            sol__err(c, "expected a marking object, found %s",
                     sol_json_type_name(sol_json_type(def)));
        sol__pop(c, old);
    }
    if (dts.p && sol_str_eqc(dts, "tlp")) {
        /* STIX 2.1 §7.2.1.4: only the four fixed TLP marking definitions may exist. */
        struct sol_str level = sol_json_str(sol_json_get(def, "tlp"));
        const struct tlp_id *want = NULL;
        for (size_t i = 0; i < N(tlp1); i++)
            if (sol_str_eqc(level, tlp1[i].value))
                want = &tlp1[i];
        if (sol_json_type(def) == SOL_JSON_OBJECT && !want) {
            size_t old = sol__push_key(c, "definition", 10);
            sol__push_key(c, "tlp", 3);
            if (!level.p)
                sol__err(c, "required property missing (§7.2.1.4)");
            else
                sol__err(c, "'%.*s' is not a TLP level (white, green, amber, red) (§7.2.1.4)",
                         (int)(level.n > 40 ? 40 : level.n), level.p);
            sol__pop(c, old);
        } else if (want && !sol_str_eqc(id, want->id)) {
            size_t old = sol__push_key(c, "id", 2);
            sol__err(c, "a TLP %s marking definition must have the fixed id %s (§7.2.1.4)",
                     want->value, want->id);
            sol__pop(c, old);
        }
    } else if (dts.p && sol_str_eqc(dts, "statement")) {
        /* STIX 2.1 §7.2.1.3 */
        if (sol_json_type(def) == SOL_JSON_OBJECT) {
            const struct sol_json *st = sol_json_get(def, "statement");
            size_t old = sol__push_key(c, "definition", 10);
            sol__push_key(c, "statement", 9);
            if (!st)
                sol__err(c, "required property missing (§7.2.1.3)");
            else if (!sol_json_is_string(st))
                sol__err(c, "expected a string, found %s", sol_json_type_name(sol_json_type(st)));
            sol__pop(c, old);
        }
    } else if (dts.p) {
        size_t old = sol__push_key(c, "definition_type", 15);
        sol__warn(c, "'%.*s' is not statement or tlp (§7.2.1)", (int)(dts.n > 40 ? 40 : dts.n),
                  dts.p);
        sol__pop(c, old);
    }
    /* A fixed TLP 1.0 id must carry its own level. */
    enum sol_tlp t1 = tlp1_of_id(id);
    if (t1 && !(dts.p && sol_str_eqc(dts, "tlp"))) {
        size_t old = sol__push_key(c, "id", 2);
        sol__err(c, "the fixed id of TLP %s must be a definition_type tlp marking (§7.2.1.4)",
                 find(tlp1, N(tlp1), id)->value);
        sol__pop(c, old);
    }
    /* TLP 2.0: the extension's tlp_2_0 level and the fixed ids go together. */
    const struct sol_json *x2 = sol_json_get(ext, SOL__TLP2_EXTENSION_ID);
    const struct tlp_id *fixed2 = find(tlp2, N(tlp2), id);
    if (x2) {
        struct sol_str level = sol_json_str(sol_json_get(x2, "tlp_2_0"));
        const struct tlp_id *want = NULL;
        for (size_t i = 0; i < N(tlp2); i++)
            if (sol_str_eqc(level, tlp2[i].value))
                want = &tlp2[i];
        if (want && want != fixed2) {
            size_t old = sol__push_key(c, "id", 2);
            sol__err(c, "a TLP 2.0 %s marking definition must have the fixed id %s", want->value,
                     want->id);
            sol__pop(c, old);
        }
    } else if (fixed2) {
        size_t old = sol__push_key(c, "extensions", 10);
        sol__err(c, "the fixed id of TLP 2.0 %s requires the TLP 2.0 extension %s", fixed2->value,
                 SOL__TLP2_EXTENSION_ID);
        sol__pop(c, old);
    }
}
