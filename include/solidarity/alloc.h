/*
 * alloc.h — the one allocator seam of libsolidarity.
 *
 * All library memory goes through sol_malloc() and friends, so that tests can make
 * the Nth allocation fail (see sol_alloc_fail_after()) and embedders can plug their
 * own allocator. sol_free(NULL) does nothing.
 */
#ifndef SOLIDARITY_ALLOC_H
#define SOLIDARITY_ALLOC_H

#include <stddef.h>

#include "solidarity/api.h"

struct sol_allocator {
    void *(*malloc)(size_t n, void *ud);
    void *(*realloc)(void *p, size_t n, void *ud);
    void (*free)(void *p, void *ud);
    void *ud;
};

/* Replace the allocator (NULL restores the C library's). Not thread-safe: call at start-up. */
SOL_API void sol_set_allocator(const struct sol_allocator *a);

SOL_API void *sol_malloc(size_t n);
SOL_API void *sol_calloc(size_t count, size_t size);
SOL_API void *sol_realloc(void *p, size_t n);
SOL_API void sol_free(void *p);
SOL_API char *sol_strdup(const char *s);
SOL_API char *sol_strndup(const char *s, size_t n);

/*
 * For tests: make every allocation after the next n succeed fail (n < 0 turns this
 * off). Returns how many allocations have been made since the last call.
 */
SOL_API long sol_alloc_fail_after(long n);

#endif
