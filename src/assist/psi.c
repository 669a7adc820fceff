/*
 * psi.c — the private set intersection's arithmetic and messages (psi.h).
 *
 * Everything here is a pure function of its inputs and libsodium: hashing observables to
 * ristretto255 points, raising them to scalars, tags, the padded set and the framing.
 * The server (service.c) and the client (check.c) put it on the wire.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assist/assist_internal.h"
#include "match/match.h"
#include "solidarity/alloc.h"
#include "solidarity/psi.h"

/* The object type and property path of each atom kind, as the scan engine keys them. */
static const struct {
    const char *type, *path;
} kind_space[SOL_ATOM_N] = {
    [SOL_ATOM_IPV4] = {"ipv4-addr", "value"},
    [SOL_ATOM_IPV6] = {"ipv6-addr", "value"},
    [SOL_ATOM_DOMAIN] = {"domain-name", "value"},
    [SOL_ATOM_URL] = {"url", "value"},
    [SOL_ATOM_EMAIL] = {"email-addr", "value"},
    [SOL_ATOM_MD5] = {"file", "hashes.MD5"},
    [SOL_ATOM_SHA1] = {"file", "hashes.SHA-1"},
    [SOL_ATOM_SHA256] = {"file", "hashes.SHA-256"},
    [SOL_ATOM_SHA512] = {"file", "hashes.SHA-512"},
    [SOL_ATOM_FILENAME] = {"file", "name"},
    [SOL_ATOM_CERT_SHA1] = {"x509-certificate", "hashes.SHA-1"},
};

/* Domain separation: the protocol's name and version, then the key space. */
static const char element_context[] = "solidarity psi v1";

/* psi.h */
int
sol_psi_element(enum sol_atom_kind kind, const char *value, size_t n, uint8_t out[SOL_PSI_ELEMENT])
{
    if ((unsigned)kind >= SOL_ATOM_N || !kind_space[kind].type)
        return SOL_EINVALID;
    const char *type = kind_space[kind].type, *path = kind_space[kind].path;
    /* match.h: the same normal form the index keys are made of */
    enum sol__mnorm norm = sol__mnorm_of(type, strlen(type), path, strlen(path));
    uint8_t key[2048];
    int kn = sol__mnorm_value(norm, value, n, key, sizeof key);
    if (kn < 0 || (kn == 0 && norm != SOL__MNORM_PLAIN))
        return SOL_EINVALID;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, SOL_PSI_ELEMENT);
    crypto_generichash_update(&st, (const uint8_t *)element_context, sizeof element_context);
    crypto_generichash_update(&st, (const uint8_t *)type, strlen(type) + 1);
    crypto_generichash_update(&st, (const uint8_t *)path, strlen(path) + 1);
    crypto_generichash_update(&st, key, (size_t)kn);
    crypto_generichash_final(&st, out, SOL_PSI_ELEMENT);
    return 0;
}

int
sol_psi_key_new(uint32_t epoch, struct sol_psi_key *out)
{
    /* idempotent; libsodium needs it before drawing random scalars */
    if (sodium_init() < 0)
        return SOL_ECRYPTO;
    out->epoch = epoch;
    crypto_core_ristretto255_scalar_random(out->scalar);
    return 0;
}

void
sol_psi_key_clear(struct sol_psi_key *k)
{
    if (k)
        sodium_memzero(k, sizeof *k);
}

/* The 8-byte tag of a point: BLAKE2b-64 of its encoding, read big-endian. */
static uint64_t
point_tag(const uint8_t point[SOL_PSI_POINT])
{
    uint8_t h[8];
    crypto_generichash(h, sizeof h, point, SOL_PSI_POINT, NULL, 0);
    uint64_t t = 0;
    for (int i = 0; i < 8; i++)
        t = t << 8 | h[i];
    return t;
}

/*
 * A parallel loop: fn(ud, from, to) over [0, n) in as many threads as there are cores
 * (at most 8), each taking one contiguous part; small loops run in the caller's thread.
 * Returns the first non-zero result of fn.
 */
struct part {
    int (*fn)(void *ud, size_t from, size_t to);
    void *ud;
    size_t from, to;
    int rc;
};

static void *
run_part(void *arg)
{
    struct part *p = arg;
    p->rc = p->fn(p->ud, p->from, p->to);
    return NULL;
}

