/*
 * taxii_fixture.c — create the TAXII tests' fixture store in DIR (an empty directory)
 * and print NAME=VALUE lines: each user's token, Basic credentials, collection ids.
 * Usage: taxii_fixture DIR
 */
#include <stdio.h>

#include "fixture.h"
#include "solidarity/access.h"

static void
print_var(const char *name, const char *value)
{
    printf("%s=%s\n", name, value);
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: taxii_fixture DIR\n");
        return 2;
    }
    struct sol_store *s = NULL;
    struct sol_error err;
    sol_error_clear(&err);
    if (sol_store_open(argv[1], &s, &err) < 0) {
        fprintf(stderr, "taxii_fixture: %s\n", err.msg);
        return 2;
    }
    sol_access_set_weak_password_hashing(true);
    int rc = taxii_fixture_setup(s, print_var);
    sol_store_close(s);
    if (rc < 0) {
        fprintf(stderr, "taxii_fixture: %s\n", sol_strerror(rc));
        return 2;
    }
    return 0;
}
