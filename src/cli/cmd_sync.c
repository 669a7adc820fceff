/*
 * cmd_sync.c — solidarity sync [PEER]...: pull from and push to partner nodes now
 * (sync.h). Without PEER, every peer. Exit 0 when every sync succeeded, 2 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/json.h"
#include "solidarity/sync.h"

static void
usage(FILE *f)
{
    fputs("usage: solidarity sync [--max-pages N] [--reconcile] [--attempts N] [--progress]\n"
          "                       [PEER]...\n"
          "Pull from and push to partner nodes now (every peer when none is named).\n"
          "  --max-pages N   stop each pull after N pages (it resumes there next time)\n"
          "  --reconcile     check the partners' deletions now, whatever the interval\n"
          "  --attempts N    tries of a request on network errors, 5xx and 429 (default 6)\n"
          "  --progress      print a line on stdout as each page or envelope is committed\n",
          f);
}

static void
print_report(const char *name, const struct sol_sync_report *r, int rc)
{
    if (cli_globals.json) {
        struct sol_buf b;
        sol_buf_init(&b);
        struct sol_json_writer w;
        sol_jw_init(&w, &b, false);
        sol_jw_object_begin(&w);
        sol_jw_key(&w, "peer");
        sol_jw_string(&w, name);
        sol_jw_key(&w, "ok");
        sol_jw_bool(&w, rc == 0);
#define N(k) sol_jw_key(&w, #k), sol_jw_uint(&w, r->k)
        N(pages);
        N(pulled_stored);
        N(pulled_held);
        N(rejected);
        N(refused);
        N(quarantined);
        N(pushed);
        N(push_failed);
        N(envelopes);
        N(deleted);
        N(retries);
#undef N
        if (rc != 0) {
            sol_jw_key(&w, "error");
            sol_jw_string(&w, r->message);
        }
        sol_jw_object_end(&w);
        printf("%s\n", b.p ? b.p : "{}");
        sol_buf_free(&b);
        return;
    }
    if (rc != 0)
        cli_error("sync", "%s: %s", name, r->message);
    if (!cli_globals.quiet)
        printf("%s: %zu pages, %zu new, %zu held, %zu rejected, %zu refused, %zu quarantined, "
               "%zu deleted; %zu pushed, %zu refused by the peer\n",
               name, r->pages, r->pulled_stored, r->pulled_held, r->rejected, r->refused,
               r->quarantined, r->deleted, r->pushed, r->push_failed);
}

/* --progress: one line per durable step, flushed, so a watcher sees it at once. */
static void
progress(void *ud, const char *peer, const char *what, size_t n)
{
    (void)ud;
    printf("%s: %s committed (%zu objects)\n", peer,
           strcmp(what, "page") == 0 ? "page" : "envelope", n);
    fflush(stdout);
}

int
cli_cmd_sync(int argc, char **argv)
{
    struct sol_sync_options o;
    memset(&o, 0, sizeof o);
    o.data_dir = cli_globals.data_dir;
    o.quiet = cli_globals.quiet;
    int first_peer = argc;
    int n_named = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        int k;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--progress") == 0) {
            o.progress = progress;
        } else if (strcmp(a, "--reconcile") == 0) {
            o.force_reconcile = true;
        } else if ((k = cli_opt_value("sync", argv, argc, &i, "--max-pages", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 1)
                return cli_usage("sync", "--max-pages needs a positive number");
            o.max_pages = (size_t)n;
        } else if ((k = cli_opt_value("sync", argv, argc, &i, "--attempts", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 1 || n > 100)
                return cli_usage("sync", "--attempts needs a number from 1 to 100");
            o.max_attempts = (unsigned)n;
        } else if (a[0] == '-') {
            return cli_usage("sync", "unknown option '%s'", a);
        } else {
            if (first_peer == argc)
                first_peer = i;
            n_named++;
        }
    }
    struct sol_store *s = NULL;
    int rc = cli_open_store("sync", &s);
    if (rc != CLI_OK)
        return rc;
    struct sol_peer_config *all = NULL;
    size_t n_all = 0;
    struct sol_error err;
    sol_error_clear(&err);
    if (n_named == 0) {
        if (sol_peer_list(s, &all, &n_all, &err) != 0) {
            cli_error("sync", "%s", err.msg);
            sol_store_close(s);
            return CLI_ERR;
        }
        if (n_all == 0 && !cli_globals.quiet)
            fprintf(stderr, "solidarity: sync: no peers (add one with 'solidarity peer add')\n");
    }
    size_t n = n_named ? (size_t)n_named : n_all;
    int named_i = first_peer;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        if (n_named) {
            while (argv[named_i][0] == '-') {
                /* skip options and their values */
                if (strcmp(argv[named_i], "--max-pages") == 0 ||
                    strcmp(argv[named_i], "--attempts") == 0)
                    named_i++;
                named_i++;
            }
            name = argv[named_i++];
        } else {
            name = all[i].name;
        }
        struct sol_sync_report rep;
        sol_error_clear(&err);
        int r = sol_sync_peer(s, name, &o, &rep, &err);
        print_report(name, &rep, r);
        if (r != 0)
            rc = CLI_ERR;
    }
    sol_peer_config_list_free(all, n_all);
    sol_store_close(s);
    return rc;
}
