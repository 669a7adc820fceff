/*
 * util.h — small pieces every module uses: string views, growable buffers,
 * timestamps, UUIDs and base64/hex.
 *
 * Ownership: a struct sol_str is a view and owns nothing. A struct sol_buf owns its
 * bytes; sol_buf_free() releases them, and the struct can be reused after it.
 */
#ifndef SOLIDARITY_UTIL_H
#define SOLIDARITY_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "solidarity/api.h"

struct sol_error;

/* A view of n bytes at p: not NUL-terminated in general. */
struct sol_str {
    const char *p;
    size_t n;
};

#define SOL_STR(lit) ((struct sol_str){(lit), sizeof(lit) - 1})

static inline struct sol_str
sol_str_c(const char *s)
{
    struct sol_str r = {s, s ? strlen(s) : 0};
    return r;
}

static inline bool
sol_str_eq(struct sol_str a, struct sol_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline bool
sol_str_eqc(struct sol_str a, const char *c)
{
    return sol_str_eq(a, sol_str_c(c));
}

/*
 * A growable byte buffer, always NUL-terminated after its n bytes once anything has
 * been appended. On allocation failure the buffer remembers it (->oom) and ignores
 * further appends, so a writer can check once at the end.
 */
struct sol_buf {
    char *p;
    size_t n;
    size_t cap;
    bool oom;
};

SOL_API void sol_buf_init(struct sol_buf *b);
SOL_API void sol_buf_free(struct sol_buf *b);
SOL_API void sol_buf_reset(struct sol_buf *b); /* n = 0, keeps the memory */
SOL_API bool sol_buf_reserve(struct sol_buf *b, size_t more);
SOL_API void sol_buf_append(struct sol_buf *b, const void *p, size_t n);
SOL_API void sol_buf_puts(struct sol_buf *b, const char *s);
SOL_API void sol_buf_putc(struct sol_buf *b, char c);
SOL_API void sol_buf_printf(struct sol_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand the bytes over to the caller (free with sol_free()); the buffer is empty after. */
SOL_API char *sol_buf_steal(struct sol_buf *b, size_t *n);

/*
 * Timestamps: microseconds since 1970-01-01T00:00:00Z, as int64_t. STIX and TAXII
 * carry them as RFC 3339 strings in UTC ("2016-05-12T08:17:27.000Z").
 */
typedef int64_t sol_time_t;

/* Flags for sol_time_parse. */
enum {
    SOL_TIME_UTC_Z = 1,      /* require the "Z" suffix (STIX 2.1 §3.2) */
    SOL_TIME_MILLIS = 2,     /* require exactly three fraction digits */
    SOL_TIME_ALLOW_LOWER = 4 /* accept lower-case 't' and 'z' (RFC 3339 §5.6 permits them) */
};

/*
 * Parse an RFC 3339 date-time of n bytes into *out. Fractions finer than microseconds
 * are truncated (their digits are still checked), and *precision, when not NULL, gets
 * how many fraction digits there were. Returns 0, or SOL_ESYNTAX with a reason in
 * *why (a static string) when why is not NULL.
 */
SOL_API int sol_time_parse(const char *s, size_t n, unsigned flags, sol_time_t *out,
                           unsigned *precision, const char **why);

/*
 * Format t as "YYYY-MM-DDTHH:MM:SS[.fff...]Z" with digits fraction digits (0, 3 or 6)
 * into buf (at least 32 bytes). Returns the length.
 */
SOL_API size_t sol_time_format(sol_time_t t, unsigned digits, char *buf);

/* The current time. */
SOL_API sol_time_t sol_time_now(void);

/* UUIDs as 16 bytes; text form is 36 characters of lower-case hex with hyphens. */
struct sol_uuid {
    uint8_t b[16];
};

/* Parse 36 characters; returns 0 or SOL_ESYNTAX (any case accepted). */
SOL_API int sol_uuid_parse(const char *s, size_t n, struct sol_uuid *out);
/* Write 36 characters and a NUL into buf (at least 37 bytes). */
SOL_API void sol_uuid_format(const struct sol_uuid *u, char *buf);
/* The version nibble (4 for random, 5 for name-based) and whether the variant is RFC 4122. */
SOL_API unsigned sol_uuid_version(const struct sol_uuid *u);
SOL_API bool sol_uuid_rfc4122(const struct sol_uuid *u);
/* A random (version 4) UUID. */
SOL_API void sol_uuid_v4(struct sol_uuid *out);
/* A name-based (version 5, SHA-1) UUID of name in namespace ns. */
SOL_API void sol_uuid_v5(const struct sol_uuid *ns, const void *name, size_t n,
                         struct sol_uuid *out);

/* SHA-1 (for UUIDv5 only; not for security). */
SOL_API void sol_sha1(const void *p, size_t n, uint8_t out[20]);

/*
 * Base64 (RFC 4648 §4, with padding). Decoding is strict: only the alphabet, correct
 * padding, no white space. sol_base64_decode writes at most (n / 4) * 3 bytes to out
 * and returns the length, or -1 when the text is not base64.
 */
SOL_API long sol_base64_decode(const char *s, size_t n, uint8_t *out);
SOL_API void sol_base64_encode(struct sol_buf *out, const void *p, size_t n);
SOL_API bool sol_is_base64(const char *s, size_t n);

/* Hex: decode 2n characters into n bytes; returns n or -1. */
SOL_API long sol_hex_decode(const char *s, size_t n, uint8_t *out);
SOL_API void sol_hex_encode(struct sol_buf *out, const void *p, size_t n);

/*
 * UTF-8: check n bytes (RFC 3629: no overlongs, no surrogates, nothing above
 * U+10FFFF). Returns the offset of the first bad byte, or n when all are good.
 */
SOL_API size_t sol_utf8_check(const char *s, size_t n);
/* Decode one code point at s (n bytes left): returns its length, or 0 when invalid. */
SOL_API size_t sol_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Append the UTF-8 encoding of cp. */
SOL_API void sol_utf8_encode(struct sol_buf *out, uint32_t cp);

/* Read a whole file ("-" is standard input) into *out; returns 0, SOL_EIO or SOL_ELIMIT. */
SOL_API int sol_read_file(const char *path, size_t max_bytes, struct sol_buf *out,
                          struct sol_error *err);

#endif
