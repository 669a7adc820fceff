/*
 * norm.c — key spaces and the normal forms of values the index is keyed by.
 *
 * The same function normalises indicator values at compile time and log values at
 * scan time, which is what makes an exact lookup agree with the comparison.
 */
#include <string.h>
#include <xxhash.h>

#include "match/match.h"
#include "stix/stix.h"

/* match.h: the algorithms of stix.h's table, under any spelling, quoted or not. */
const char *
sol__mhash_canonical(const char *name, size_t n)
{
    if (n >= 2 && name[0] == '\'' && name[n - 1] == '\'') {
        name++;
        n -= 2;
    }
    enum sol__hash_alg a = sol__hash_alg_loose((struct sol_str){name, n});
    return a ? sol__hash_algs[a].name : NULL;
}

static bool
streq(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    return an == bn && memcmp(a, b, an) == 0;
}

enum sol__mnorm
sol__mnorm_of(const char *type, size_t type_n, const char *path, size_t path_n)
{
    if (streq(path, path_n, "value")) {
        if (streq(type, type_n, "domain-name"))
            return SOL__MNORM_DOMAIN;
        if (streq(type, type_n, "email-addr"))
            return SOL__MNORM_LOWER;
        if (streq(type, type_n, "ipv4-addr") || streq(type, type_n, "ipv6-addr"))
            return SOL__MNORM_IP;
        return SOL__MNORM_PLAIN;
    }
    /* "hashes.X" at the end of any path: file:hashes.MD5, x509-certificate:hashes... */
    for (size_t i = 0; i + 7 <= path_n; i++) {
        if ((i == 0 || path[i - 1] == '.') && memcmp(path + i, "hashes.", 7) == 0 &&
            memchr(path + i + 7, '.', path_n - i - 7) == NULL)
            return SOL__MNORM_HASH;
    }
    return SOL__MNORM_PLAIN;
}

uint64_t
sol__mspace_hash(const char *type, size_t type_n, const char *path, size_t path_n)
{
    /* Seeded by the type's hash, so "a:bc" and "ab:c" differ. */
    return XXH3_64bits_withSeed(path, path_n, XXH3_64bits(type, type_n) ^ 0x9e3779b97f4a7c15u);
}

static int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* RFC 791 dotted quad: exactly four decimal parts 0..255, no leading zeros beyond "0". */
static int
parse_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return -1;
            i++;
        }
        unsigned v = 0, digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (unsigned)(s[i] - '0');
            if (++digits > 3 || v > 255)
                return -1;
            i++;
        }
        if (digits == 0)
            return -1;
        out[part] = (uint8_t)v;
    }
    return i == n ? 0 : -1;
}

/* RFC 4291 §2.2 text forms, including "::" and a trailing dotted quad. */
static int
parse_v6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t w[8];
    int nw = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n >= 1 && s[0] == ':') {
        return -1;
    }
    while (i < n) {
        size_t j = i;
        unsigned v = 0;
        while (j < n && j - i < 5 && hexval((unsigned char)s[j]) >= 0)
            v = v * 16 + (unsigned)hexval((unsigned char)s[j++]);
        if (j < n && s[j] == '.') {
            /* embedded IPv4 at the end */
            uint8_t q[4];
            if (nw > 6 || parse_v4(s + i, n - i, q) < 0)
                return -1;
            w[nw++] = (uint16_t)(q[0] << 8 | q[1]);
            w[nw++] = (uint16_t)(q[2] << 8 | q[3]);
            break;
        }
        if (j == i || j - i > 4 || nw >= 8)
            return -1;
        w[nw++] = (uint16_t)v;
        i = j;
        if (i == n)
            break;
        if (s[i] != ':')
            return -1;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0)
                return -1;
            gap = nw;
            i++;
        } else if (i == n) {
            return -1;
        }
    }
    if (gap < 0 && nw != 8)
        return -1;
    if (gap >= 0 && nw > 7)
        return -1;
    uint16_t full[8] = {0};
    if (gap < 0) {
        memcpy(full, w, sizeof full);
    } else {
        for (int k = 0; k < gap; k++)
            full[k] = w[k];
        int tail = nw - gap;
        for (int k = 0; k < tail; k++)
            full[8 - tail + k] = w[gap + k];
    }
    for (size_t k = 0; k < 8; k++) {
        out[2 * k] = (uint8_t)(full[k] >> 8);
        out[2 * k + 1] = (uint8_t)full[k];
    }
    return 0;
}

