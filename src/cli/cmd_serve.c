/*
 * cmd_serve.c — solidarity serve: the TAXII 2.1 server, the placeholder page, /healthz
 * and /metrics, until SIGINT or SIGTERM; and solidarity serve config: what discovery says,
 * kept in the node for every serve of it.
 *
 * Reads top to bottom: options, signals blocked (so the server's threads inherit the
 * mask and only this thread takes them), start, wait for a signal, stop (requests in
 * progress finish first).
 */
#include <stddef.h>
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

/*
 * The serve options that are also settings of the node (store.h): on the command line
 * they hold for this process; `serve config KEY VALUE` keeps them in the node, for every
 * serve of it (several on one PostgreSQL), read at each discovery. Every such option is
 * one row here, its flag --KEY, so that another source (a configuration file) is one more
 * place that reads this table.
 */
struct serve_setting {
    const char *key;     /* "public-url": the flag is --public-url */
    const char *setting; /* the node's setting */
    size_t field;        /* where it goes in struct sol_taxii_config */
    const char *what;    /* for --help */
};

static const struct serve_setting serve_settings[] = {
    {"public-url", SOL_SETTING_PUBLIC_URL, offsetof(struct sol_taxii_config, public_url),
     "the URL clients reach the node at (behind a reverse proxy): discovery lists\n"
     "                          absolute URLs under it"},
    {"title", SOL_SETTING_TAXII_TITLE, offsetof(struct sol_taxii_config, title),
     "discovery's title"},
    {"description", SOL_SETTING_TAXII_DESCRIPTION, offsetof(struct sol_taxii_config, description),
     "discovery's description"},
    {"contact", SOL_SETTING_TAXII_CONTACT, offsetof(struct sol_taxii_config, contact),
     "discovery's contact"},
};
#define N_SERVE_SETTINGS (sizeof serve_settings / sizeof serve_settings[0])

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: solidarity [--data DIR] [--quiet] serve [--listen ADDR:PORT]\n"
            "                  [--tls-cert FILE --tls-key FILE] [--allow-plain-http]\n"
            "                  [--threads N] [--private-discovery] [--public-url URL]\n"
            "                  [--title T] [--description D] [--contact C]\n"
            "       solidarity serve config [KEY [VALUE | --unset]]\n\n"
            "Serve TAXII 2.1 (discovery at /taxii2/), a placeholder page at /, /healthz and\n"
            "/metrics. The default address is %s; a non-loopback address needs TLS\n"
            "unless --allow-plain-http. One line per request goes to stderr unless --quiet.\n"
            "The first line on stdout is the server's URL. SIGINT or SIGTERM stops it.\n\n"
            "What discovery says, for this process (or, with 'serve config KEY VALUE', kept in\n"
            "the node for every serve of it; 'serve config' shows them):\n",
            SOL_HTTP_DEFAULT_LISTEN);
    for (size_t i = 0; i < N_SERVE_SETTINGS; i++)
        fprintf(f, "  --%-22s%s\n", serve_settings[i].key, serve_settings[i].what);
    fprintf(f, "The default API root is set with 'solidarity collection root default NAME'.\n");
}

static const struct serve_setting *
serve_setting_of(const char *key)
{
    for (size_t i = 0; i < N_SERVE_SETTINGS; i++)
        if (strcmp(serve_settings[i].key, key) == 0)
            return &serve_settings[i];
    return NULL;
}

/*
 * A value for setting k, checked as serve uses it (a public URL normalised into norm,
 * others copied); CLI_OK or a usage error naming where (how, "--public-url" or
 * "config public-url").
 */
static int
serve_setting_check(const struct serve_setting *k, const char *how, const char *value,
                    struct sol_buf *norm)
{
    if (strcmp(k->setting, SOL_SETTING_PUBLIC_URL) != 0 || !*value) {
        sol_buf_puts(norm, value);
        return CLI_OK;
    }
    struct sol_error err;
    sol_error_clear(&err);
    int rc = sol_taxii_public_url(value, norm, &err);
    return rc ? cli_usage("serve", "%s: %s", how, err.msg) : CLI_OK;
}

/* solidarity serve config [KEY [VALUE | --unset]] */
static int
serve_config(int argc, char **argv)
{
    const struct serve_setting *k = argc > 2 ? serve_setting_of(argv[2]) : NULL;
    if (argc > 2 && !k)
        return cli_usage("serve",
                         "config: unknown key '%s' (public-url, title, description, "
                         "contact)",
                         argv[2]);
    if (argc == 3 || argc > 4)
        return cli_usage("serve", "config %s: give a VALUE, or --unset", argv[2]);
    const char *value = argc == 4 ? argv[3] : NULL;
    if (value && strcmp(value, "--unset") == 0)
        value = "";
    struct sol_buf norm;
    sol_buf_init(&norm);
    char how[64];
    snprintf(how, sizeof how, "config %s", k ? k->key : "");
    if (k && value && serve_setting_check(k, how, value, &norm) != CLI_OK) {
        sol_buf_free(&norm);
        return CLI_ERR;
    }
    value = norm.p ? norm.p : "";
    struct sol_store *s = NULL;
    if (cli_open_store("serve", &s) != CLI_OK) {
        sol_buf_free(&norm);
        return CLI_ERR;
    }
    int rc = 0;
    if (!k) {
        struct sol_buf v;
        sol_buf_init(&v);
        for (size_t i = 0; i < N_SERVE_SETTINGS && (rc == 0 || rc == SOL_ENOTFOUND); i++) {
            sol_buf_reset(&v);
            rc = sol_store_setting_get(s, serve_settings[i].setting, &v);
            printf("%s\t%s\n", serve_settings[i].key, rc == 0 && v.p ? v.p : "");
        }
        sol_buf_reset(&v);
        rc = sol_store_default_api_root(s, &v);
        printf("default-api-root\t%s\n", rc == 0 && v.p ? v.p : "");
        sol_buf_free(&v);
        sol_buf_free(&norm);
        sol_store_close(s);
        return rc == 0 || rc == SOL_ENOTFOUND ? CLI_OK : CLI_ERR;
    }
    rc = sol_store_begin(s);
    if (rc == 0)
        rc = sol_store_setting_set(s, k->setting, value);
    struct sol_buf d;
    sol_buf_init(&d);
    rc = cli_audited("serve", s, "setting.set", k->setting,
                     cli_details(&d, "value", value, CLI_END), rc);
    sol_buf_free(&d);
    if (rc != 0)
        cli_error("serve", "config %s: %s (%s)", k->key, sol_strerror(rc), sol_store_errmsg(s));
    sol_buf_free(&norm);
    sol_store_close(s);
    return rc ? CLI_ERR : CLI_OK;
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
    if (argc > 1 && strcmp(argv[1], "config") == 0)
        return serve_config(argc, argv);
    struct sol_http_options o;
    memset(&o, 0, sizeof(o));
    o.quiet = cli_globals.quiet;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct serve_setting *k = strncmp(a, "--", 2) == 0 ? serve_setting_of(a + 2) : NULL;
        if (k) {
            const char *v = need_value(argc, argv, &i);
            if (!v)
                return cli_usage("serve", "--%s needs a value", k->key);
            char how[64];
            snprintf(how, sizeof how, "--%s", k->key);
            struct sol_buf norm;
            sol_buf_init(&norm);
            int crc = serve_setting_check(k, how, v, &norm);
            sol_buf_free(&norm); /* sol_taxii_server_new() normalises it again */
            if (crc != CLI_OK)
                return CLI_ERR;
            *(const char **)(void *)((char *)&o.taxii + k->field) = v;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
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
