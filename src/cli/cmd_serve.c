/*
 * cmd_serve.c — solidarity serve: the TAXII 2.1 server, the placeholder page, /healthz
 * and /metrics, until SIGINT or SIGTERM.
 *
 * Reads top to bottom: options, signals blocked (so the server's threads inherit the
 * mask and only this thread takes them), start, wait for a signal, stop (requests in
 * progress finish first).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/error.h"
#include "solidarity/http.h"
#include "solidarity/store.h"
#include "solidarity/sync.h"

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: solidarity [--data DIR] [--quiet] serve [--listen ADDR:PORT]\n"
            "                  [--tls-cert FILE --tls-key FILE] [--allow-plain-http]\n"
            "                  [--threads N] [--private-discovery]\n\n"
            "Serve TAXII 2.1 (discovery at /taxii2/), a placeholder page at /, /healthz and\n"
            "/metrics. The default address is %s; a non-loopback address needs TLS\n"
            "unless --allow-plain-http. One line per request goes to stderr unless --quiet.\n"
            "The first line on stdout is the server's URL. SIGINT or SIGTERM stops it.\n",
            SOL_HTTP_DEFAULT_LISTEN);
}

static const char *
need_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

int
cli_cmd_serve(int argc, char **argv)
{
    struct sol_http_options o;
    memset(&o, 0, sizeof(o));
    o.quiet = cli_globals.quiet;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--listen") == 0) {
            if (!(o.listen = need_value(argc, argv, &i)))
                return cli_usage("serve", "--listen needs ADDR:PORT");
        } else if (strcmp(a, "--tls-cert") == 0) {
            if (!(o.tls_cert = need_value(argc, argv, &i)))
                return cli_usage("serve", "--tls-cert needs a file");
        } else if (strcmp(a, "--tls-key") == 0) {
            if (!(o.tls_key = need_value(argc, argv, &i)))
                return cli_usage("serve", "--tls-key needs a file");
        } else if (strcmp(a, "--allow-plain-http") == 0) {
            o.allow_plain_http = true;
        } else if (strcmp(a, "--private-discovery") == 0) {
            o.taxii.private_discovery = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = true;
        } else if (strcmp(a, "--threads") == 0) {
            const char *v = need_value(argc, argv, &i);
            char *end = NULL;
            long n = v ? strtol(v, &end, 10) : 0;
            if (!v || *end || n < 1 || n > 64)
                return cli_usage("serve", "--threads needs a number from 1 to 64");
            o.threads = (unsigned)n;
        } else {
            return cli_usage("serve", "unknown argument '%s'", a);
        }
    }
    if (!o.tls_cert != !o.tls_key)
        return cli_usage("serve", "--tls-cert and --tls-key go together");
    if (!sol_store_exists(cli_globals.data_dir)) {
        cli_error("serve", "there is no node in %s (run 'solidarity init' first)",
                  cli_globals.data_dir);
        return CLI_ERR;
    }
    o.store_url = cli_globals.data_dir;
    /* A store other users may read is not served; what the server
     * writes (the database's journal, the signing key) is owner-only. */
    umask(077);
    if (cli_private_dir("serve", cli_globals.data_dir, false) != CLI_OK)
        return CLI_ERR;

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sol_http_server *srv = NULL;
    struct sol_error err;
    sol_error_clear(&err);
    if (sol_http_start(&o, &srv, &err) < 0) {
        cli_error("serve", "%s", err.msg);
        return CLI_ERR;
    }
    const char *listen = o.listen ? o.listen : SOL_HTTP_DEFAULT_LISTEN;
    const char *colon = strrchr(listen, ':');
    printf("%s://%.*s:%u/\n", sol_http_tls(srv) ? "https" : "http", (int)(colon - listen), listen,
           sol_http_port(srv));
    fflush(stdout);
    if (!o.quiet)
        fprintf(stderr, "solidarity: serve: TAXII 2.1 discovery at %s://%.*s:%u/taxii2/\n",
                sol_http_tls(srv) ? "https" : "http", (int)(colon - listen), listen,
                sol_http_port(srv));
    /* Federation: sync the peers added with --every in the background (sync.h). */
    struct sol_sync_thread *syncer = NULL;
    if (sol_sync_thread_start(o.store_url, cli_globals.data_dir, o.quiet, &syncer, &err) < 0)
        cli_error("serve", "background sync not started: %s", err.msg);
    int sig = 0;
    sigwait(&set, &sig);
    if (!o.quiet)
        fprintf(stderr, "solidarity: serve: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    sol_sync_thread_stop(syncer);
    sol_http_stop(srv);
    return CLI_OK;
}
