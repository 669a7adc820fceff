/*
 * tlp.c — TLP markings (the fixed marking-definition ids of TLP 1.0, STIX 2.1
 * §7.2.1.4, and of TLP 2.0, the OASIS extension SOL__TLP2_EXTENSION_ID), the rules of
 * marking-definition objects (§7.2.1), and the metadata the store and TAXII read.
 */
#include <string.h>
#include <strings.h>

#include "solidarity/alloc.h"
#include "stix/stix.h"

struct tlp_id {
    const char *id;
    enum sol_tlp tlp;
    const char *value; /* definition.tlp (1.0) or tlp_2_0 (2.0) */
    const char *name;  /* "TLP:AMBER+STRICT" */
};

/* STIX 2.1 §7.2.1.4: the only TLP 1.0 marking definitions (AMBER+STRICT has none). */
static const struct tlp_id tlp1[] = {
#define TLP1_ROW(level, word, name, id2, word1, id1) {id1, level, word1, name},
    SOL__TLP_LEVELS(TLP1_ROW)
#undef TLP1_ROW
};

/* TLP 2.0 (the OASIS extension extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d). */
static const struct tlp_id tlp2[] = {
#define TLP2_ROW(level, word, name, id2, word1, id1) {id2, level, word, name},
    SOL__TLP_LEVELS(TLP2_ROW)
#undef TLP2_ROW
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The table's rows are the enum's levels, in order after NONE: tlp2[level - 1] is level. */
enum tlp_row {
#define TLP_ROW(level, word, name, id2, word1, id1) row_##level,
    SOL__TLP_LEVELS(TLP_ROW)
#undef TLP_ROW
};
#define TLP_ORDER(level, word, name, id2, word1, id1)                                              \
    _Static_assert(row_##level == (level)-1, "SOL__TLP_LEVELS follows enum sol_tlp");
SOL__TLP_LEVELS(TLP_ORDER)
#undef TLP_ORDER
_Static_assert(N(tlp2) == SOL_TLP_RED, "every level of enum sol_tlp is in SOL__TLP_LEVELS");

/* Whether id is text (case aside: UUIDs are case-insensitive on input, RFC 4122 §3). */
static bool
id_eq(struct sol_str id, const char *text)
{
    return id.p && id.n == strlen(text) && strncasecmp(id.p, text, id.n) == 0;
}

static const struct tlp_id *
find(const struct tlp_id *t, size_t n, struct sol_str id)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].id && id_eq(id, t[i].id))
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

/* stix.h (internal): whether word is a TLP 2.0 level. */
bool
sol__tlp2_word_ok(struct sol_str word)
{
    for (size_t i = 0; i < N(tlp2); i++)
        if (sol_str_eqc(word, tlp2[i].value))
            return true;
    return false;
}

/* The TLP level a marking-definition id stands for (1.0 or 2.0 fixed ids), or NONE. */
enum sol_tlp
sol_tlp_of_marking_ref(struct sol_str marking_id)
{
    enum sol_tlp t = tlp2_of_id(marking_id);
    return t ? t : tlp1_of_id(marking_id);
}

/* The strictest TLP among the marking references of a list (strings, or objects whose
 * member key is one). */
static enum sol_tlp
strictest(const struct sol_json *list, const char *key, enum sol_tlp best)
{
    if (sol_json_type(list) != SOL_JSON_ARRAY)
        return best;
    struct sol_json_iter it;
    const struct sol_json *e;
    sol_json_iter_init(&it, list);
    while (sol_json_iter_next(&it, NULL, &e)) {
        enum sol_tlp t = sol_tlp_of_marking_ref(sol_json_str(key ? sol_json_get(e, key) : e));
        if (t > best)
            best = t;
    }
    return best;
}

/*
 * The policy (access.h): the strictest TLP among obj's object_marking_refs (STIX 2.1 §7.2.2)
 * and the marking_ref of every granular marking (§7.2.3): a part of an object marked
 * RED makes the whole object RED for sharing.
 */
enum sol_tlp
sol_stix_object_tlp(const struct sol_json *obj)
{
    enum sol_tlp best = strictest(sol_json_get(obj, "object_marking_refs"), NULL, SOL_TLP_NONE);
    return strictest(sol_json_get(obj, "granular_markings"), "marking_ref", best);
}

static bool
has_upper(struct sol_str v)
{
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] >= 'A' && v.p[i] <= 'Z')
            return true;
    return false;
}