int
sol__psi_parallel(size_t n, int (*fn)(void *ud, size_t from, size_t to), void *ud)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (size_t)cpus;
    if (n < 512 || threads == 1)
        return fn(ud, 0, n);
    struct part parts[8];
    pthread_t tid[8];
    bool started[8] = {false};
    size_t per = (n + threads - 1) / threads;
    for (size_t i = 0; i < threads; i++) {
        parts[i] = (struct part){fn, ud, i * per, (i + 1) * per > n ? n : (i + 1) * per, 0};
        if (i > 0 && pthread_create(&tid[i], NULL, run_part, &parts[i]) == 0)
            started[i] = true;
    }
    run_part(&parts[0]);
    int rc = parts[0].rc;
    for (size_t i = 1; i < threads; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            run_part(&parts[i]); /* no thread: do it here */
        if (!rc)
            rc = parts[i].rc;
    }
    return rc;
}

struct tag_job {
    const uint8_t *scalar;
    const uint8_t (*elements)[SOL_PSI_ELEMENT];
    uint64_t *tags;
};

static int
tag_part(void *ud, size_t from, size_t to)
{
    const struct tag_job *j = ud;
    uint8_t p[SOL_PSI_POINT], q[SOL_PSI_POINT];
    for (size_t i = from; i < to; i++) {
        crypto_core_ristretto255_from_hash(p, j->elements[i]);
        if (crypto_scalarmult_ristretto255(q, j->scalar, p) != 0)
            return SOL_ECRYPTO;
        j->tags[i] = point_tag(q);
    }
    return 0;
}

/* psi.h */
int
sol_psi_tags(const struct sol_psi_key *k, const uint8_t (*elements)[SOL_PSI_ELEMENT], size_t n,
             uint64_t *tags)
{
    struct tag_job j = {k->scalar, elements, tags};
    return sol__psi_parallel(n, tag_part, &j);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The digest of a set: BLAKE2b-256 over the epoch and the tags, all big-endian. */
static void
set_digest(uint32_t epoch, const uint64_t *set, size_t n, uint8_t digest[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    uint8_t b[8];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(epoch >> (24 - 8 * i));
    crypto_generichash_update(&st, b, 4);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 8; k++)
            b[k] = (uint8_t)(set[i] >> (56 - 8 * k));
        crypto_generichash_update(&st, b, 8);
    }
    crypto_generichash_final(&st, digest, 32);
}

/* psi.h */
int
sol_psi_set_finish(const struct sol_psi_key *k, const uint64_t *tags, size_t n, uint64_t **out,
                   size_t *out_n, uint8_t digest[32])
{
    *out = NULL;
    *out_n = 0;
    size_t cap = (n / SOL_PSI_PAD + 1) * SOL_PSI_PAD;
    uint64_t *set = sol_malloc(cap * sizeof *set);
    if (!set)
        return SOL_ENOMEM;
    if (n)
        memcpy(set, tags, n * sizeof *set);
    qsort(set, n, sizeof *set, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || set[m - 1] != set[i])
            set[m++] = set[i];
    /*
     * Padding: pseudo-random tags derived from the key, so that the same set under the same
     * key pads the same way (a client fetching it twice cannot tell padding from the rest).
     */
    size_t want = m == 0 ? SOL_PSI_PAD : (m + SOL_PSI_PAD - 1) / SOL_PSI_PAD * SOL_PSI_PAD;
    size_t real = m;
    for (uint64_t i = 0; m < want; i++) {
        uint8_t msg[12] = {'p', 'a', 'd', 0}, h[8];
        for (int b = 0; b < 8; b++)
            msg[4 + b] = (uint8_t)(i >> (56 - 8 * b));
        crypto_generichash(h, sizeof h, msg, sizeof msg, k->scalar, SOL_PSI_SCALAR);
        uint64_t t = 0;
        for (int b = 0; b < 8; b++)
            t = t << 8 | h[b];
        if (!sol_psi_set_has(set, real, t))
            set[m++] = t;
    }
    qsort(set, m, sizeof *set, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || set[u - 1] != set[i])
            set[u++] = set[i];
    set_digest(k->epoch, set, u, digest);
    *out = set;
    *out_n = u;
    return 0;
}

/* psi.h */
bool
sol_psi_set_has(const uint64_t *set, size_t n, uint64_t tag)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set[mid] < tag)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && set[lo] == tag;
}

