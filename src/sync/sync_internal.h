/*
 * sync_internal.h — what the files of src/sync/ share (prefix sol__): signature scratch
 * buffers, the TAXII client and the peer configuration's JSON form.
 */
#ifndef SOLIDARITY_SYNC_INTERNAL_H
#define SOLIDARITY_SYNC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/sync.h"
#include "solidarity/util.h"

/* Buffers reused across many signatures (sign.c), so a page allocates once. */
struct sol_sign_scratch {
    struct sol_json_doc *doc;
    struct sol_buf form, message;
};
void sol__sign_scratch_free(struct sol_sign_scratch *sc);
int sol__sign_object(struct sol_sign_scratch *sc, const struct sol_sign_key *k,
                     const struct sol_json *obj, struct sol_buf *out, struct sol_error *err);
int sol__sign_verify(struct sol_sign_scratch *sc, const struct sol_json *obj,
                     const uint8_t (*keys)[SOL_SIGN_PUBLIC_BYTES], size_t n_keys,
                     enum sol_sign_verdict *out, char *why, size_t why_n, char signer[128]);

/*
 * The TAXII 2.1 client (client.c): one libcurl handle with the peer's credentials,
 * requests retried with exponential backoff on network errors, 5xx and 429 (honouring
 * Retry-After), bodies read into a buffer bounded by max_body.
 */
struct sol__taxii_client;

struct sol__taxii_reply {
    long status;
    struct sol_buf body;
    char date_added_last[40]; /* X-TAXII-Date-Added-Last, "" when absent */
    char content_type[128];
    long retry_after_s; /* -1 when absent */
};

int sol__client_new(const struct sol_peer_config *c, const struct sol_sync_options *o,
                    struct sol__taxii_client **out, struct sol_error *err);
void sol__client_free(struct sol__taxii_client *cl);
/* Whether the sync options' should_stop says to stop. */
bool sol__client_stopping(const struct sol__taxii_client *cl);
/*
 * GET (body NULL) or POST (body with n bytes, Content-Type the TAXII media type) url.
 * Retries as said above; returns 0 with r->status set to the final HTTP status (any),
 * or SOL_ENET / SOL_ETIMEOUT / SOL_ELIMIT with err saying why. *retries is increased by
 * the retries made.
 */
int sol__client_request(struct sol__taxii_client *cl, const char *url, const char *body, size_t n,
                        struct sol__taxii_reply *r, size_t *retries, struct sol_error *err);
void sol__reply_init(struct sol__taxii_reply *r);
void sol__reply_free(struct sol__taxii_reply *r);
/* A TAXII error body's title and description, for messages ("" when there is none). */
void sol__reply_error_text(const struct sol__taxii_reply *r, char *out, size_t n);

/* For tests: replace the sleep between retries (ms). NULL restores nanosleep. */
SOL_API void sol_sync_set_sleep_hook(void (*fn)(unsigned ms));
void sol__sleep_ms(unsigned ms);

/* Pull, push and deletions of one peer (pull.c, push.c). */
int sol__pull(struct sol_store *s, const struct sol_peer_config *c, struct sol__taxii_client *cl,
              const struct sol_sync_options *o, struct sol_sync_report *rep, struct sol_error *err);
int sol__reconcile(struct sol_store *s, const struct sol_peer_config *c,
                   struct sol__taxii_client *cl, const struct sol_sync_options *o,
                   struct sol_sync_report *rep, struct sol_error *err);
int sol__push(struct sol_store *s, const struct sol_peer_config *c, struct sol__taxii_client *cl,
              const struct sol_sync_options *o, struct sol_sync_report *rep, struct sol_error *err);

/* The origin recorded on objects pulled from peer name: "peer:<name>". */
void sol__peer_origin(const char *name, char *out, size_t n);

#endif
