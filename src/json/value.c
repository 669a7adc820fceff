/*
 * value.c — reading parsed JSON values: types, numbers, member lookup, iteration
 * and deep equality over the flat node array (see json.h).
 */
#include <math.h>
#include <string.h>

#include "json/json.h"

/* The name of a type for messages; "unknown" for anything else. */
const char *
sol_json_type_name(enum sol_json_type t)
{
    switch (t) {
    case SOL_JSON_NULL:
        return "null";
    case SOL_JSON_BOOL:
        return "boolean";
    case SOL_JSON_INT:
    case SOL_JSON_UINT:
        return "integer";
    case SOL_JSON_DOUBLE:
        return "number";
    case SOL_JSON_STRING:
        return "string";
    case SOL_JSON_ARRAY:
        return "array";
    case SOL_JSON_OBJECT:
        return "object";
    }
    return "unknown";
}

/* A number as a double (integers converted, UINT above 2^53 rounded); 0 for a non-number. */
double
sol_json_number(const struct sol_json *v)
{
    switch (sol_json_type(v)) {
    case SOL_JSON_INT:
        return (double)v->u.i;
    case SOL_JSON_UINT:
        return (double)v->u.u;
    case SOL_JSON_DOUBLE:
        return v->u.d;
    default:
        return 0;
    }
}

/* The member named by keylen bytes at key: a linear scan of the members, first match wins. */
const struct sol_json *
sol_json_getn(const struct sol_json *v, const char *key, size_t keylen)
{
    if (!v || v->type != SOL_JSON_OBJECT)
        return NULL;
    const struct sol_json *k = v + 1;
    for (uint32_t i = 0; i < v->n; i++) {
        if (k->n == keylen && memcmp(k->u.s, key, keylen) == 0)
            return k + 1;
        k += 1 + k[1].skip;
    }
    return NULL;
}

/* As sol_json_getn() with a NUL-terminated key. */
const struct sol_json *
sol_json_get(const struct sol_json *v, const char *key)
{
    return sol_json_getn(v, key, strlen(key));
}

/* The i-th element of an array: skips i subtrees, so linear in i. */
const struct sol_json *
sol_json_at(const struct sol_json *v, size_t i)
{
    if (!v || v->type != SOL_JSON_ARRAY || i >= v->n)
        return NULL;
    const struct sol_json *e = v + 1;
    while (i--)
        e += e->skip;
    return e;
}

/* Start iterating v's elements or members; a non-container yields nothing. */
void
sol_json_iter_init(struct sol_json_iter *it, const struct sol_json *v)
{
    it->next = NULL;
    it->left = 0;
    it->object = false;
    if (v && (v->type == SOL_JSON_ARRAY || v->type == SOL_JSON_OBJECT)) {
        it->next = v + 1;
        it->left = v->n;
        it->object = v->type == SOL_JSON_OBJECT;
    }
}

/* The next element or member, or false at the end. */
bool
sol_json_iter_next(struct sol_json_iter *it, struct sol_str *key, const struct sol_json **val)
{
    if (it->left == 0)
        return false;
    it->left--;
    const struct sol_json *e = it->next;
    if (it->object) {
        if (key) {
            key->p = e->u.s;
            key->n = e->n;
        }
        e++;
    } else if (key) {
        key->p = NULL;
        key->n = 0;
    }
    *val = e;
    it->next = e + e->skip;
    return true;
}

/* Exact comparison of two numbers of any of the three kinds. */
static bool
number_equal(const struct sol_json *a, const struct sol_json *b)
{
    if (a->type == SOL_JSON_DOUBLE && b->type == SOL_JSON_DOUBLE)
        return a->u.d == b->u.d;
    if (a->type == SOL_JSON_DOUBLE) {
        const struct sol_json *t = a;
        a = b;
        b = t;
    }
    /* a is an integer now. */
    if (b->type == SOL_JSON_DOUBLE) {
        double d = b->u.d;
        if (d != floor(d))
            return false;
        if (a->type == SOL_JSON_INT)
            return d >= -9223372036854775808.0 && d < 9223372036854775808.0 && (int64_t)d == a->u.i;
        return d >= 0 && d < 18446744073709551616.0 && (uint64_t)d == a->u.u;
    }
    if (a->type != b->type)
        return false; /* an INT is below 2^63, a UINT above */
    return a->type == SOL_JSON_INT ? a->u.i == b->u.i : a->u.u == b->u.u;
}

/*
 * Deep equality: numbers compare by exact value across INT, UINT and DOUBLE; object
 * members in any order (each key of a looked up in b). Recursion is bounded by the
 * documents' depth limit.
 */
bool
sol_json_equal(const struct sol_json *a, const struct sol_json *b)
{
    if (!a || !b)
        return a == b;
    if (sol_json_is_number(a) && sol_json_is_number(b))
        return number_equal(a, b);
    if (a->type != b->type || a->n != b->n)
        return false;
    switch (a->type) {
    case SOL_JSON_NULL:
        return true;
    case SOL_JSON_BOOL:
        return a->u.b == b->u.b;
    case SOL_JSON_STRING:
        return memcmp(a->u.s, b->u.s, a->n) == 0;
    case SOL_JSON_ARRAY: {
        const struct sol_json *x = a + 1, *y = b + 1;
        for (uint32_t i = 0; i < a->n; i++) {
            if (!sol_json_equal(x, y))
                return false;
            x += x->skip;
            y += y->skip;
        }
        return true;
    }
    case SOL_JSON_OBJECT: {
        /*
         * Members in any order: each key of a must be in b with an equal value. The
         * member at the same place in b is tried first, so that objects in the same
         * order (the usual case) compare in linear time.
         */
        const struct sol_json *k = a + 1, *kb = b + 1;
        for (uint32_t i = 0; i < a->n; i++) {
            const struct sol_json *vb;
            if (kb->n == k->n && memcmp(kb->u.s, k->u.s, k->n) == 0)
                vb = kb + 1;
            else
                vb = sol_json_getn(b, k->u.s, k->n);
            if (!sol_json_equal(k + 1, vb))
                return false;
            k += 1 + k[1].skip;
            kb += 1 + kb[1].skip;
        }
        return true;
    }
    default:
        return false;
    }
}
