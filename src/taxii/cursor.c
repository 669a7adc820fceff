/*
 * cursor.c — the stateless, tamper-proof `next` cursor of TAXII 2.1 §3.4.
 *
 * A cursor is a keyset position: the (date_added, seq) of the last row a page returned.
 * The next page is "rows strictly after it", so rows added while a client pages (always
 * later, since date_added strictly increases per collection) are neither skipped nor
 * repeated. The MAC binds the position to the query that produced it (endpoint, API
 * root, collection, object id and every filter except limit and next), under a key kept
 * in the store's settings: a cursor survives restarts and works in every process on one
 * store, and a forged, altered or foreign cursor fails verification.
 *
 *   cursor := base64url-nopad( version(1) date_added(8, BE) seq(8, BE) mac(32) )
 *   mac    := crypto_auth(key, version date_added seq generichash32(scope))
 */
#include <sodium.h>
#include <string.h>

#include "taxii/taxii.h"

#define CURSOR_VERSION 1
#define CURSOR_BODY    17
#define CURSOR_BYTES   (CURSOR_BODY + crypto_auth_BYTES)

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
mac_input(uint8_t in[CURSOR_BODY + crypto_generichash_BYTES], const uint8_t body[CURSOR_BODY],
          const struct sol_buf *scope)
{
    memcpy(in, body, CURSOR_BODY);
    crypto_generichash(in + CURSOR_BODY, crypto_generichash_BYTES, (const uint8_t *)scope->p,
                       scope->n, NULL, 0);
}

/* Write the cursor for the row (date_added, seq) of the query scope into out (replaced). */
void
sol__taxii_cursor_encode(const uint8_t key[TAXII_CURSOR_KEY_BYTES], const struct sol_buf *scope,
                         sol_time_t date_added, int64_t seq, struct sol_buf *out)
{
    uint8_t raw[CURSOR_BYTES];
    raw[0] = CURSOR_VERSION;
    uint64_t d = (uint64_t)date_added, s = (uint64_t)seq;
    for (int i = 0; i < 8; i++) {
        raw[1 + i] = (uint8_t)(d >> (56 - 8 * i));
        raw[9 + i] = (uint8_t)(s >> (56 - 8 * i));
    }
    uint8_t in[CURSOR_BODY + crypto_generichash_BYTES];
    mac_input(in, raw, scope);
    crypto_auth(raw + CURSOR_BODY, in, sizeof(in), key);
    char text[sodium_base64_ENCODED_LEN(CURSOR_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(text, sizeof(text), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sol_buf_reset(out);
    sol_buf_puts(out, text);
}

/*
 * Check text against the key and the query scope and give back its position. Any
 * failure (bad base64, wrong length or version, a MAC that does not verify) is the same
 * SOL_ESIGNATURE: a client learns nothing about why.
 */
int
sol__taxii_cursor_decode(const uint8_t key[TAXII_CURSOR_KEY_BYTES], const struct sol_buf *scope,
                         const char *text, sol_time_t *date_added, int64_t *seq)
{
    uint8_t raw[CURSOR_BYTES];
    size_t n = 0;
    const char *end = NULL;
    size_t tlen = strlen(text);
    if (tlen > 200 ||
        sodium_base642bin(raw, sizeof(raw), text, tlen, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text + tlen || n != CURSOR_BYTES || raw[0] != CURSOR_VERSION)
        return SOL_ESIGNATURE;
    uint8_t in[CURSOR_BODY + crypto_generichash_BYTES];
    mac_input(in, raw, scope);
    if (crypto_auth_verify(raw + CURSOR_BODY, in, sizeof(in), key) != 0)
        return SOL_ESIGNATURE;
    uint64_t d = 0, s = 0;
    for (int i = 0; i < 8; i++) {
        d = d << 8 | raw[1 + i];
        s = s << 8 | raw[9 + i];
    }
    *date_added = (sol_time_t)d;
    *seq = (int64_t)s;
    return 0;
}
