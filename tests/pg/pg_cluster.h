/*
 * pg_cluster.h — for the PostgreSQL tests: start one throwaway cluster per test
 * program (scripts/pg-test-cluster), make a fresh database in it per case, and stop and
 * remove it at exit. When PostgreSQL cannot be started here, pg_cluster_start() returns
 * NULL with the reason in pg_cluster_why, and the program prints "# SKIP" lines.
 *
 * SOLIDARITY_PG_URL (a libpq URI of a database whose user may CREATE DATABASE) uses an
 * existing server instead of starting one.
 */
#ifndef SOLIDARITY_TEST_PG_CLUSTER_H
#define SOLIDARITY_TEST_PG_CLUSTER_H

#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char pg_cluster_dir[128];
static char pg_cluster_url[512];
static char pg_cluster_why[512];
static pid_t pg_cluster_owner;

/* scripts/pg-test-cluster, from the tests directory (meson's workdir) or the top. */
static const char *
pg_cluster_script(void)
{
    static const char *const where[] = {"../scripts/pg-test-cluster", "scripts/pg-test-cluster"};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    return where[0];
}

static void
pg_cluster_stop(void)
{
    if (!pg_cluster_dir[0] || getpid() != pg_cluster_owner)
        return;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s stop '%s' >/dev/null 2>&1", pg_cluster_script(), pg_cluster_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# could not stop the cluster in %s\n", pg_cluster_dir);
    pg_cluster_dir[0] = 0;
}

/* A test killed by a signal (a timeout, ^C, a closed pipe) still removes its cluster. */
static void
pg_cluster_on_signal(int sig)
{
    pg_cluster_stop();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The URL of the cluster's "postgres" database, or NULL (reason in pg_cluster_why). */
static const char *
pg_cluster_start(void)
{
    const char *given = getenv("SOLIDARITY_PG_URL");
    if (given && *given) {
        snprintf(pg_cluster_url, sizeof pg_cluster_url, "%s", given);
        return pg_cluster_url;
    }
    snprintf(pg_cluster_dir, sizeof pg_cluster_dir, "/tmp/solpg-XXXXXX");
    if (!mkdtemp(pg_cluster_dir)) {
        snprintf(pg_cluster_why, sizeof pg_cluster_why, "cannot make a temporary directory");
        pg_cluster_dir[0] = 0;
        return NULL;
    }
    pg_cluster_owner = getpid();
    atexit(pg_cluster_stop);
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], pg_cluster_on_signal);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s start '%s' 2>&1", pg_cluster_script(), pg_cluster_dir);
    FILE *p = popen(cmd, "r");
    char line[512], last[512] = "";
    pg_cluster_url[0] = 0;
    while (p && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "postgresql://", 13) == 0)
            snprintf(pg_cluster_url, sizeof pg_cluster_url, "%s", line);
        else if (line[0])
            snprintf(last, sizeof last, "%s", line);
    }
    int rc = p ? pclose(p) : -1;
    if (rc != 0 || !pg_cluster_url[0]) {
        snprintf(pg_cluster_why, sizeof pg_cluster_why, "PostgreSQL cannot be started here: %.400s",
                 last[0] ? last : "scripts/pg-test-cluster failed");
        pg_cluster_stop();
        return NULL;
    }
    return pg_cluster_url;
}

static void
pg_cluster_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/*
 * Make a fresh schema `name` (dropping it first) in the cluster's database and write into
 * out a URL whose search_path puts the store there: cheaper than a database per case.
 * Returns 0, or -1 with a TAP comment.
 */
static int
pg_cluster_fresh_db(const char *name, char *out, size_t n)
{
    PGconn *c = PQconnectdb(pg_cluster_url);
    if (PQstatus(c) != CONNECTION_OK) {
        printf("# connect %s: %s", pg_cluster_url, PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    PQsetNoticeProcessor(c, pg_cluster_quiet, NULL);
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", name, name);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        printf("# %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    if (!ok)
        return -1;
    snprintf(out, n, "%s%soptions=-c%%20search_path%%3D%s", pg_cluster_url,
             strchr(pg_cluster_url, '?') ? "&" : "?", name);
    return 0;
}

#endif
