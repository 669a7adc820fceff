/*
 * atoms.c — which patterns a sensor format can carry, decided on the parsed tree.
 *
 * A pattern is expressible as a list of values exactly when it matches an observation
 * if and only if one of those values is seen: a disjunction (STIX 2.1 §9.5 OR between
 * observation expressions, §9.6 OR between comparisons, IN lists) of '=' tests, with no
 * NOT, no qualifier and no AND (which ties values to one object or one time). ISSUBSET on
 * an address is a network, which is what an address list entry "10.0.0.0/8" says.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "formats/formats.h"
#include "solidarity/alloc.h"
#include "solidarity/pattern.h"
#include "stix/stix.h"

struct collect {
    struct sol_atom *v;
    size_t n, cap;
    struct sol_buf text; /* paths of OTHER atoms and integer values; offsets until the end */
    struct {
        size_t path_off, path_n, value_off, value_n;
        bool path_in_text, value_in_text;
    } * where;
    int rc;
};

static const char *
kind_path(enum sol_atom_kind k)
{
    static const char *const paths[] = {
#define SOL__ATOM_PATH(name, word, path) path,
        SOL_ATOM_KINDS(SOL__ATOM_PATH)
#undef SOL__ATOM_PATH
    };
    return (unsigned)k < SOL_ATOM_N ? paths[k] : "";
}

static bool
key_is(const struct sol_pattern_step *s, const char *k)
{
    return s->kind == SOL_PSTEP_KEY && sol_str_eqc(s->key, k);
}

/* The digests we carry, under any spelling producers use (stix/hashes.c, STIX 2.1 §10.7). */
static int
hash_kind(struct sol_str k)
{
    switch (sol__hash_alg_loose(k)) {
    case SOL__HASH_MD5:
        return SOL_ATOM_MD5;
    case SOL__HASH_SHA_1:
        return SOL_ATOM_SHA1;
    case SOL__HASH_SHA_256:
        return SOL_ATOM_SHA256;
    case SOL__HASH_SHA_512:
        return SOL_ATOM_SHA512;
    default:
        return -1;
    }
}

static enum sol_atom_kind
kind_of(const struct sol_pattern_path *p)
{
    struct sol_str t = p->object_type;
    if (p->nsteps == 1 && key_is(&p->steps[0], "value")) {
        if (sol_str_eqc(t, "ipv4-addr"))
            return SOL_ATOM_IPV4;
        if (sol_str_eqc(t, "ipv6-addr"))
            return SOL_ATOM_IPV6;
        if (sol_str_eqc(t, "domain-name"))
            return SOL_ATOM_DOMAIN;
        if (sol_str_eqc(t, "url"))
            return SOL_ATOM_URL;
        if (sol_str_eqc(t, "email-addr"))
            return SOL_ATOM_EMAIL;
    }
    if (p->nsteps == 1 && sol_str_eqc(t, "file") && key_is(&p->steps[0], "name"))
        return SOL_ATOM_FILENAME;
    if (p->nsteps == 2 && key_is(&p->steps[0], "hashes") && p->steps[1].kind == SOL_PSTEP_KEY) {
        int h = hash_kind(p->steps[1].key);
        if (sol_str_eqc(t, "file") && h >= 0)
            return (enum sol_atom_kind)h;
        if (sol_str_eqc(t, "x509-certificate") && h == SOL_ATOM_SHA1)
            return SOL_ATOM_CERT_SHA1;
    }
    return SOL_ATOM_OTHER;
}

/* formats.h (internal): the path as pattern text ("process:name", "file:hashes.'SHA-224'"). */
void
sol__path_text(struct sol_buf *b, const struct sol_pattern_path *p)
{
    sol_buf_append(b, p->object_type.p, p->object_type.n);
    sol_buf_putc(b, ':');
    for (size_t i = 0; i < p->nsteps; i++) {
        const struct sol_pattern_step *s = &p->steps[i];
        if (s->kind == SOL_PSTEP_INDEX) {
            sol_buf_printf(b, "[%lld]", (long long)s->index);
            continue;
        }
        if (s->kind == SOL_PSTEP_ANY) {
            sol_buf_puts(b, "[*]");
            continue;
        }
        if (i)
            sol_buf_putc(b, '.');
        /* STIX 2.1 §9.7: a key is written bare when it is an identifier without hyphen */
        bool plain = s->key.n > 0 && !isdigit((unsigned char)s->key.p[0]);
        for (size_t k = 0; k < s->key.n && plain; k++)
            plain = isalnum((unsigned char)s->key.p[k]) || s->key.p[k] == '_';
        if (plain)
            sol_buf_append(b, s->key.p, s->key.n);
        else
            sol__pattern_string(b, s->key.p, s->key.n);
    }
}

