/*
 * alloc.c — the allocator seam, with failure injection for tests.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/alloc.h"

static void *
libc_malloc(size_t n, void *ud)
{
    (void)ud;
    return malloc(n);
}

static void *
libc_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    return realloc(p, n);
}

static void
libc_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

static struct sol_allocator alloc_current = {libc_malloc, libc_realloc, libc_free, NULL};
static atomic_long alloc_count;
static atomic_long alloc_fail_at = -1;

void
sol_set_allocator(const struct sol_allocator *a)
{
    if (a)
        alloc_current = *a;
    else
        alloc_current = (struct sol_allocator){libc_malloc, libc_realloc, libc_free, NULL};
}

long
sol_alloc_fail_after(long n)
{
    long made = atomic_exchange(&alloc_count, 0);
    atomic_store(&alloc_fail_at, n);
    return made;
}

/* True when this allocation is one the test asked to fail. */
static int
alloc_should_fail(void)
{
    long k = atomic_fetch_add(&alloc_count, 1);
    long at = atomic_load(&alloc_fail_at);
    return at >= 0 && k >= at;
}

void *
sol_malloc(size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return alloc_current.malloc(n ? n : 1, alloc_current.ud);
}

void *
sol_calloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        return NULL;
    void *p = sol_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *
sol_realloc(void *p, size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return alloc_current.realloc(p, n ? n : 1, alloc_current.ud);
}

void
sol_free(void *p)
{
    if (p)
        alloc_current.free(p, alloc_current.ud);
}

char *
sol_strndup(const char *s, size_t n)
{
    char *d = sol_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *
sol_strdup(const char *s)
{
    return sol_strndup(s, strlen(s));
}
