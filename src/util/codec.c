/*
 * codec.c — UUIDs, SHA-1, base64, hex and UTF-8.
 */
#include <sys/random.h>

#include "solidarity/error.h"
#include "solidarity/util.h"

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 4122 §3: 8-4-4-4-12 hex digits. */
int
sol_uuid_parse(const char *s, size_t n, struct sol_uuid *out)
{
    if (n != 36)
        return SOL_ESYNTAX;
    size_t j = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i++] != '-')
                return SOL_ESYNTAX;
            continue;
        }
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return SOL_ESYNTAX;
        out->b[j++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    return 0;
}

void
sol_uuid_format(const struct sol_uuid *u, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            buf[k++] = '-';
        buf[k++] = hex[u->b[i] >> 4];
        buf[k++] = hex[u->b[i] & 15];
    }
    buf[k] = '\0';
}

unsigned
sol_uuid_version(const struct sol_uuid *u)
{
    return u->b[6] >> 4;
}

bool
sol_uuid_rfc4122(const struct sol_uuid *u)
{
    return (u->b[8] & 0xc0) == 0x80;
}

void
sol_uuid_v4(struct sol_uuid *out)
{
    size_t got = 0;
    while (got < sizeof(out->b)) {
        ssize_t k = getrandom(out->b + got, sizeof(out->b) - got, 0);
        if (k > 0)
            got += (size_t)k;
    }
    out->b[6] = (uint8_t)((out->b[6] & 0x0f) | 0x40);
    out->b[8] = (uint8_t)((out->b[8] & 0x3f) | 0x80);
}

/* RFC 4122 §4.3: SHA-1 over namespace || name, then version 5 and the variant. */
void
sol_uuid_v5(const struct sol_uuid *ns, const void *name, size_t n, struct sol_uuid *out)
{
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_append(&b, ns->b, 16);
    sol_buf_append(&b, name, n);
    uint8_t h[20] = {0};
    if (!b.oom)
        sol_sha1(b.p, b.n, h);
    sol_buf_free(&b);
    memcpy(out->b, h, 16);
    out->b[6] = (uint8_t)((out->b[6] & 0x0f) | 0x50);
    out->b[8] = (uint8_t)((out->b[8] & 0x3f) | 0x80);
}

static uint32_t
rol32(uint32_t x, unsigned k)
{
    return x << k | x >> (32 - k);
}

static void
sha1_block(uint32_t st[5], const uint8_t *p)
{
    uint32_t w[80];
    for (size_t i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rol32(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = t;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
}

/* FIPS 180-4 SHA-1. */
void
sol_sha1(const void *data, size_t n, uint8_t out[20])
{
    uint32_t st[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    const uint8_t *p = data;
    size_t left = n;
    while (left >= 64) {
        sha1_block(st, p);
        p += 64;
        left -= 64;
    }
    uint8_t tail[128] = {0};
    memcpy(tail, p, left);
    tail[left] = 0x80;
    size_t tl = left + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++)
        tail[tl - 1 - i] = (uint8_t)(bits >> (8 * i));
    sha1_block(st, tail);
    if (tl == 128)
        sha1_block(st, tail + 64);
    for (size_t i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(st[i] >> 24);
        out[4 * i + 1] = (uint8_t)(st[i] >> 16);
        out[4 * i + 2] = (uint8_t)(st[i] >> 8);
        out[4 * i + 3] = (uint8_t)st[i];
    }
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* RFC 4648 §4, strict. */
long
sol_base64_decode(const char *s, size_t n, uint8_t *out)
{
    if (n % 4)
        return -1;
    long k = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            char c = s[i + j];
            if (c == '=' && i + 4 == n && j >= 2) {
                pad++;
                v[j] = 0;
                continue;
            }
            if (pad)
                return -1;
            v[j] = b64val(c);
            if (v[j] < 0)
                return -1;
        }
        uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        out[k++] = (uint8_t)(x >> 16);
        if (pad < 2)
            out[k++] = (uint8_t)(x >> 8);
        if (pad < 1)
            out[k++] = (uint8_t)x;
    }
    return k;
}

bool
sol_is_base64(const char *s, size_t n)
{
    if (n % 4)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (b64val(s[i]) >= 0)
            continue;
        if (s[i] == '=' && i + 2 >= n && (i + 1 == n || s[i + 1] == '=') && i % 4 >= 2)
            continue;
        return false;
    }
    return true;
}

void
sol_base64_encode(struct sol_buf *out, const void *data, size_t n)
{
    const uint8_t *p = data;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t x = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char q[4] = {b64_alphabet[x >> 18], b64_alphabet[(x >> 12) & 63],
                     b64_alphabet[(x >> 6) & 63], b64_alphabet[x & 63]};
        sol_buf_append(out, q, 4);
    }
    if (i < n) {
        uint32_t x = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        char q[4] = {b64_alphabet[x >> 18], b64_alphabet[(x >> 12) & 63],
                     (char)(i + 1 < n ? b64_alphabet[(x >> 6) & 63] : '='), '='};
        sol_buf_append(out, q, 4);
    }
}

long
sol_hex_decode(const char *s, size_t n, uint8_t *out)
{
    if (n % 2)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(n / 2);
}

void
sol_hex_encode(struct sol_buf *out, const void *data, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        char q[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        sol_buf_append(out, q, 2);
    }
}

/* RFC 3629 §4. */
size_t
sol_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t len;
    uint32_t c, min;
    if ((u[0] & 0xe0) == 0xc0) {
        len = 2;
        c = u[0] & 0x1f;
        min = 0x80;
    } else if ((u[0] & 0xf0) == 0xe0) {
        len = 3;
        c = u[0] & 0x0f;
        min = 0x800;
    } else if ((u[0] & 0xf8) == 0xf0) {
        len = 4;
        c = u[0] & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (u[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

size_t
sol_utf8_check(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = sol_utf8_decode(s + i, n - i, &cp);
        if (!k)
            return i;
        i += k;
    }
    return n;
}

void
sol_utf8_encode(struct sol_buf *out, uint32_t cp)
{
    char q[4];
    size_t k;
    if (cp < 0x80) {
        q[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        q[0] = (char)(0xc0 | cp >> 6);
        q[1] = (char)(0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        q[0] = (char)(0xe0 | cp >> 12);
        q[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        q[2] = (char)(0x80 | (cp & 0x3f));
        k = 3;
    } else {
        q[0] = (char)(0xf0 | cp >> 18);
        q[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        q[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        q[3] = (char)(0x80 | (cp & 0x3f));
        k = 4;
    }
    sol_buf_append(out, q, k);
}