struct pow_job {
    const uint8_t *scalar;
    const uint8_t *in;
    uint8_t *out;
    const uint8_t (*elements)[SOL_PSI_ELEMENT];
    uint64_t *tags;
    size_t bad; /* SIZE_MAX: none */
    pthread_mutex_t lock;
};

static void
note_bad(struct pow_job *j, size_t i)
{
    pthread_mutex_lock(&j->lock);
    if (i < j->bad)
        j->bad = i;
    pthread_mutex_unlock(&j->lock);
}

static int
evaluate_part(void *ud, size_t from, size_t to)
{
    struct pow_job *j = ud;
    for (size_t i = from; i < to; i++) {
        const uint8_t *p = j->in + i * SOL_PSI_POINT;
        if (!crypto_core_ristretto255_is_valid_point(p) ||
            crypto_scalarmult_ristretto255(j->out + i * SOL_PSI_POINT, j->scalar, p) != 0) {
            note_bad(j, i);
            return SOL_EINVALID;
        }
    }
    return 0;
}

/* psi.h */
int
sol_psi_evaluate(const struct sol_psi_key *k, const uint8_t *in, size_t n, uint8_t *out,
                 size_t *bad)
{
    struct pow_job j = {.scalar = k->scalar, .in = in, .out = out, .bad = SIZE_MAX};
    pthread_mutex_init(&j.lock, NULL);
    int rc = sol__psi_parallel(n, evaluate_part, &j);
    pthread_mutex_destroy(&j.lock);
    if (bad)
        *bad = j.bad;
    return rc;
}

struct sol_psi_client {
    uint8_t a[SOL_PSI_SCALAR], a_inv[SOL_PSI_SCALAR];
};

/* psi.h */
struct sol_psi_client *
sol_psi_client_new(void)
{
    if (sodium_init() < 0)
        return NULL;
    struct sol_psi_client *c = sol_malloc(sizeof *c);
    if (!c)
        return NULL;
    do {
        crypto_core_ristretto255_scalar_random(c->a);
    } while (crypto_core_ristretto255_scalar_invert(c->a_inv, c->a) != 0);
    return c;
}

void
sol_psi_client_free(struct sol_psi_client *c)
{
    if (!c)
        return;
    sodium_memzero(c, sizeof *c);
    sol_free(c);
}

static int
blind_part(void *ud, size_t from, size_t to)
{
    struct pow_job *j = ud;
    uint8_t p[SOL_PSI_POINT];
    for (size_t i = from; i < to; i++) {
        crypto_core_ristretto255_from_hash(p, j->elements[i]);
        if (crypto_scalarmult_ristretto255(j->out + i * SOL_PSI_POINT, j->scalar, p) != 0)
            return SOL_ECRYPTO;
    }
    return 0;
}

/* psi.h */
int
sol_psi_blind(const struct sol_psi_client *c, const uint8_t (*elements)[SOL_PSI_ELEMENT], size_t n,
              uint8_t *out)
{
    struct pow_job j = {.scalar = c->a, .elements = elements, .out = out, .bad = SIZE_MAX};
    return sol__psi_parallel(n, blind_part, &j);
}

static int
unblind_part(void *ud, size_t from, size_t to)
{
    struct pow_job *j = ud;
    uint8_t q[SOL_PSI_POINT];
    for (size_t i = from; i < to; i++) {
        const uint8_t *p = j->in + i * SOL_PSI_POINT;
        if (!crypto_core_ristretto255_is_valid_point(p) ||
            crypto_scalarmult_ristretto255(q, j->scalar, p) != 0) {
            note_bad(j, i);
            return SOL_EINVALID;
        }
        j->tags[i] = point_tag(q);
    }
    return 0;
}

/* psi.h */
int
sol_psi_unblind(const struct sol_psi_client *c, const uint8_t *points, size_t n, uint64_t *tags,
                size_t *bad)
{
    struct pow_job j = {.scalar = c->a_inv, .in = points, .tags = tags, .bad = SIZE_MAX};
    pthread_mutex_init(&j.lock, NULL);
    int rc = sol__psi_parallel(n, unblind_part, &j);
    pthread_mutex_destroy(&j.lock);
    if (bad)
        *bad = j.bad;
    return rc;
}

/* ---- Messages ---- */