static void
add(struct collect *c, const struct sol_pattern_cmp *t, const struct sol_pattern_const *v,
    bool network)
{
    if (c->rc)
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct sol_atom *nv = sol_realloc(c->v, cap * sizeof *nv);
        void *nw = nv ? sol_realloc(c->where, cap * sizeof *c->where) : NULL;
        if (!nv || !nw) {
            if (nv)
                c->v = nv;
            c->rc = SOL_ENOMEM;
            return;
        }
        c->v = nv;
        c->where = nw;
        c->cap = cap;
    }
    struct sol_atom *a = &c->v[c->n];
    memset(a, 0, sizeof *a);
    memset(&c->where[c->n], 0, sizeof c->where[c->n]);
    a->kind = kind_of(&t->path);
    a->network = network;
    a->integer = v->kind == SOL_PCONST_INT;
    if (a->kind == SOL_ATOM_OTHER) {
        c->where[c->n].path_in_text = true;
        c->where[c->n].path_off = c->text.n;
        sol__path_text(&c->text, &t->path);
        c->where[c->n].path_n = c->text.n - c->where[c->n].path_off;
    } else {
        a->path = sol_str_c(kind_path(a->kind));
    }
    if (v->kind == SOL_PCONST_STRING) {
        a->value = v->bytes;
    } else {
        c->where[c->n].value_in_text = true;
        c->where[c->n].value_off = c->text.n;
        if (v->kind == SOL_PCONST_INT)
            sol_buf_printf(&c->text, "%lld", (long long)v->i);
        else if (v->kind == SOL_PCONST_BOOL)
            sol_buf_puts(&c->text, v->b ? "true" : "false");
        else
            sol_buf_printf(&c->text, "%.17g", v->f);
        c->where[c->n].value_n = c->text.n - c->where[c->n].value_off;
    }
    if ((a->kind == SOL_ATOM_IPV4 || a->kind == SOL_ATOM_IPV6) &&
        memchr(a->value.p, '/', a->value.n))
        a->network = true;
    c->n++;
}

/* comparison_expression: OR of tests; returns NULL or why not. */
static const char *
walk_cmp(struct collect *c, const struct sol_pattern_cmp *e)
{
    if (e->kind == SOL_PCMP_AND)
        return "AND joins comparisons on one object";
    if (e->kind == SOL_PCMP_OR) {
        for (size_t i = 0; i < e->nkids; i++) {
            const char *why = walk_cmp(c, e->kids[i]);
            if (why)
                return why;
        }
        return NULL;
    }
    if (e->negated)
        return "NOT";
    switch (e->op) {
    case SOL_POP_EQ:
        if (e->value.kind == SOL_PCONST_STRING || e->value.kind == SOL_PCONST_INT)
            add(c, e, &e->value, false);
        else
            return "a comparison with a binary, timestamp or float constant";
        return NULL;
    case SOL_POP_IN:
        for (size_t i = 0; i < e->value.nitems; i++) {
            const struct sol_pattern_const *it = &e->value.items[i];
            if (it->kind != SOL_PCONST_STRING && it->kind != SOL_PCONST_INT)
                return "an IN list with a binary, timestamp or float constant";
            add(c, e, it, false);
        }
        return NULL;
    case SOL_POP_ISSUBSET: {
        enum sol_atom_kind k = kind_of(&e->path);
        if (k != SOL_ATOM_IPV4 && k != SOL_ATOM_IPV6)
            return "ISSUBSET on something other than an address";
        add(c, e, &e->value, true);
        return NULL;
    }
    default:
        return sol_pattern_op_name(e->op);
    }
}

static const char *
walk_obs(struct collect *c, const struct sol_pattern_obs *o)
{
    switch (o->kind) {
    case SOL_POBS_BRACKET:
        return walk_cmp(c, o->cmp);
    case SOL_POBS_OR:
        for (size_t i = 0; i < o->nkids; i++) {
            const char *why = walk_obs(c, o->kids[i]);
            if (why)
                return why;
        }
        return NULL;
    case SOL_POBS_AND:
        return "AND between observations";
    case SOL_POBS_FOLLOWEDBY:
        return "FOLLOWEDBY";
    case SOL_POBS_WITHIN:
        return "WITHIN";
    case SOL_POBS_REPEATS:
        return "REPEATS";
    case SOL_POBS_STARTSTOP:
        return "START/STOP";
    }
    return "an unknown expression";
}

/* formats.h: the atoms of a disjunctive pattern. */
int
sol_format_atoms(const struct sol_pattern *p, struct sol_atom **out, size_t *n, const char **why)
{
    *out = NULL;
    *n = 0;
    *why = NULL;
    struct collect c = {0};
    sol_buf_init(&c.text);
    const char *no = walk_obs(&c, sol_pattern_root(p));
    int rc = c.rc ? c.rc : c.text.oom ? SOL_ENOMEM : 0;
    if (!rc && no) {
        *why = no;
        rc = SOL_EUNSUPPORTED;
    }
    if (!rc && c.n) {
        /* One allocation: the atoms, then the text their OTHER paths and numbers point into. */
        size_t head = c.n * sizeof(struct sol_atom);
        struct sol_atom *all = sol_malloc(head + c.text.n + 1);
        if (!all) {
            rc = SOL_ENOMEM;
        } else {
            char *text = (char *)all + head;
            if (c.text.n)
                memcpy(text, c.text.p, c.text.n);
            text[c.text.n] = 0;
            for (size_t i = 0; i < c.n; i++) {
                all[i] = c.v[i];
                if (c.where[i].path_in_text)
                    all[i].path = (struct sol_str){text + c.where[i].path_off, c.where[i].path_n};
                if (c.where[i].value_in_text)
                    all[i].value =
                        (struct sol_str){text + c.where[i].value_off, c.where[i].value_n};
            }
            *out = all;
            *n = c.n;
        }
    }
    sol_free(c.v);
    sol_free(c.where);
    sol_buf_free(&c.text);
    return rc;
}
