/*
 * access/access_internal.h — what access.c asks of the login guard (guard.c).
 */
#ifndef SOL_ACCESS_INTERNAL_H
#define SOL_ACCESS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

struct sol_access_guard;

/* Was this credential checked lately against this stored hash of this user? */
bool sol__guard_remembered(struct sol_access_guard *g, const char *name, const char *password,
                           int64_t user_id, const char *password_hash);
/* Remember a credential just checked against password_hash. */
void sol__guard_remember(struct sol_access_guard *g, const char *name, const char *password,
                         int64_t user_id, const char *password_hash);
/* May an attempt from remote for name go ahead? 0 or SOL_ELIMIT (*retry_after seconds). */
int sol__guard_admit(struct sol_access_guard *g, const char *remote, const char *name,
                     unsigned *retry_after);
/* Count a failed attempt against remote and name. */
void sol__guard_failed(struct sol_access_guard *g, const char *remote, const char *name);
/*
 * Take a password-check slot for this credential: 0 (give it back with
 * sol__guard_hash_end()), 1 when another request just finished checking the same
 * credential (look in the memory again), or SOL_EBUSY with *retry_after.
 */
int sol__guard_hash_begin(struct sol_access_guard *g, const char *name, const char *password,
                          unsigned *retry_after);
void sol__guard_hash_end(struct sol_access_guard *g, const char *name, const char *password);

#endif
