/*
 * lpm.c — every network that contains an address: IPv4 and IPv6 prefixes flattened
 * into elementary intervals, each naming its deepest covering prefix; each prefix
 * names its parent (the next shorter prefix that contains it). A lookup is one binary
 * search (for IPv4 narrowed first by a table of the 65,536 /16 networks, the first
 * level of a DIR-16-style table) and a walk up the parents.
 */
#include <stdlib.h>
#include <string.h>

#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "match/match.h"

typedef unsigned __int128 u128;

void
sol__mlpm_init(struct sol__mlpm *t, bool v6)
{
    memset(t, 0, sizeof *t);
    t->v6 = v6;
}

void
sol__mlpm_free(struct sol__mlpm *t)
{
    sol_free(t->pfx);
    sol_free(t->istart);
    sol_free(t->ipfx);
    sol_free(t->top);
    sol_free(t->lists);
    memset(t, 0, sizeof *t);
}

static u128
addr_to_u128(const uint8_t a[16], bool v6)
{
    u128 x = 0;
    for (int i = 0; i < (v6 ? 16 : 4); i++)
        x = x << 8 | a[i];
    return x;
}

int
sol__mlpm_add(struct sol__mlpm *t, const uint8_t addr[16], unsigned len, uint32_t target)
{
    unsigned bits = t->v6 ? 128 : 32;
    if (len > bits)
        return SOL_EINVAL;
    if (t->npfx == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        struct sol__mprefix *np = sol_realloc(t->pfx, nc * sizeof *np);
        if (!np)
            return SOL_ENOMEM;
        t->pfx = np;
        t->cap = nc;
    }
    u128 a = addr_to_u128(addr, t->v6);
    u128 hostmask = len == bits         ? 0
                    : bits - len == 128 ? ~(u128)0
                                        : (((u128)1 << (bits - len)) - 1);
    struct sol__mprefix *p = &t->pfx[t->npfx++];
    p->start = a & ~hostmask;
    p->end = p->start | hostmask;
    p->len = (uint8_t)len;
    p->parent = UINT32_MAX;
    p->target = target;
    return 0;
}

static int
cmp_prefix(const void *a, const void *b)
{
    const struct sol__mprefix *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (int)x->len - (int)y->len;
}

static int
emit(struct sol__mlpm *t, size_t *cap, u128 start, uint32_t pfx)
{
    if (t->nint && t->istart[t->nint - 1] == start) {
        t->ipfx[t->nint - 1] = pfx;
        return 0;
    }
    if (t->nint && t->ipfx[t->nint - 1] == pfx)
        return 0;
    if (t->nint == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        u128 *ns = sol_realloc(t->istart, nc * sizeof *ns);
        if (!ns)
            return SOL_ENOMEM;
        t->istart = ns;
        uint32_t *np = sol_realloc(t->ipfx, nc * sizeof *np);
        if (!np)
            return SOL_ENOMEM;
        t->ipfx = np;
        *cap = nc;
    }
    t->istart[t->nint] = start;
    t->ipfx[t->nint] = pfx;
    t->nint++;
    return 0;
}

int
sol__mlpm_build(struct sol__mlpm *t)
{
    if (!t->npfx)
        return 0;
    qsort(t->pfx, t->npfx, sizeof *t->pfx, cmp_prefix);
    /* Merge duplicates (same network, same length) into one prefix with a target list. */
    size_t w = 0;
    for (size_t i = 0; i < t->npfx; i++) {
        if (w && t->pfx[w - 1].start == t->pfx[i].start && t->pfx[w - 1].len == t->pfx[i].len) {
            const uint32_t *tg;
            uint32_t one;
            size_t k = sol__mlist_get(t->lists, t->pfx[i].target, &tg, &one);
            for (size_t j = 0; j < k; j++) {
                int rc = sol__mlist_add(&t->lists, &t->lists_n, &t->lists_cap,
                                        &t->pfx[w - 1].target, tg[j]);
                if (rc)
                    return rc;
            }
            continue;
        }
        t->pfx[w++] = t->pfx[i];
    }
    t->npfx = w;

    uint32_t *stack = sol_malloc(t->npfx * sizeof *stack);
    if (!stack)
        return SOL_ENOMEM;
    size_t sp = 0, cap = 0;
    u128 maxaddr = t->v6 ? ~(u128)0 : (u128)0xffffffffu;
    int rc = emit(t, &cap, 0, UINT32_MAX);
    for (size_t i = 0; i < t->npfx && !rc; i++) {
        struct sol__mprefix *p = &t->pfx[i];
        while (sp && t->pfx[stack[sp - 1]].end < p->start && !rc) {
            struct sol__mprefix *q = &t->pfx[stack[--sp]];
            rc = emit(t, &cap, q->end + 1, sp ? stack[sp - 1] : UINT32_MAX);
        }
        p->parent = sp ? stack[sp - 1] : UINT32_MAX;
        if (!rc)
            rc = emit(t, &cap, p->start, (uint32_t)i);
        stack[sp++] = (uint32_t)i;
    }
    while (sp && !rc) {
        struct sol__mprefix *q = &t->pfx[stack[--sp]];
        if (q->end != maxaddr)
            rc = emit(t, &cap, q->end + 1, sp ? stack[sp - 1] : UINT32_MAX);
    }
    sol_free(stack);
    if (rc)
        return rc;
    if (!t->v6) {
        t->top = sol_malloc(65537 * sizeof *t->top);
        if (!t->top)
            return SOL_ENOMEM;
        size_t k = 0;
        for (uint32_t b = 0; b <= 65536; b++) {
            u128 lo = (u128)b << 16;
            while (k < t->nint && t->istart[k] < lo)
                k++;
            t->top[b] = (uint32_t)k;
        }
    }
    return 0;
}

void
sol__mlpm_lookup(const struct sol__mlpm *t, const uint8_t addr[16], unsigned maxlen,
                 sol__mlpm_fn fn, void *ud)
{
    if (!t->nint)
        return;
    u128 x = addr_to_u128(addr, t->v6);
    /* The last interval whose start <= x. */
    size_t lo = 0, hi = t->nint;
    if (t->top) {
        uint32_t b = (uint32_t)(x >> 16);
        lo = t->top[b] ? t->top[b] - 1 : 0;
        hi = t->top[b + 1];
    }
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->istart[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    for (uint32_t p = t->ipfx[lo]; p != UINT32_MAX; p = t->pfx[p].parent) {
        if (t->pfx[p].len > maxlen)
            continue;
        const uint32_t *tg;
        uint32_t one;
        size_t k = sol__mlist_get(t->lists, t->pfx[p].target, &tg, &one);
        for (size_t j = 0; j < k; j++)
            fn(ud, tg[j], t->pfx[p].len);
    }
}

size_t
sol__mlpm_bytes(const struct sol__mlpm *t)
{
    return t->npfx * sizeof *t->pfx + t->nint * (sizeof(u128) + 4) + (t->top ? 65537 * 4 : 0) +
           t->lists_n * 4;
}