int
sol__mip_parse(const char *s, size_t n, uint8_t out[16], bool *v6, unsigned *len, bool *has_len)
{
    const char *slash = memchr(s, '/', n);
    size_t an = slash ? (size_t)(slash - s) : n;
    memset(out, 0, 16);
    unsigned max;
    if (memchr(s, ':', an)) {
        if (parse_v6(s, an, out) < 0)
            return -1;
        *v6 = true;
        max = 128;
    } else {
        if (parse_v4(s, an, out) < 0)
            return -1;
        *v6 = false;
        max = 32;
    }
    *has_len = slash != NULL;
    *len = max;
    if (slash) {
        size_t i = an + 1;
        unsigned v = 0;
        if (i >= n || n - i > 3)
            return -1;
        for (; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v > max)
            return -1;
        *len = v;
    }
    return 0;
}

int
sol__mnorm_value(enum sol__mnorm norm, const char *v, size_t n, uint8_t *out, size_t cap)
{
    switch (norm) {
    case SOL__MNORM_IP: {
        uint8_t a[16];
        bool v6, has_len;
        unsigned len;
        if (sol__mip_parse(v, n, a, &v6, &len, &has_len) < 0)
            return -1;
        if (len != (v6 ? 128u : 32u) || cap < 16)
            return -1;
        memcpy(out, a, v6 ? 16 : 4);
        return v6 ? 16 : 4;
    }
    case SOL__MNORM_DOMAIN:
        if (n > 0 && v[n - 1] == '.')
            n--;
        /* fall through */
    case SOL__MNORM_LOWER:
        if (n > cap)
            return -1;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)v[i];
            out[i] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        return (int)n;
    case SOL__MNORM_HASH: {
        bool hex = n > 0 && n % 2 == 0;
        for (size_t i = 0; hex && i < n; i++)
            hex = hexval((unsigned char)v[i]) >= 0;
        if (hex) {
            /* A leading 0xff byte marks binary, so "ab" as text and as hex never meet. */
            if (n / 2 + 1 > cap)
                return -1;
            out[0] = 0xff;
            for (size_t i = 0; i < n / 2; i++)
                out[1 + i] = (uint8_t)((unsigned)hexval((unsigned char)v[2 * i]) << 4 |
                                       (unsigned)hexval((unsigned char)v[2 * i + 1]));
            return (int)(n / 2 + 1);
        }
        return sol__mnorm_value(SOL__MNORM_LOWER, v, n, out, cap);
    }
    case SOL__MNORM_PLAIN:
    default:
        if (n > cap)
            return -1;
        memcpy(out, v, n);
        return (int)n;
    }
}

/* STIX 2.1 §9.6.1 (LIKE): '%' matches any run of characters, '_' exactly one. */
bool
sol__mlike(const char *s, size_t n, const char *pat, size_t pn)
{
    size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
    while (si < n) {
        if (pi < pn && pat[pi] == '%') {
            star_p = pi++;
            star_s = si;
            continue;
        }
        if (pi < pn && pat[pi] == '_') {
            uint32_t cp;
            size_t l = sol_utf8_decode(s + si, n - si, &cp);
            si += l ? l : 1;
            pi++;
            continue;
        }
        if (pi < pn && pat[pi] == s[si]) {
            si++;
            pi++;
            continue;
        }
        if (star_p != (size_t)-1) {
            pi = star_p + 1;
            uint32_t cp;
            size_t l = sol_utf8_decode(s + star_s, n - star_s, &cp);
            star_s += l ? l : 1;
            si = star_s;
            continue;
        }
        return false;
    }
    while (pi < pn && pat[pi] == '%')
        pi++;
    return pi == pn;
}
