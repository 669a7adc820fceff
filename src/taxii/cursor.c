/*
 * cursor.c — the stateless, tamper-proof and opaque `next` cursor of TAXII 2.1 §3.4.
 *
 * A cursor is a keyset position: the (date_added, seq) of the last row a page returned.
 * The next page is "rows strictly after it", so rows added while a client pages (always
 * later, since date_added strictly increases per collection) are neither skipped nor
 * repeated. The position is encrypted, not only authenticated, as no answer may show
 * what the asker may not see: seq counts every version the store holds, so the gaps
 * between a client's own pages would count the versions it may not see. The encryption
 * is libsodium's XChaCha20-Poly1305 AEAD with a random nonce; its associated data binds
 * the cursor to the query that produced it (endpoint, API root, collection, object id
 * and every filter except limit and next). The key is kept in the store's settings: a
 * cursor survives restarts and works in every process on one store, and a forged,
 * altered or foreign cursor fails.
 *
 *   cursor := base64url-nopad( version(1) nonce(24) encrypt(date_added(8, BE) seq(8, BE)) )
 *   ad     := version generichash32(scope)
 */
#include <sodium.h>
#include <string.h>

#include "taxii/taxii.h"

#define CURSOR_VERSION 2
#define CURSOR_PLAIN   16
#define CURSOR_NONCE   crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define CURSOR_BYTES   (1 + CURSOR_NONCE + CURSOR_PLAIN + crypto_aead_xchacha20poly1305_ietf_ABYTES)

_Static_assert(TAXII_CURSOR_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
               "the cursor key is an XChaCha20-Poly1305 key");

static void
put_list(struct sol_buf *b, const char *name, const char *raw)
{
    /* The raw text as the client sent it: the same query sends the same text. */
    sol_buf_printf(b, "%s=%s\n", name, raw ? raw : "");
}

/*
 * The text the MAC binds a cursor to: the endpoint, its path parameters and every filter
 * but limit and next, with the match lists as the client wrote them (the same query
 * resends the same text). Replaces what scope held.
 */
void
sol__taxii_cursor_scope(const struct taxii_route *rt, const struct taxii_query *q,
                        struct sol_buf *scope)
{
    sol_buf_reset(scope);
    sol_buf_printf(scope, "taxii-cursor-1\nendpoint=%d\nroot=%s\ncollection=%s\nobject=%s\n",
                   (int)rt->ep, rt->api_root, rt->collection, rt->object_id);
    if (q->has_added_after)
        sol_buf_printf(scope, "added_after=%lld\n", (long long)q->added_after);
    else
        sol_buf_puts(scope, "added_after=\n");
    put_list(scope, "id", q->raw_ids);
    put_list(scope, "type", q->raw_types);
    put_list(scope, "spec_version", q->raw_spec_versions);
    put_list(scope, "version", q->raw_versions);
}

static void
associated_data(uint8_t ad[1 + crypto_generichash_BYTES], const struct sol_buf *scope)
{
    ad[0] = CURSOR_VERSION;
    crypto_generichash(ad + 1, crypto_generichash_BYTES, (const uint8_t *)scope->p, scope->n, NULL,
                       0);
}

/* Write the cursor for the row (date_added, seq) of the query scope into out (replaced). */
void
sol__taxii_cursor_encode(const uint8_t key[TAXII_CURSOR_KEY_BYTES], const struct sol_buf *scope,
                         sol_time_t date_added, int64_t seq, struct sol_buf *out)
{
    uint8_t plain[CURSOR_PLAIN], raw[CURSOR_BYTES], ad[1 + crypto_generichash_BYTES];
    uint64_t d = (uint64_t)date_added, s = (uint64_t)seq;
    for (int i = 0; i < 8; i++) {
        plain[i] = (uint8_t)(d >> (56 - 8 * i));
        plain[8 + i] = (uint8_t)(s >> (56 - 8 * i));
    }
    raw[0] = CURSOR_VERSION;
    randombytes_buf(raw + 1, CURSOR_NONCE);
    associated_data(ad, scope);
    crypto_aead_xchacha20poly1305_ietf_encrypt(raw + 1 + CURSOR_NONCE, NULL, plain, sizeof(plain),
                                               ad, sizeof(ad), NULL, raw + 1, key);
    sodium_memzero(plain, sizeof(plain));
    char text[sodium_base64_ENCODED_LEN(CURSOR_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(text, sizeof(text), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sol_buf_reset(out);
    sol_buf_puts(out, text);
}

/*
 * Check text against the key and the query scope and give back its position. Any
 * failure (bad base64, wrong length or version, a cursor that does not decrypt) is the
 * same SOL_ESIGNATURE: a client learns nothing about why.
 */
int
sol__taxii_cursor_decode(const uint8_t key[TAXII_CURSOR_KEY_BYTES], const struct sol_buf *scope,
                         const char *text, sol_time_t *date_added, int64_t *seq)
{
    uint8_t raw[CURSOR_BYTES], plain[CURSOR_PLAIN], ad[1 + crypto_generichash_BYTES];
    size_t n = 0;
    const char *end = NULL;
    size_t tlen = strlen(text);
    if (tlen > 200 ||
        sodium_base642bin(raw, sizeof(raw), text, tlen, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text + tlen || n != CURSOR_BYTES || raw[0] != CURSOR_VERSION)
        return SOL_ESIGNATURE;
    associated_data(ad, scope);
    unsigned long long pn = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &pn, NULL, raw + 1 + CURSOR_NONCE,
                                                   CURSOR_BYTES - 1 - CURSOR_NONCE, ad, sizeof(ad),
                                                   raw + 1, key) != 0 ||
        pn != CURSOR_PLAIN)
        return SOL_ESIGNATURE;
    uint64_t d = 0, s = 0;
    for (int i = 0; i < 8; i++) {
        d = d << 8 | plain[i];
        s = s << 8 | plain[8 + i];
    }
    *date_added = (sol_time_t)d;
    *seq = (int64_t)s;
    return 0;
}
