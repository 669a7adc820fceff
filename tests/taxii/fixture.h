/*
 * fixture.h — the TAXII tests' store fixture (fixture.c says what is in it).
 */
#ifndef SOL_TESTS_TAXII_FIXTURE_H
#define SOL_TESTS_TAXII_FIXTURE_H

#include "solidarity/store.h"

#define COL_A "11111111-1111-4111-8111-111111111111"
#define COL_B "22222222-2222-4222-8222-222222222222"
#define COL_S "33333333-3333-4333-8333-333333333333"
#define ACME  "identity--a0a0a0a0-0000-4000-8000-000000000001"
#define OTHER "identity--b0b0b0b0-0000-4000-8000-000000000002"
#define HOME  "identity--c0c0c0c0-0000-4000-8000-000000000003"

/*
 * Fill an empty store. var_set is called with each user's token (name "alice"), their
 * Basic credentials ("basic_alice") and the collection ids ("A", "B", "S"). Returns 0
 * or a negative code.
 */
int taxii_fixture_setup(struct sol_store *s, void (*var_set)(const char *name, const char *value));

#endif
