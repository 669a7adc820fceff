/*
 * test_transcripts_pg.c — the TAXII request/response transcripts (tests/taxii/cases/)
 * run on a PostgreSQL store: the same runner, tests/taxii/test_transcripts.c, compiled
 * again with its store opening redirected to a fresh schema of a throwaway cluster for
 * each transcript file. The fixture, the requests and the expected responses are the
 * same as on SQLite; only the backend differs.
 *
 * When PostgreSQL cannot be started here, the program prints "1..0 # SKIP <why>".
 */
#include "solidarity/store.h"

/* The runner's one call to open its store comes here (see the bottom of this file). */
int transcripts_store_open(const char *dir, struct sol_store **out, struct sol_error *err);
#define sol_store_open transcripts_store_open
#include "../taxii/test_transcripts.c"
#undef sol_store_open

#include "pg_cluster.h"

/* Start the cluster before the runner's main(); skip the whole program without it. */
__attribute__((constructor)) static void
start_cluster(void)
{
    if (!pg_cluster_start()) {
        printf("1..0 # SKIP %s\n", pg_cluster_why);
        fflush(stdout);
        exit(0);
    }
}

/* Instead of the temporary directory the runner made: a fresh schema on the cluster. */
int
transcripts_store_open(const char *dir, struct sol_store **out, struct sol_error *err)
{
    static int n;
    char name[32], url[700];
    snprintf(name, sizeof name, "transcript_%d", n++);
    rmdir(dir); /* the runner's mkdtemp(): not used */
    if (pg_cluster_fresh_db(name, url, sizeof url) != 0)
        return sol_error_set(err, SOL_ESTORE, "cannot make schema %s", name);
    return sol_store_open(url, out, err);
}
