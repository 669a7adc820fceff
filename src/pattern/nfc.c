/*
 * nfc.c — Unicode NFC normalisation for LIKE constants and MATCHES subjects
 * (STIX 2.1 §9.6.1), through ICU when the build has it.
 */
#include <stdint.h>
#include <string.h>

#include "pattern/pattern.h"
#include "pattern/pattern_config.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"

#if SOL_HAVE_ICU
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#endif

static bool
ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

int
sol_pattern_nfc(const char *s, size_t n, struct sol_buf *out)
{
    /* ASCII is always in NFC; so is text too long for ICU's int32 lengths, left as is. */
    if (ascii(s, n) || n > INT32_MAX / 4) {
        sol_buf_append(out, s, n);
        return out->oom ? SOL_ENOMEM : 0;
    }
#if SOL_HAVE_ICU
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
    if (U_FAILURE(st)) {
        sol_buf_append(out, s, n);
        return SOL_EUNSUPPORTED;
    }
    int32_t ulen = 0;
    st = U_ZERO_ERROR;
    u_strFromUTF8(NULL, 0, &ulen, s, (int32_t)n, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
        sol_buf_append(out, s, n); /* not UTF-8: nothing to normalise */
        return out->oom ? SOL_ENOMEM : 0;
    }
    int rc = 0;
    UChar *u = sol_malloc(((size_t)ulen + 1) * sizeof *u);
    UChar *v = NULL;
    if (!u)
        return SOL_ENOMEM;
    st = U_ZERO_ERROR;
    u_strFromUTF8(u, ulen + 1, NULL, s, (int32_t)n, &st);
    if (U_FAILURE(st)) {
        rc = SOL_EINVAL;
        goto done;
    }
    st = U_ZERO_ERROR;
    if (unorm2_isNormalized(nfc, u, ulen, &st) && U_SUCCESS(st)) {
        sol_buf_append(out, s, n);
        goto done;
    }
    /* NFC never grows text by more than a factor of 3 in UTF-16 code units. */
    int32_t cap = ulen * 3 + 1;
    v = sol_malloc((size_t)cap * sizeof *v);
    if (!v) {
        rc = SOL_ENOMEM;
        goto done;
    }
    st = U_ZERO_ERROR;
    int32_t vlen = unorm2_normalize(nfc, u, ulen, v, cap, &st);
    if (U_FAILURE(st)) {
        rc = SOL_EINVAL;
        goto done;
    }
    int32_t blen = 0;
    st = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &blen, v, vlen, &st);
    if (!sol_buf_reserve(out, (size_t)blen + 1)) {
        rc = SOL_ENOMEM;
        goto done;
    }
    st = U_ZERO_ERROR;
    u_strToUTF8(out->p + out->n, blen + 1, NULL, v, vlen, &st);
    if (U_FAILURE(st)) {
        rc = SOL_EINVAL;
        goto done;
    }
    out->n += (size_t)blen;
    out->p[out->n] = '\0';
done:
    if (rc && rc != SOL_ENOMEM) {
        rc = 0;
        sol_buf_append(out, s, n);
    }
    sol_free(u);
    sol_free(v);
    return rc ? rc : (out->oom ? SOL_ENOMEM : 0);
#else
    sol_buf_append(out, s, n);
    return out->oom ? SOL_ENOMEM : SOL_EUNSUPPORTED;
#endif
}
