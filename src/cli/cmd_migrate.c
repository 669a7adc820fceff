/*
 * cmd_migrate.c — solidarity migrate: move a node's store between SQLite and PostgreSQL.
 *
 *   solidarity migrate [--from STORE] --to STORE [--force]
 *
 * The library moves and verifies (store.h, sol_store_migrate(); the signing key with
 * sign.h's sol_sign_key_move()); this command reads its options and says what was done.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "solidarity/sign.h"
#include "solidarity/store.h"
#include "solidarity/util.h"

static void
help(FILE *f)
{
    fputs("usage: solidarity migrate [--from STORE] --to STORE [--force]\n"
          "\n"
          "Move a node's store from SQLite to PostgreSQL or from PostgreSQL to SQLite:\n"
          "settings, API roots, collections, objects (with their date_added and seq),\n"
          "status, partners, users, tokens, grants, peers, the audit log and the node's\n"
          "signing key, in one transaction, every row of every table compared with the\n"
          "source before it commits.\n"
          "\n"
          "  --from STORE    sqlite://DIR, sqlite:DIR, DIR or postgresql://... (default: the\n"
          "                  --data store)\n"
          "  --to STORE      the same forms (postgres:// too); a SQLite DIR is made when missing\n"
          "  --force         replace a target store that is not empty\n",
          f);
}

/* A store location as the store reads it: "sqlite://DIR" is "sqlite:DIR". */
static void
store_url(const char *given, char *out, size_t n)
{
    if (strncmp(given, "sqlite://", 9) == 0)
        snprintf(out, n, "sqlite:%s", given + 9);
    else if (strncmp(given, "postgres", 8) == 0 || strncmp(given, "sqlite:", 7) == 0)
        snprintf(out, n, "%s", given);
    else
        snprintf(out, n, "sqlite:%s", given);
}

/* The URL for messages: the password (user:PASSWORD@ or password=...) hidden. */
static void
redact(const char *url, char *out, size_t n)
{
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && colon && colon < at) /* scheme://user:PASSWORD@rest */
        snprintf(out, n, "%.*s:***%s", (int)(colon - url), url, at);
    else
        snprintf(out, n, "%s", url);
    char *pw = strstr(out, "password=");
    if (pw) { /* ...password=PASSWORD&rest */
        const char *end = strchr(pw, '&');
        char rest[512];
        snprintf(rest, sizeof rest, "%s", end ? end : "");
        snprintf(pw, n - (size_t)(pw - out), "password=***%s", rest);
    }
}

/* Print s as a JSON string. */
static void
json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* sol_store_migrate()'s before_commit: the node's signing key moves with its store. */
static int
move_key(void *ud, struct sol_store *from, struct sol_store *to, struct sol_error *err)
{
    (void)ud;
    return sol_sign_key_move(from, to, err);
}

int
cli_cmd_migrate(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
            from = argv[++i];
        } else if (strncmp(argv[i], "--from=", 7) == 0) {
            from = argv[i] + 7;
        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            to = argv[++i];
        } else if (strncmp(argv[i], "--to=", 5) == 0) {
            to = argv[i] + 5;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else {
            return cli_usage("migrate", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!from)
        from = cli_globals.data_dir;
    if (!to || !*to)
        return cli_usage("migrate", "--to: say which store to move to");
    char from_url[1100], to_url[1100], shown_from[1100], shown_to[1100];
    store_url(from, from_url, sizeof from_url);
    store_url(to, to_url, sizeof to_url);
    redact(from_url, shown_from, sizeof shown_from);
    redact(to_url, shown_to, sizeof shown_to);
    if (strcmp(from_url, to_url) == 0)
        return cli_usage("migrate", "--from and --to name the same store");
    if (!sol_store_exists(from_url)) {
        cli_error("migrate", "%s: no node here", shown_from);
        return CLI_ERR;
    }
    /* What the move writes in files (a SQLite target, the signing key) is owner-only. */
    umask(077);

    struct sol_migrate_options o = {.force = force, .before_commit = move_key};
    struct sol_migrate_report rep;
    struct sol_error err;
    sol_error_clear(&err);
    if (sol_store_migrate(from_url, to_url, &o, &rep, &err) != 0) {
        cli_error("migrate", "%s: %s; nothing was moved", shown_to, err.msg);
        return CLI_ERR;
    }
    int64_t objects = 0;
    for (size_t t = 0; t < rep.n_tables; t++)
        if (strcmp(rep.tables[t].name, "objects") == 0)
            objects = rep.tables[t].rows;
    if (cli_globals.json) {
        fputs("{\"from\":", stdout);
        json_string(shown_from);
        fputs(",\"to\":", stdout);
        json_string(shown_to);
        fputs(",\"tables\":{", stdout);
        for (size_t t = 0; t < rep.n_tables; t++)
            printf("%s\"%s\":%lld", t ? "," : "", rep.tables[t].name,
                   (long long)rep.tables[t].rows);
        printf("},\"objects_verified\":%lld,\"rows_verified\":%lld}\n",
               (long long)rep.objects_verified, (long long)rep.rows_verified);
    } else if (!cli_globals.quiet) {
        printf("moved %s to %s\n", shown_from, shown_to);
        for (size_t t = 0; t < rep.n_tables; t++)
            printf("  %-15s %lld\n", rep.tables[t].name, (long long)rep.tables[t].rows);
        printf("verified: %lld of %lld object versions identical, and %lld rows of every table "
               "(every column compared)\n",
               (long long)rep.objects_verified, (long long)objects, (long long)rep.rows_verified);
    }
    return CLI_OK;
}