/* stix.h: does a marking reference of obj need lower-casing? */
bool
sol_stix_markings_need_normalising(const struct sol_json *obj)
{
    struct sol_json_iter it;
    const struct sol_json *e;
    const struct sol_json *refs = sol_json_get(obj, "object_marking_refs");
    if (sol_json_type(refs) == SOL_JSON_ARRAY) {
        sol_json_iter_init(&it, refs);
        while (sol_json_iter_next(&it, NULL, &e))
            if (has_upper(sol_json_str(e)))
                return true;
    }
    const struct sol_json *gran = sol_json_get(obj, "granular_markings");
    if (sol_json_type(gran) == SOL_JSON_ARRAY) {
        sol_json_iter_init(&it, gran);
        while (sol_json_iter_next(&it, NULL, &e))
            if (has_upper(sol_json_str(sol_json_get(e, "marking_ref"))))
                return true;
    }
    return false;
}

static void
write_lower(struct sol_json_writer *w, const struct sol_json *v)
{
    struct sol_str s = sol_json_str(v);
    if (!s.p || !has_upper(s)) {
        sol_jw_value(w, v);
        return;
    }
    char small[160];
    char *t = s.n < sizeof small ? small : sol_malloc(s.n);
    if (!t) {
        sol_jw_value(w, v); /* out of memory: unchanged, the buffer notices its own */
        return;
    }
    for (size_t i = 0; i < s.n; i++)
        t[i] = (char)(s.p[i] >= 'A' && s.p[i] <= 'Z' ? s.p[i] - 'A' + 'a' : s.p[i]);
    sol_jw_stringn(w, t, s.n);
    if (t != small)
        sol_free(t);
}

/* stix.h: obj with its marking references in lower case. */
void
sol_stix_write_normalised(struct sol_json_writer *w, const struct sol_json *obj)
{
    if (sol_json_type(obj) != SOL_JSON_OBJECT) {
        sol_jw_value(w, obj);
        return;
    }
    struct sol_json_iter it, li, gi;
    struct sol_str key, gk;
    const struct sol_json *v, *e, *g;
    sol_jw_object_begin(w);
    sol_json_iter_init(&it, obj);
    while (sol_json_iter_next(&it, &key, &v)) {
        sol_jw_keyn(w, key.p, key.n);
        bool omr = sol_str_eqc(key, "object_marking_refs");
        if ((!omr && !sol_str_eqc(key, "granular_markings")) ||
            sol_json_type(v) != SOL_JSON_ARRAY) {
            sol_jw_value(w, v);
            continue;
        }
        sol_jw_array_begin(w);
        sol_json_iter_init(&li, v);
        while (sol_json_iter_next(&li, NULL, &e)) {
            if (omr || sol_json_type(e) != SOL_JSON_OBJECT) {
                if (omr)
                    write_lower(w, e);
                else
                    sol_jw_value(w, e);
                continue;
            }
            sol_jw_object_begin(w);
            sol_json_iter_init(&gi, e);
            while (sol_json_iter_next(&gi, &gk, &g)) {
                sol_jw_keyn(w, gk.p, gk.n);
                if (sol_str_eqc(gk, "marking_ref"))
                    write_lower(w, g);
                else
                    sol_jw_value(w, g);
            }
            sol_jw_object_end(w);
        }
        sol_jw_array_end(w);
    }
    sol_jw_object_end(w);
}

/* "TLP:CLEAR" ... "TLP:RED"; "" for NONE. */
const char *
sol_tlp_name(enum sol_tlp t)
{
    return t >= SOL_TLP_CLEAR && t <= SOL_TLP_RED ? tlp2[t - 1].name : "";
}

/* "clear" ... "amber+strict", "red"; "none" for NONE (and anything else). */
const char *
sol_tlp_word(enum sol_tlp t)
{
    return t >= SOL_TLP_CLEAR && t <= SOL_TLP_RED ? tlp2[t - 1].value : "none";
}

/* The fixed TLP 2.0 marking-definition id of a level, or NULL. */
const char *
sol_tlp_marking_id(enum sol_tlp t)
{
    return t >= SOL_TLP_CLEAR && t <= SOL_TLP_RED ? tlp2[t - 1].id : NULL;
}

/* Parse a TLP word of either version ("clear", "white", ... "red"), any case, with or
 * without "TLP:". */
int
sol_tlp_parse(const char *s, enum sol_tlp *out)
{
    if (!s)
        return SOL_EINVAL;
    if (strncasecmp(s, "tlp:", 4) == 0)
        s += 4;
    for (size_t i = 0; i < N(tlp2); i++)
        if (strcasecmp(s, tlp2[i].value) == 0 ||
            (tlp1[i].value && strcasecmp(s, tlp1[i].value) == 0)) {
            *out = tlp2[i].tlp;
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
            if (tlp1[i].value && sol_str_eqc(level, tlp1[i].value))
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
        } else if (want && !id_eq(id, want->id)) {
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
