/*
 * hashes.c — the hash algorithms of STIX hashes dictionaries (STIX 2.1 §2.7, §10.7), from
 * the one table SOL__HASH_ALGORITHMS_21/_20 of stix.h: lookups by their spellings, and
 * the form of their values. The validator, the pattern checker and the scan engine all
 * ask here.
 */
#include <string.h>

#include "stix/stix.h"

const struct sol__hash_alg_def sol__hash_algs[SOL__HASH_COUNT] = {
#define ROW_21(id, name, name_20, hex, alias) [SOL__HASH_##id] = {name, name_20, alias, hex, true},
#define ROW_20(id, name, name_20, hex, alias) [SOL__HASH_##id] = {name, name_20, alias, hex, false},
    SOL__HASH_ALGORITHMS_21(ROW_21) SOL__HASH_ALGORITHMS_20(ROW_20)
#undef ROW_21
#undef ROW_20
};

/* stix.h: by name, exactly. */
enum sol__hash_alg
sol__hash_alg_exact(struct sol_str name)
{
    for (int a = 1; a < SOL__HASH_COUNT; a++)
        if (sol_str_eqc(name, sol__hash_algs[a].name))
            return (enum sol__hash_alg)a;
    return SOL__HASH_NONE;
}

/* stix.h: by STIX 2.0 spelling, exactly. */
enum sol__hash_alg
sol__hash_alg_exact_20(struct sol_str name)
{
    for (int a = 1; a < SOL__HASH_COUNT; a++)
        if (sol__hash_algs[a].name_20 && sol_str_eqc(name, sol__hash_algs[a].name_20))
            return (enum sol__hash_alg)a;
    return SOL__HASH_NONE;
}

static char
upper(char ch)
{
    return (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
}

static bool
separator(char ch)
{
    return ch == '-' || ch == '_' || ch == ' ';
}

/* Whether s and the spelling t are the same but for case and separators. */
static bool
same_loosely(struct sol_str s, const char *t)
{
    size_t i = 0;
    for (;; t++) {
        while (i < s.n && separator(s.p[i]))
            i++;
        while (*t && separator(*t))
            t++;
        if (i == s.n || !*t)
            return i == s.n && !*t;
        if (upper(s.p[i]) != upper(*t))
            return false;
        i++;
    }
}

/* stix.h: under any spelling. */
enum sol__hash_alg
sol__hash_alg_loose(struct sol_str name)
{
    for (int a = 1; a < SOL__HASH_COUNT; a++) {
        const struct sol__hash_alg_def *d = &sol__hash_algs[a];
        if (same_loosely(name, d->name) || (d->name_20 && same_loosely(name, d->name_20)) ||
            (d->alias && same_loosely(name, d->alias)))
            return (enum sol__hash_alg)a;
    }
    return SOL__HASH_NONE;
}

/* stix.h: by digest length, among 2.1's algorithms in the vocabulary's order. */
enum sol__hash_alg
sol__hash_alg_of_hex_len(size_t hex)
{
    for (int a = 1; a < SOL__HASH_COUNT; a++)
        if (hex && sol__hash_algs[a].in_21 && sol__hash_algs[a].hex == hex)
            return (enum sol__hash_alg)a;
    return SOL__HASH_NONE;
}

static bool
all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

/* SSDEEP: blocksize ':' hash ':' hash, the hashes in the base64 alphabet (either may be
 * empty: the digest of an empty input is "3::"). */
static bool
ssdeep_ok(struct sol_str s)
{
    size_t i = 0, colons = 0;
    while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
        i++;
    if (i == 0 || i >= s.n || s.p[i] != ':')
        return false;
    for (i++; i < s.n; i++) {
        char ch = s.p[i];
        if (ch == ':')
            colons++;
        else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                   (ch >= 'A' && ch <= 'Z') || ch == '+' || ch == '/'))
            return false;
    }
    return colons == 1;
}

/* stix.h: the form of a value. */
bool
sol__hash_value_ok(enum sol__hash_alg a, struct sol_str v)
{
    if (a <= SOL__HASH_NONE || a >= SOL__HASH_COUNT)
        return true;
    if (sol__hash_algs[a].hex)
        return v.n == sol__hash_algs[a].hex && all_hex(v.p, v.n);
    if (a == SOL__HASH_SSDEEP)
        return ssdeep_ok(v);
    if (a == SOL__HASH_TLSH)
        return (v.n == 70 && all_hex(v.p, 70)) || (v.n == 72 && (v.p[0] == 'T' || v.p[0] == 't') &&
                                                   v.p[1] == '1' && all_hex(v.p + 2, 70));
    return true;
}
