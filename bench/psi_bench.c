/*
 * psi_bench.c — checking a victim's observables against a partner's indicators without
 * exposing them (psi.h), next to sending the same observables in clear, in the same run.
 *
 *   bench_psi [N] [M]     (default N = 10000 observables, M = 1000000 partner indicators)
 *
 * The partner's precomputation (each of its M values hashed to the group and raised to its
 * key, once per key epoch) is timed apart. Then one check of N observables, a tenth of
 * them in the partner's set: the client blinds them, the server parses the request and
 * raises each point to its key, the client unblinds the answer and looks each tag up in
 * the set. Each side's time and the bytes each way are printed, and the set's bytes, which
 * the client fetches once per epoch and change. The baseline is the same check in clear:
 * the N values as text lines one way, the server normalising and looking each up in a
 * table of its own, the matching values back. Goal (issue #19): the check under 10 s on 2
 * cores after the precomputation.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "solidarity/alloc.h"
#include "solidarity/psi.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The i-th value of a family: domain names, IPv4 addresses and SHA-256 digests in turn. */
static enum sol_atom_kind
value(unsigned family, size_t i, char *out, size_t n)
{
    switch (i % 3) {
    case 0:
        snprintf(out, n, "host-%zu.f%u.example", i, family);
        return SOL_ATOM_DOMAIN;
    case 1:
        snprintf(out, n, "%u.%zu.%zu.%zu", 10 + family, (i >> 16) & 255, (i >> 8) & 255, i & 255);
        return SOL_ATOM_IPV4;
    default: {
        uint8_t h[32];
        char in[48];
        snprintf(in, sizeof in, "%u/%zu", family, i);
        crypto_hash_sha256(h, (const uint8_t *)in, strlen(in));
        for (int k = 0; k < 32; k++)
            snprintf(out + 2 * k, 3, "%02x", h[k]);
        return SOL_ATOM_SHA256;
    }
    }
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t
prefix64(const uint8_t *e)
{
    uint64_t v;
    memcpy(&v, e, 8);
    return v;
}

int
main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    size_t m = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    if (sodium_init() < 0 || n == 0 || n > SOL_PSI_MAX_CHECK) {
        fprintf(stderr, "bench_psi: N from 1 to %d\n", SOL_PSI_MAX_CHECK);
        return 1;
    }
    char text[160];
    /* ---- the partner's set and its precomputation ---- */
    uint8_t(*se)[SOL_PSI_ELEMENT] = malloc(m * SOL_PSI_ELEMENT);
    uint64_t *stags = malloc(m * sizeof *stags);
    struct sol_psi_key key;
    if (!se || !stags || sol_psi_key_new(1, &key) != 0)
        return 1;
    double t0 = now();
    for (size_t i = 0; i < m; i++) {
        enum sol_atom_kind k = value(1, i, text, sizeof text);
        if (sol_psi_element(k, text, strlen(text), se[i]) != 0)
            return 1;
    }
    if (sol_psi_tags(&key, (const uint8_t(*)[SOL_PSI_ELEMENT])se, m, stags) != 0)
        return 1;
    uint64_t *set = NULL;
    size_t set_n = 0;
    uint8_t digest[32];
    if (sol_psi_set_finish(&key, stags, m, &set, &set_n, digest) != 0)
        return 1;
    struct sol_buf setmsg;
    sol_buf_init(&setmsg);
    struct sol_psi_msg sm = {
        .type = SOL_PSI_SET, .epoch = 1, .count = (uint32_t)set_n, .tags = set};
    memcpy(sm.digest, digest, 32);
    sol_psi_msg_write(&setmsg, &sm);
    double t_pre = now() - t0;
    /* the baseline's table: the partner's normalised values (their elements), sorted */
    uint64_t *plain = malloc(m * sizeof *plain);
    for (size_t i = 0; i < m; i++)
        plain[i] = prefix64(se[i]);
    qsort(plain, m, sizeof *plain, cmp_u64);
    free(stags);
    free(se);

    /* ---- the victim's observables: one in ten is in the partner's set ---- */
    char **obs = malloc(n * sizeof *obs);
    enum sol_atom_kind *kinds = malloc(n * sizeof *kinds);
    size_t want = 0;
    for (size_t i = 0; i < n; i++) {
        bool shared = i % 10 == 0;
        kinds[i] = value(shared ? 1 : 2, shared ? (i * 37) % m : i, text, sizeof text);
        obs[i] = strdup(text);
        want += shared;
    }

    /* ---- one check ---- */
    double c0 = now();
    uint8_t(*ce)[SOL_PSI_ELEMENT] = malloc(n * SOL_PSI_ELEMENT);
    for (size_t i = 0; i < n; i++)
        if (sol_psi_element(kinds[i], obs[i], strlen(obs[i]), ce[i]) != 0)
            return 1;
    struct sol_psi_client *c = sol_psi_client_new();
    uint8_t *blinded = malloc(n * SOL_PSI_POINT);
    if (!c || sol_psi_blind(c, (const uint8_t(*)[SOL_PSI_ELEMENT])ce, n, blinded) != 0)
        return 1;
    struct sol_buf req, resp;
    sol_buf_init(&req);
    sol_buf_init(&resp);
    sol_psi_msg_write(&req, &(struct sol_psi_msg){.type = SOL_PSI_EVAL_REQUEST,
                                                  .count = (uint32_t)n,
                                                  .points = blinded});
    double c1 = now();
    struct sol_psi_msg pm;
    uint8_t *answer = malloc(n * SOL_PSI_POINT);
    if (sol_psi_msg_parse(req.p, req.n, &pm, NULL) != 0 ||
        sol_psi_evaluate(&key, pm.points, pm.count, answer, NULL) != 0)
        return 1;
    struct sol_psi_msg out = {.type = SOL_PSI_EVAL_RESPONSE,
                              .epoch = 1,
                              .count = pm.count,
                              .set_count = (uint32_t)set_n,
                              .points = answer};
    memcpy(out.digest, digest, 32);
    sol_psi_msg_write(&resp, &out);
    double s1 = now();
    struct sol_psi_msg rm;
    uint64_t *ctags = malloc(n * sizeof *ctags);
    if (sol_psi_msg_parse(resp.p, resp.n, &rm, NULL) != 0 ||
        sol_psi_unblind(c, rm.points, rm.count, ctags, NULL) != 0)
        return 1;
    size_t found = 0;
    for (size_t i = 0; i < n; i++)
        found += sol_psi_set_has(set, set_n, ctags[i]);
    double c2 = now();
    double t_client = (c1 - c0) + (c2 - s1), t_server = s1 - c1;

    /* ---- the baseline: the same values in clear ---- */
    double b0 = now();
    struct sol_buf clear, back;
    sol_buf_init(&clear);
    sol_buf_init(&back);
    for (size_t i = 0; i < n; i++)
        sol_buf_printf(&clear, "%s\t%s\n", sol_atom_kind_word(kinds[i]), obs[i]);
    size_t bfound = 0;
    for (char *line = clear.p; line < clear.p + clear.n;) {
        char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
        *tab = 0;
        uint8_t e[SOL_PSI_ELEMENT];
        if (sol_psi_element((enum sol_atom_kind)sol_atom_kind_parse(line), tab + 1,
                            (size_t)(nl - tab - 1), e) == 0) {
            uint64_t p = prefix64(e);
            if (bsearch(&p, plain, m, sizeof *plain, cmp_u64)) {
                sol_buf_append(&back, tab + 1, (size_t)(nl - tab));
                bfound++;
            }
        }
        *tab = '\t';
        line = nl + 1;
    }
    double t_clear = now() - b0;

    printf("psi precomputation: %zu partner indicators in %.2f s (%.0f/s), once per key epoch\n", m,
           t_pre, m / t_pre);
    printf("psi check: %zu observables, %zu in the partner's set (found %zu)\n", n, want, found);
    printf("  client %.3f s (blind %.3f, unblind and look up %.3f), server %.3f s, total %.3f s "
           "(goal < 10 s on 2 cores)\n",
           t_client, c1 - c0, c2 - s1, t_server, t_client + t_server);
    printf("  bytes: %zu sent, %zu received; the set, fetched once per epoch and change: %zu "
           "(%zu tags)\n",
           req.n, resp.n, setmsg.n, set_n);
    printf("in clear (baseline): %.3f s, bytes: %zu sent, %zu received (found %zu)\n", t_clear,
           clear.n, back.n, bfound);
    printf("ratio: time %.0fx the clear check, bytes per check %.1fx (%.1fx with the set)\n",
           (t_client + t_server) / (t_clear > 0 ? t_clear : 1e-9),
           (double)(req.n + resp.n) / (double)(clear.n + back.n),
           (double)(req.n + resp.n + setmsg.n) / (double)(clear.n + back.n));
    int rc = found == want && bfound == want && t_client + t_server < 10.0 ? 0 : 1;
    if (found != want || bfound != want)
        fprintf(stderr, "bench_psi: found %zu and %zu, expected %zu\n", found, bfound, want);
    sol_psi_client_free(c);
    sol_psi_key_clear(&key);
    for (size_t i = 0; i < n; i++)
        free(obs[i]);
    free(obs), free(kinds), free(ce), free(blinded), free(answer), free(ctags), free(plain);
    sol_free(set);
    sol_buf_free(&setmsg), sol_buf_free(&req), sol_buf_free(&resp), sol_buf_free(&clear);
    sol_buf_free(&back);
    return rc;
}
