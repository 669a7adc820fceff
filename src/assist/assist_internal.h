/*
 * assist_internal.h — what the files of src/assist/ share (prefix sol__):
 *
 * psi.c       the private set intersection's arithmetic and messages (psi.h)
 */
#ifndef SOLIDARITY_ASSIST_INTERNAL_H
#define SOLIDARITY_ASSIST_INTERNAL_H

#include <stddef.h>

/*
 * fn(ud, from, to) over [0, n) in one thread per core (at most 8), each on one part; a
 * small n runs in the caller's thread. Returns the first non-zero result of fn.
 */
int sol__psi_parallel(size_t n, int (*fn)(void *ud, size_t from, size_t to), void *ud);

#endif
