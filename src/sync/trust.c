/*
 * trust.c — what this node trusts about its partners' nodes: the keys it holds for each
 * partner identity and the default TLP agreed with each (sign.h). A few entries (one per
 * peer and the node's own), looked up by identity, without regard to case (UUIDs are
 * case-insensitive on input).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "solidarity/alloc.h"
#include "solidarity/sign.h"
#include "solidarity/store.h"
#include "solidarity/sync.h"
#include "sync/sync_internal.h"

struct trust_entry {
    char identity[128];
    uint8_t (*keys)[SOL_SIGN_PUBLIC_BYTES];
    size_t n_keys;
    int default_tlp;
};

struct sol_trust {
    struct trust_entry *v;
    size_t n;
};

/* sign.h: an empty trust. */
struct sol_trust *
sol_trust_new(void)
{
    return sol_calloc(1, sizeof(struct sol_trust));
}

/* sign.h: free a trust; NULL does nothing. */
void
sol_trust_free(struct sol_trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        sol_free(t->v[i].keys);
    sol_free(t->v);
    sol_free(t);
}

static struct trust_entry *
find(const struct sol_trust *t, const char *identity)
{
    for (size_t i = 0; t && identity && i < t->n; i++)
        if (strcasecmp(t->v[i].identity, identity) == 0)
            return &t->v[i];
    return NULL;
}

/* The entry of identity, made when missing; NULL for a bad identity or no memory. */
static struct trust_entry *
entry(struct sol_trust *t, const char *identity)
{
    if (!t || !identity || strncmp(identity, "identity--", 10) != 0 || strlen(identity) >= 128)
        return NULL;
    struct trust_entry *e = find(t, identity);
    if (e)
        return e;
    struct trust_entry *nv = sol_realloc(t->v, (t->n + 1) * sizeof *nv);
    if (!nv)
        return NULL;
    t->v = nv;
    e = &nv[t->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->identity, identity, strlen(identity) + 1);
    return e;
}

/* sign.h: hold a key for identity. */
int
sol_trust_add_key(struct sol_trust *t, const char *identity,
                  const uint8_t pk[SOL_SIGN_PUBLIC_BYTES])
{
    struct trust_entry *e = entry(t, identity);
    if (!e)
        return t && identity && strncmp(identity, "identity--", 10) == 0 ? SOL_ENOMEM : SOL_EINVAL;
    for (size_t i = 0; i < e->n_keys; i++)
        if (memcmp(e->keys[i], pk, SOL_SIGN_PUBLIC_BYTES) == 0)
            return 0;
    uint8_t(*nk)[SOL_SIGN_PUBLIC_BYTES] = sol_realloc(e->keys, (e->n_keys + 1) * sizeof *nk);
    if (!nk)
        return SOL_ENOMEM;
    e->keys = nk;
    memcpy(nk[e->n_keys++], pk, SOL_SIGN_PUBLIC_BYTES);
    return 0;
}

/* sign.h: the default TLP agreed with identity (the strictest given). */
int
sol_trust_set_default_tlp(struct sol_trust *t, const char *identity, int tlp)
{
    struct trust_entry *e = entry(t, identity);
    if (!e)
        return t && identity && strncmp(identity, "identity--", 10) == 0 ? SOL_ENOMEM : SOL_EINVAL;
    if (tlp > e->default_tlp)
        e->default_tlp = tlp;
    return 0;
}

/* sign.h: the default TLP agreed with identity, or 0. */
int
sol_trust_default_tlp(const struct sol_trust *t, const char *identity)
{
    const struct trust_entry *e = find(t, identity);
    return e ? e->default_tlp : 0;
}

/* sign.h: does obj speak for identity? */
int
sol_trust_verify(const struct sol_trust *t, const char *identity, const struct sol_json *obj,
                 enum sol_sign_verdict *verdict, char *why, size_t why_n)
{
    const struct trust_entry *e = find(t, identity);
    char signer[128];
    int rc = sol_sign_verify(obj, e ? (const uint8_t(*)[SOL_SIGN_PUBLIC_BYTES])e->keys : NULL,
                             e ? e->n_keys : 0, verdict, why, why_n, signer);
    if (rc != 0 || *verdict != SOL_SIGN_VALID)
        return rc;
    if (strcasecmp(signer, identity) != 0) {
        /* A key held for identity, but the signature says it speaks for someone else. */
        *verdict = SOL_SIGN_UNKNOWN_KEY;
        if (why && why_n)
            snprintf(why, why_n, "signed for %.100s, not for %.100s", signer, identity);
    }
    return 0;
}

/* sign.h: the node's own key and its peers'. */
int
sol_trust_load(struct sol_store *s, struct sol_trust **out, struct sol_error *err)
{
    *out = NULL;
    struct sol_trust *t = sol_trust_new();
    if (!t)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    struct sol_buf id, pub;
    sol_buf_init(&id);
    sol_buf_init(&pub);
    uint8_t pk[SOL_SIGN_PUBLIC_BYTES];
    int rc = 0;
    if (sol_store_setting_get(s, SOL_SETTING_NODE_IDENTITY, &id) == 0 &&
        sol_store_setting_get(s, SOL_SETTING_SIGN_PUBLIC, &pub) == 0 &&
        sol_sign_public_parse(pub.p, pub.n, pk) == 0)
        rc = sol_trust_add_key(t, id.p, pk);
    sol_buf_free(&id);
    sol_buf_free(&pub);
    struct sol_peer_config *peers = NULL;
    size_t n = 0;
    if (rc == 0)
        rc = sol_peer_list(s, &peers, &n, err);
    else
        sol_error_set(err, rc, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!peers[i].partner)
            continue;
        struct sol_partner p;
        if (sol_store_partner_get(s, peers[i].partner, &p) != 0)
            continue; /* a peer whose partner went speaks for no one */
        for (size_t k = 0; rc == 0 && k < peers[i].n_keys; k++)
            rc = sol_trust_add_key(t, p.identity, peers[i].keys[k]);
        if (rc == 0 && peers[i].default_tlp)
            rc = sol_trust_set_default_tlp(t, p.identity, peers[i].default_tlp);
        sol_partner_clear(&p);
        if (rc != 0)
            sol_error_set(err, rc, "out of memory");
    }
    sol_peer_config_list_free(peers, n);
    if (rc != 0) {
        sol_trust_free(t);
        return rc;
    }
    *out = t;
    return 0;
}
