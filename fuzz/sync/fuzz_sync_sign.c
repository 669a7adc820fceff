/*
 * fuzz_sync_sign.c — outside bytes as a peer's page or an offline bundle: parse, check
 * every object's signature (sync.h), and hold one invariant: any JSON object signed by
 * us verifies as valid with our key, and as unknown-key without it.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_object(void *ud, size_t index, const struct sol_json *obj, enum sol_sign_verdict v, int action,
          const char *why)
{
    (void)ud, (void)index, (void)obj, (void)why;
    if (v < SOL_SIGN_VALID || v > SOL_SIGN_BAD || action < 0 || action > 2)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sol_sign_key key;
    static bool ready;
    if (!ready) {
        if (sodium_init() < 0)
            abort();
        uint8_t seed[32] = {1, 2, 3};
        crypto_sign_seed_keypair(key.public_key, key.secret_key, seed);
        strcpy(key.signer, "identity--00000000-0000-4000-8000-000000000001");
        ready = true;
    }
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    if (!doc)
        return 0;
    const struct sol_json *root = NULL;
    if (sol_json_parse(doc, (const char *)data, size, &root, NULL) != 0) {
        sol_json_doc_free(doc);
        return 0;
    }
    uint8_t keys[1][SOL_SIGN_PUBLIC_BYTES];
    memcpy(keys[0], key.public_key, SOL_SIGN_PUBLIC_BYTES);
    (void)sol_sync_verify_document(root, (const uint8_t(*)[SOL_SIGN_PUBLIC_BYTES])keys, 1,
                                   SOL_SIGN_QUARANTINE, on_object, NULL, NULL);
    if (sol_json_type(root) == SOL_JSON_OBJECT) {
        struct sol_buf out;
        sol_buf_init(&out);
        if (sol_sign_object(&key, root, &out, NULL) == 0) {
            struct sol_json_doc *d2 = sol_json_doc_new(NULL);
            const struct sol_json *signed_obj = NULL;
            /* our own output may be deeper than the default limit allows: skip those */
            if (d2 && sol_json_parse(d2, out.p, out.n, &signed_obj, NULL) == 0) {
                enum sol_sign_verdict v = 0;
                if (sol_sign_verify(signed_obj, (const uint8_t(*)[SOL_SIGN_PUBLIC_BYTES])keys, 1,
                                    &v, NULL, 0, NULL) == 0 &&
                    v != SOL_SIGN_VALID)
                    abort();
                if (sol_sign_verify(signed_obj, NULL, 0, &v, NULL, 0, NULL) == 0 &&
                    v != SOL_SIGN_UNKNOWN_KEY)
                    abort();
            }
            sol_json_doc_free(d2);
        }
        sol_buf_free(&out);
    }
    sol_json_doc_free(doc);
    return 0;
}