static const char magic[6] = {'S', 'O', 'L', 'P', 'S', 'I'};

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(struct sol_buf *b, uint32_t v)
{
    char x[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
    sol_buf_append(b, x, 4);
}

/* psi.h: parse, checking everything a reader relies on */
int
sol_psi_msg_parse(const void *data, size_t n, struct sol_psi_msg *out, struct sol_error *err)
{
    const uint8_t *p = data;
    memset(out, 0, sizeof *out);
    if (n < SOL_PSI_HEADER)
        return sol_error_set(err, SOL_ESYNTAX,
                             "a PSI message of %zu bytes: shorter than its %d-byte header", n,
                             SOL_PSI_HEADER);
    if (memcmp(p, magic, sizeof magic) != 0)
        return sol_error_set(err, SOL_ESYNTAX, "byte 0: not a PSI message (no \"SOLPSI\")");
    if (p[6] != 1)
        return sol_error_set(err, SOL_ESYNTAX, "byte 6: PSI version %u, expected 1", p[6]);
    if (p[7] < SOL_PSI_EVAL_REQUEST || p[7] > SOL_PSI_SET)
        return sol_error_set(err, SOL_ESYNTAX, "byte 7: unknown message type %u", p[7]);
    out->type = (enum sol_psi_msg_type)p[7];
    out->epoch = get32(p + 8);
    out->count = get32(p + 12);
    out->set_count = get32(p + 16);
    memcpy(out->digest, p + 20, 32);
    bool set = out->type == SOL_PSI_SET;
    size_t item = set ? 8 : SOL_PSI_POINT;
    uint32_t max = set ? SOL_PSI_MAX_SET : SOL_PSI_MAX_CHECK;
    if (out->count > max)
        return sol_error_set(err, SOL_ESYNTAX, "byte 12: %u %s, more than the %u allowed",
                             out->count, set ? "tags" : "points", max);
    size_t want = SOL_PSI_HEADER + (size_t)out->count * item;
    if (n != want)
        return sol_error_set(err, SOL_ESYNTAX,
                             "a PSI message of %zu bytes, but its header announces %u %s (%zu "
                             "bytes in all)",
                             n, out->count, set ? "tags" : "points", want);
    if (out->type == SOL_PSI_EVAL_REQUEST && out->set_count != 0)
        return sol_error_set(err, SOL_ESYNTAX, "byte 16: a request names no set size");
    if (set && out->set_count != out->count)
        return sol_error_set(err, SOL_ESYNTAX, "byte 16: a set of %u tags says it has %u",
                             out->count, out->set_count);
    if (out->type != SOL_PSI_EVAL_REQUEST && out->set_count > SOL_PSI_MAX_SET)
        return sol_error_set(err, SOL_ESYNTAX,
                             "byte 16: a set of %u tags, more than the %u allowed", out->set_count,
                             SOL_PSI_MAX_SET);
    if (set) {
        out->tag_bytes = p + SOL_PSI_HEADER;
        for (size_t i = 1; i < out->count; i++)
            if (sol_psi_msg_tag(out, i) <= sol_psi_msg_tag(out, i - 1))
                return sol_error_set(err, SOL_ESYNTAX,
                                     "byte %zu: tag %zu is not above the one before it (a set "
                                     "is sorted, without duplicates)",
                                     SOL_PSI_HEADER + i * 8, i);
    } else {
        out->points = p + SOL_PSI_HEADER;
    }
    return 0;
}

uint64_t
sol_psi_msg_tag(const struct sol_psi_msg *m, size_t i)
{
    const uint8_t *b = m->tag_bytes + i * 8;
    return (uint64_t)get32(b) << 32 | get32(b + 4);
}

void
sol_psi_msg_write(struct sol_buf *out, const struct sol_psi_msg *m)
{
    bool set = m->type == SOL_PSI_SET;
    sol_buf_reserve(out, SOL_PSI_HEADER + (size_t)m->count * (set ? 8 : SOL_PSI_POINT));
    sol_buf_append(out, magic, sizeof magic);
    sol_buf_putc(out, 1);
    sol_buf_putc(out, (char)m->type);
    put32(out, m->epoch);
    put32(out, m->count);
    put32(out, set ? m->count : m->set_count);
    sol_buf_append(out, m->digest, 32);
    if (set) {
        for (size_t i = 0; i < m->count; i++) {
            put32(out, (uint32_t)(m->tags[i] >> 32));
            put32(out, (uint32_t)m->tags[i]);
        }
    } else if (m->count) {
        sol_buf_append(out, m->points, (size_t)m->count * SOL_PSI_POINT);
    }
}
