/*
 * cmd_serve.c — solidarity serve: the TAXII 2.1 server, the placeholder page, /healthz
 * and /metrics, until SIGINT or SIGTERM; and solidarity serve config: what discovery says,
 * kept in the node for every serve of it.
 *
 * cli_cmd_serve() reads top to bottom: the options (built-in defaults, then the
 * configuration file, then the command line), signals blocked (so that every thread
 * inherits the mask and only the main thread takes them), the log, the port bound and the
 * TLS key read while still root, privileges dropped, the process confined, the server
 * and the background jobs started, then the loop: SIGHUP reloads the configuration and
 * reopens the log, SIGINT or SIGTERM stop (requests in progress finish first, for up to
 * stop-timeout seconds).
 *
 * Background jobs (the syncer; any job serve runs on a schedule) start in jobs_start()
 * and stop in jobs_stop(), and nowhere else.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/alloc.h"
#include "solidarity/conf.h"
#include "solidarity/error.h"
#include "solidarity/http.h"
#include "solidarity/log.h"
#include "solidarity/sandbox.h"
#include "solidarity/store.h"
#include "solidarity/sync.h"

/* Where the configuration file is looked for when --config does not say. */
#define CONF_NAME    "solidarity.conf"
#define CONF_SYSTEM  "/etc/solidarity/solidarity.conf"
#define DEFAULT_USER "solidarity"

/* Everything serve is told: each field is set by a row of serve_options below. */
struct serve_conf {
    struct sol_http_options http;
    const char *user;
    bool sandbox;
    const char *log;
    const char *log_format;
    char set[64];      /* which rows were set, and where: 0 default, 'f' file, 'a' argv */
    unsigned line[64]; /* the file's line of a row set there */
    char **owned;      /* strings read from the file, freed with the conf */
    size_t n_owned;
};

enum option_kind { OPT_STRING, OPT_BOOL, OPT_UINT, OPT_CHOICE };
enum option_when { AT_START, ON_RELOAD };

/*
 * Every serve option is one row: its flag is --KEY (a boolean's also --no-KEY), its line
 * in solidarity.conf is "KEY VALUE", and when it is also a setting of the node (store.h),
 * `serve config KEY VALUE` keeps it there for every serve of the node, read at each
 * discovery. The command line, the configuration file, --help and `serve config` all
 * read this table; solidarity.conf(5) documents it row for row.
 */
struct serve_option {
    const char *key;
    enum option_kind kind;
    size_t field; /* offset in struct serve_conf */
    unsigned min, max;
    const char *choices; /* OPT_CHOICE: "a|b" */
    const char *setting; /* the node's setting, or NULL */
    enum option_when when;
    const char *arg; /* for --help */
    const char *what;
};

#define F(m) offsetof(struct serve_conf, m)

static const struct serve_option serve_options[] = {
    {"listen", OPT_STRING, F(http.listen), 0, 0, NULL, NULL, AT_START, "ADDR:PORT",
     "where to listen (default " SOL_HTTP_DEFAULT_LISTEN ")"},
    {"tls-cert", OPT_STRING, F(http.tls_cert), 0, 0, NULL, NULL, AT_START, "FILE",
     "TLS certificate chain (PEM), with tls-key"},
    {"tls-key", OPT_STRING, F(http.tls_key), 0, 0, NULL, NULL, AT_START, "FILE",
     "its private key (PEM), read before privileges are dropped"},
    {"allow-plain-http", OPT_BOOL, F(http.allow_plain_http), 0, 0, NULL, NULL, AT_START, NULL,
     "serve plain HTTP on a non-loopback address"},
    {"threads", OPT_UINT, F(http.threads), 1, 64, NULL, NULL, AT_START, "N",
     "threads answering requests (default 2)"},
    {"user", OPT_STRING, F(user), 0, 0, NULL, NULL, AT_START, "USER",
     "started as root, run as USER (default $SOLIDARITY_USER, else " DEFAULT_USER ")"},
    {"sandbox", OPT_BOOL, F(sandbox), 0, 0, NULL, NULL, AT_START, NULL,
     "confine the server: Landlock and seccomp (default yes)"},
    {"private-discovery", OPT_BOOL, F(http.taxii.private_discovery), 0, 0, NULL, NULL, ON_RELOAD,
     NULL, "discovery needs credentials too"},
    {"public-url", OPT_STRING, F(http.taxii.public_url), 0, 0, NULL, SOL_SETTING_PUBLIC_URL,
     ON_RELOAD, "URL", "the URL clients reach the node at: discovery lists absolute URLs"},
    {"title", OPT_STRING, F(http.taxii.title), 0, 0, NULL, SOL_SETTING_TAXII_TITLE, ON_RELOAD,
     "TEXT", "discovery's title"},
    {"description", OPT_STRING, F(http.taxii.description), 0, 0, NULL,
     SOL_SETTING_TAXII_DESCRIPTION, ON_RELOAD, "TEXT", "discovery's description"},
    {"contact", OPT_STRING, F(http.taxii.contact), 0, 0, NULL, SOL_SETTING_TAXII_CONTACT, ON_RELOAD,
     "TEXT", "discovery's contact"},
    {"log", OPT_STRING, F(log), 0, 0, NULL, NULL, ON_RELOAD, "FILE",
     "append the log to FILE, reopened on SIGHUP (default stderr)"},
    {"log-format", OPT_CHOICE, F(log_format), 0, 0, "text|json", NULL, ON_RELOAD, "text|json",
     "lines for a person, or JSON lines for a SIEM"},
    {"quiet", OPT_BOOL, F(http.quiet), 0, 0, NULL, NULL, ON_RELOAD, NULL,
     "no log line per request"},
    {"max-connections", OPT_UINT, F(http.max_connections), 8, 1000000, NULL, NULL, ON_RELOAD, "N",
     "connections at once (default 1024)"},
    {"per-address-connections", OPT_UINT, F(http.per_ip_connections), 1, 1000000, NULL, NULL,
     ON_RELOAD, "N", "of them from one IPv4 address or IPv6 /64 (default 64)"},
    {"reserved-connections", OPT_UINT, F(http.reserved_connections), 1, 1000000, NULL, NULL,
     ON_RELOAD, "N", "of them kept for authenticated clients (default 64)"},
    {"header-timeout", OPT_UINT, F(http.header_timeout), 1, 3600, NULL, NULL, ON_RELOAD, "SECONDS",
     "for a request line and its headers (default 10)"},
    {"body-timeout", OPT_UINT, F(http.body_timeout), 1, 86400, NULL, NULL, ON_RELOAD, "SECONDS",
     "then a body must keep min-body-rate (default 30)"},
    {"min-body-rate", OPT_UINT, F(http.min_body_rate), 1, 1u << 30, NULL, NULL, ON_RELOAD, "BYTES",
     "per second, on average (default 16384)"},
    {"idle-timeout", OPT_UINT, F(http.timeout), 1, 3600, NULL, NULL, ON_RELOAD, "SECONDS",
     "a kept-alive connection waits for its next request (default 30)"},
    {"stop-timeout", OPT_UINT, F(http.stop_timeout), 1, 3600, NULL, NULL, ON_RELOAD, "SECONDS",
     "requests in progress may take at a stop (default 30)"},
};
#define N_OPTIONS (sizeof serve_options / sizeof serve_options[0])
_Static_assert(N_OPTIONS <= sizeof((struct serve_conf *)0)->set, "serve_conf.set is too small");

static void
usage(FILE *f)
{
    fprintf(f, "usage: solidarity [--data DIR] [--quiet] serve [--config FILE] [OPTION...]\n"
               "       solidarity serve config [KEY [VALUE | --unset]]\n\n"
               "Serve TAXII 2.1 (discovery at /taxii2/), a placeholder page at /, /healthz and\n"
               "/metrics. A non-loopback address needs TLS unless --allow-plain-http. The first\n"
               "line on stdout is the server's URL. SIGHUP reloads the configuration and reopens\n"
               "the log; SIGINT or SIGTERM stop after the requests in progress.\n\n"
               "Every option is also a line 'KEY VALUE' of the configuration file: --config FILE,\n"
               "else DIR/" CONF_NAME ", else " CONF_SYSTEM " (solidarity.conf(5));\n"
               "options given here override it. A yes/no option KEY is --KEY or --no-KEY.\n\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct serve_option *o = &serve_options[i];
        char flag[64];
        snprintf(flag, sizeof flag, "--%s%s%s", o->key, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(f, "  %-34s %s\n", flag, o->what);
    }
    fprintf(f, "\n'serve config KEY VALUE' keeps public-url, title, description and contact in\n"
               "the node, for every serve of it; 'serve config' shows them. The default API\n"
               "root is set with 'solidarity collection root default NAME'.\n");
}

static const struct serve_option *
option_of(const char *key)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(serve_options[i].key, key) == 0)
            return &serve_options[i];
    return NULL;
}

static void
conf_free(struct serve_conf *c)
{
    for (size_t i = 0; i < c->n_owned; i++)
        sol_free(c->owned[i]);
    sol_free(c->owned);
    c->owned = NULL;
    c->n_owned = 0;
}

/* Keep a copy of s for as long as c lives; NULL when out of memory. */
static const char *
conf_keep(struct serve_conf *c, const char *s)
{
    char **grown = sol_realloc(c->owned, (c->n_owned + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    c->owned = grown;
    char *copy = sol_strdup(s);
    if (copy)
        c->owned[c->n_owned++] = copy;
    return copy;
}

/*
 * A value for setting k, checked as serve uses it (a public URL normalised into norm,
 * others copied); 0 or SOL_ESYNTAX with err saying why.
 */
static int
setting_check(const struct serve_option *k, const char *value, struct sol_buf *norm,
              struct sol_error *err)
{
    if (!k->setting || strcmp(k->setting, SOL_SETTING_PUBLIC_URL) != 0 || !*value) {
        sol_buf_puts(norm, value);
        return 0;
    }
    return sol_taxii_public_url(value, norm, err);
}

/* Set option k of c to value (from the file when from_file: kept); 0 or an error in err. */
static int
option_set(struct serve_conf *c, const struct serve_option *k, const char *value, bool from_file,
           struct sol_error *err)
{
    void *field = (char *)c + k->field;
    switch (k->kind) {
    case OPT_BOOL:
        if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcasecmp(value, "on"))
            *(bool *)field = true;
        else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") ||
                 !strcasecmp(value, "off"))
            *(bool *)field = false;
        else
            return sol_error_set(err, SOL_ESYNTAX, "%s: '%s' is not yes or no", k->key, value);
        return 0;
    case OPT_UINT: {
        char *end = NULL;
        errno = 0;
        unsigned long long n = strtoull(value, &end, 10);
        if (!*value || *end || errno || *value == '-' || n < k->min || n > k->max)
            return sol_error_set(err, SOL_ESYNTAX, "%s: '%s' is not a number from %u to %u", k->key,
                                 value, k->min, k->max);
        *(unsigned *)field = (unsigned)n;
        return 0;
    }
    case OPT_CHOICE: {
        size_t n = strlen(value);
        const char *at = strstr(k->choices, value);
        if (!n || !at || (at != k->choices && at[-1] != '|') || (at[n] && at[n] != '|'))
            return sol_error_set(err, SOL_ESYNTAX, "%s: '%s' is not one of %s", k->key, value,
                                 k->choices);
        break;
    }
    case OPT_STRING:
        if (!*value)
            return sol_error_set(err, SOL_ESYNTAX, "%s: an empty value", k->key);
        if (k->setting) {
            struct sol_buf norm;
            sol_buf_init(&norm);
            int rc = setting_check(k, value, &norm, err);
            sol_buf_free(&norm); /* sol_taxii_server_new() normalises it again */
            if (rc < 0)
                return rc;
        }
        break;
    }
    const char *v = from_file ? conf_keep(c, value) : value;
    if (!v)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    *(const char **)field = v;
    return 0;
}

/* One line of the configuration file. */
static int
conf_line(void *ud, const char *key, const char *value, unsigned line, struct sol_error *err)
{
    struct serve_conf *c = ud;
    const struct serve_option *k = option_of(key);
    if (!k)
        return sol_error_set(err, SOL_ESYNTAX, "unknown key '%s' (see solidarity.conf(5))", key);
    size_t i = (size_t)(k - serve_options);
    if (c->set[i] == 'f')
        return sol_error_set(err, SOL_ESYNTAX, "%s is set twice (line %u and here)", key,
                             c->line[i]);
    int rc = option_set(c, k, value, true, err);
    if (rc == 0) {
        c->set[i] = 'f';
        c->line[i] = line;
    }
    return rc;
}

/* The directory of a store kept in files (NULL for PostgreSQL), into buf. */
static const char *
store_dir(const char *data, char *buf, size_t n)
{
    if (strncmp(data, "postgres", 8) == 0)
        return NULL;
    if (strncmp(data, "sqlite-file:", 12) == 0) {
        snprintf(buf, n, "%s", data + 12);
        char *slash = strrchr(buf, '/');
        if (!slash)
            snprintf(buf, n, ".");
        else
            *(slash == buf ? slash + 1 : slash) = '\0';
        return buf;
    }
    snprintf(buf, n, "%s", strncmp(data, "sqlite:", 7) == 0 ? data + 7 : data);
    return buf;
}

/* The configuration file to read: --config, else the data directory's, else /etc's. */
static const char *
conf_path(int argc, char **argv, char *buf, size_t n)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--config") == 0)
            return argv[i + 1];
    char dir[4096];
    if (store_dir(cli_globals.data_dir, dir, sizeof dir) &&
        strncmp(cli_globals.data_dir, "sqlite-file:", 12) != 0) {
        snprintf(buf, n, "%s/" CONF_NAME, dir);
        if (access(buf, F_OK) == 0)
            return buf;
    }
    return access(CONF_SYSTEM, F_OK) == 0 ? CONF_SYSTEM : NULL;
}

/*
 * The options: defaults, then the file at path (NULL: none), then the command line.
 * Returns CLI_OK, CLI_ERR after a usage error, or CLI_NO for --help (printed).
 */
static int
conf_load(int argc, char **argv, const char *path, struct serve_conf *c, bool running)
{
    memset(c, 0, sizeof *c);
    c->sandbox = true;
    c->log_format = "text";
    c->http.quiet = cli_globals.quiet;
    struct sol_error err;
    sol_error_clear(&err);
    if (path && sol_conf_read(path, conf_line, c, &err) < 0) {
        if (running) /* SIGHUP: the log, where the operator looks */
            sol_logger_msg(SOL_LOGGER_ERROR, "serve", "%s", err.msg);
        else
            cli_error("serve", "%s", err.msg);
        return CLI_ERR;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_NO;
        }
        if (strcmp(a, "--config") == 0) {
            if (++i >= argc)
                return cli_usage("serve", "--config needs a file");
            continue;
        }
        if (strcmp(a, "-q") == 0)
            a = "--quiet";
        if (strncmp(a, "--", 2) != 0)
            return cli_usage("serve", "unknown argument '%s'", a);
        char key[64];
        const char *eq = strchr(a + 2, '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)), a + 2);
        const struct serve_option *k = option_of(key);
        const char *value = eq ? eq + 1 : NULL;
        const struct serve_option *negated =
            strncmp(key, "no-", 3) == 0 ? option_of(key + 3) : NULL;
        if (!k && negated && negated->kind == OPT_BOOL && !value) {
            k = negated;
            value = "no";
        } else if (!k) {
            return cli_usage("serve", "unknown argument '%s'", a);
        } else if (!value && k->kind == OPT_BOOL) {
            value = "yes";
        } else if (!value) {
            if (++i >= argc)
                return cli_usage("serve", "--%s needs %s", k->key, k->arg);
            value = argv[i];
        }
        if (option_set(c, k, value, false, &err) < 0)
            return cli_usage("serve", "--%s", err.msg);
        c->set[k - serve_options] = 'a';
    }
    if (!c->http.tls_cert != !c->http.tls_key)
        return cli_usage("serve", "--tls-cert and --tls-key go together");
    return CLI_OK;
}

/* solidarity serve config [KEY [VALUE | --unset]] */
static int
serve_config(int argc, char **argv)
{
    const struct serve_option *k = argc > 2 ? option_of(argv[2]) : NULL;
    if (argc > 2 && (!k || !k->setting))
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
    struct sol_error err;
    sol_error_clear(&err);
    if (k && value && setting_check(k, value, &norm, &err) < 0) {
        sol_buf_free(&norm);
        return cli_usage("serve", "config %s: %s", k->key, err.msg);
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
        for (size_t i = 0; i < N_OPTIONS && (rc == 0 || rc == SOL_ENOTFOUND); i++) {
            if (!serve_options[i].setting)
                continue;
            sol_buf_reset(&v);
            rc = sol_store_setting_get(s, serve_options[i].setting, &v);
            printf("%s\t%s\n", serve_options[i].key, rc == 0 && v.p ? v.p : "");
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

/* Open the log the configuration names. */
static int
log_open(const struct serve_conf *c, struct sol_error *err)
{
    return sol_logger_open(
        c->log, strcmp(c->log_format, "json") == 0 ? SOL_LOGGER_JSON : SOL_LOGGER_TEXT, err);
}

/* Enough descriptors for every connection, the store and the log: up to the hard limit. */
static void
raise_fd_limit(unsigned connections)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)connections * 2 + 256;
    if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
        want = rl.rlim_max;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = want;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/*
 * Started as root: the user to become (NULL: stay root, said with --user root), with the
 * checks that it exists and owns the data directory. CLI_OK or CLI_ERR (said why).
 */
static int
user_to_be(const struct serve_conf *c, uid_t *uid, gid_t *gid, bool *drop)
{
    *drop = false;
    const char *env = getenv("SOLIDARITY_USER");
    const char *user = c->user ? c->user : env && *env ? env : DEFAULT_USER;
    if (geteuid() != 0) {
        if (c->user && strcmp(c->user, "root") != 0) {
            uid_t u;
            gid_t g;
            struct sol_error err;
            if (sol_sandbox_user(c->user, &u, &g, &err) < 0 || u != geteuid()) {
                cli_error("serve", "--user %s: only root can become another user", c->user);
                return CLI_ERR;
            }
        }
        return CLI_OK;
    }
    if (strcmp(user, "root") == 0 || strcmp(user, "0") == 0)
        return CLI_OK;
    struct sol_error err;
    sol_error_clear(&err);
    if (sol_sandbox_user(user, uid, gid, &err) < 0) {
        cli_error("serve",
                  "started as root, serve runs as '%s', and %s: create it (the package does), "
                  "or say which user with --user USER (--user root to stay root)",
                  user, err.msg);
        return CLI_ERR;
    }
    char dir[4096];
    struct stat sb;
    if (store_dir(cli_globals.data_dir, dir, sizeof dir) && stat(dir, &sb) == 0 &&
        sb.st_uid != *uid) {
        cli_error("serve",
                  "%s belongs to uid %u, not to %s, who serve runs as: 'chown -R %s %s', "
                  "or give --user",
                  dir, (unsigned)sb.st_uid, user, user, dir);
        return CLI_ERR;
    }
    *drop = true;
    return CLI_OK;
}

/*
 * Confine the process to the data directory, the log's directory and the configuration
 * file (read again on SIGHUP). Background jobs that read elsewhere add their paths here.
 */
static int
confine(const struct serve_conf *c, const char *config)
{
    char dir[4096];
    const char *writable[1], *logs[1], *readable[1];
    struct sol_sandbox sb = {writable, 0, logs, 0, readable, 0};
    if (store_dir(cli_globals.data_dir, dir, sizeof dir))
        writable[sb.n_writable++] = dir;
    if (c->log && strcmp(c->log, "-") != 0)
        logs[sb.n_log_files++] = c->log;
    if (config)
        readable[sb.n_readable++] = config;
    struct sol_sandbox_report rep;
    struct sol_error err;
    sol_error_clear(&err);
    if (sol_sandbox_confine(&sb, &rep, &err) < 0) {
        cli_error("serve", "cannot confine the server: %s (--no-sandbox runs it unconfined)",
                  err.msg);
        return CLI_ERR;
    }
    if (!c->http.quiet) {
        if (rep.landlock)
            sol_logger_msg(SOL_LOGGER_INFO, "serve",
                           "confined: files (Landlock ABI %d) and system calls (seccomp)",
                           rep.landlock_abi);
        else
            sol_logger_msg(SOL_LOGGER_WARNING, "serve",
                           "confined: system calls (seccomp) only; this kernel has no Landlock");
    }
    return CLI_OK;
}

/* The background jobs of serve: started after the sandbox, stopped before the server. */
struct jobs {
    struct sol_sync_thread *syncer;
};

static void
jobs_start(struct jobs *j, const struct serve_conf *c)
{
    struct sol_error err;
    sol_error_clear(&err);
    /* Federation: sync the peers added with --every in the background (sync.h). */
    if (sol_sync_thread_start(c->http.store_url, cli_globals.data_dir, c->http.quiet, &j->syncer,
                              &err) < 0)
        sol_logger_msg(SOL_LOGGER_ERROR, "serve", "background sync not started: %s", err.msg);
}

static void
jobs_stop(struct jobs *j)
{
    sol_sync_thread_stop(j->syncer);
    j->syncer = NULL;
}

/*
 * SIGHUP: read the configuration again (with the command line still over it), reopen the
 * log, apply what can change while running, and say what waits for a restart.
 */
static void
reload(struct sol_http_server *srv, int argc, char **argv, const char *config,
       struct serve_conf *cur)
{
    struct serve_conf next;
    if (conf_load(argc, argv, config, &next, true) != CLI_OK) {
        conf_free(&next);
        sol_logger_msg(SOL_LOGGER_ERROR, "serve", "SIGHUP: the configuration is unchanged");
        return;
    }
    next.http.store_url = cur->http.store_url;
    struct sol_error err;
    sol_error_clear(&err);
    bool same_log = (!cur->log == !next.log) && (!cur->log || strcmp(cur->log, next.log) == 0) &&
                    strcmp(cur->log_format, next.log_format) == 0;
    int rc = same_log ? sol_logger_reopen(&err) : log_open(&next, &err);
    if (rc < 0) {
        sol_logger_msg(SOL_LOGGER_ERROR, "serve", "SIGHUP: log: %s", err.msg);
        next.log = cur->log;
        next.log_format = cur->log_format;
    }
    if (sol_http_reload(srv, &next.http, &err) < 0) {
        sol_logger_msg(SOL_LOGGER_ERROR, "serve", "SIGHUP: %s; the configuration is unchanged",
                       err.msg);
        conf_free(&next);
        return;
    }
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct serve_option *k = &serve_options[i];
        if (k->when != AT_START)
            continue;
        const void *a = (const char *)cur + k->field, *b = (const char *)&next + k->field;
        bool same = k->kind == OPT_BOOL ? *(const bool *)a == *(const bool *)b
                    : k->kind == OPT_UINT
                        ? *(const unsigned *)a == *(const unsigned *)b
                        : (!*(const char *const *)a == !*(const char *const *)b &&
                           (!*(const char *const *)a ||
                            strcmp(*(const char *const *)a, *(const char *const *)b) == 0));
        if (!same)
            sol_logger_msg(SOL_LOGGER_WARNING, "serve",
                           "SIGHUP: %s changed; it takes effect at the next start", k->key);
    }
    /* What must not change under a running server stays as it started. */
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct serve_option *k = &serve_options[i];
        if (k->when == AT_START) {
            size_t sz = k->kind == OPT_BOOL   ? sizeof(bool)
                        : k->kind == OPT_UINT ? sizeof(unsigned)
                                              : sizeof(const char *);
            memcpy((char *)&next + k->field, (const char *)cur + k->field, sz);
        }
    }
    /* cur's strings may still be named by next (the start-only ones): keep them both. */
    char **owned = sol_realloc(next.owned, (next.n_owned + cur->n_owned) * sizeof *owned);
    if (owned) {
        memcpy(owned + next.n_owned, cur->owned, cur->n_owned * sizeof *owned);
        next.owned = owned;
        next.n_owned += cur->n_owned;
        sol_free(cur->owned);
        cur->owned = NULL;
        cur->n_owned = 0;
    }
    conf_free(cur);
    *cur = next;
    sol_logger_msg(SOL_LOGGER_INFO, "serve", "SIGHUP: configuration %s reloaded, log reopened",
                   config ? config : "(none)");
}

static double
seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int
cli_cmd_serve(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "config") == 0)
        return serve_config(argc, argv);
    char conf_buf[4200];
    const char *config = conf_path(argc, argv, conf_buf, sizeof conf_buf);
    struct serve_conf c;
    int rc = conf_load(argc, argv, config, &c, false);
    if (rc != CLI_OK) {
        conf_free(&c);
        return rc == CLI_NO ? CLI_OK : CLI_ERR;
    }
    if (!sol_store_exists(cli_globals.data_dir)) {
        cli_error("serve", "there is no node in %s (run 'solidarity init' first)",
                  cli_globals.data_dir);
        conf_free(&c);
        return CLI_ERR;
    }
    c.http.store_url = cli_globals.data_dir;
    /* A store other users may read is not served; what the server
     * writes (the database's journal, the signing key) is owner-only. */
    umask(077);
    if (cli_private_dir("serve", cli_globals.data_dir, false) != CLI_OK) {
        conf_free(&c);
        return CLI_ERR;
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sol_error err;
    sol_error_clear(&err);
    if (log_open(&c, &err) < 0) {
        cli_error("serve", "log: %s", err.msg);
        conf_free(&c);
        return CLI_ERR;
    }
    uid_t uid = 0;
    gid_t gid = 0;
    bool drop = false;
    struct sol_http_server *srv = NULL;
    rc = user_to_be(&c, &uid, &gid, &drop);
    if (rc == CLI_OK) {
        raise_fd_limit(c.http.max_connections ? c.http.max_connections : SOL_HTTP_MAX_CONNECTIONS);
        if (sol_http_listen(&c.http, &srv, &err) < 0) {
            cli_error("serve", "%s", err.msg);
            rc = CLI_ERR;
        }
    }
    if (rc == CLI_OK && drop && sol_sandbox_drop(uid, gid, &err) < 0) {
        cli_error("serve", "cannot drop root: %s", err.msg);
        rc = CLI_ERR;
    }
    if (rc == CLI_OK && c.sandbox)
        rc = confine(&c, config);
    if (rc == CLI_OK && sol_http_run(srv, &err) < 0) {
        cli_error("serve", "%s", err.msg);
        rc = CLI_ERR;
    }
    if (rc != CLI_OK) {
        sol_http_stop(srv);
        sol_logger_close();
        conf_free(&c);
        return rc;
    }
    const char *listen = c.http.listen ? c.http.listen : SOL_HTTP_DEFAULT_LISTEN;
    const char *colon = strrchr(listen, ':');
    const char *scheme = sol_http_tls(srv) ? "https" : "http";
    printf("%s://%.*s:%u/\n", scheme, (int)(colon - listen), listen, sol_http_port(srv));
    fflush(stdout);
    if (!c.http.quiet)
        sol_logger_msg(SOL_LOGGER_INFO, "serve", "TAXII 2.1 discovery at %s://%.*s:%u/taxii2/%s",
                       scheme, (int)(colon - listen), listen, sol_http_port(srv),
                       drop ? " (privileges dropped)" : "");
    struct jobs jobs = {0};
    jobs_start(&jobs, &c);

    int sig = 0;
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        reload(srv, argc, argv, config, &c);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!c.http.quiet)
        sol_logger_msg(SOL_LOGGER_INFO, "serve", "%s: stopping after the requests in progress",
                       sig == SIGINT ? "SIGINT" : "SIGTERM");
    jobs_stop(&jobs);
    unsigned cut = sol_http_stop(srv);
    if (cut)
        sol_logger_msg(SOL_LOGGER_WARNING, "serve",
                       "stopped after %.1f s: %u request%s cut by stop-timeout", seconds_since(&t0),
                       cut, cut == 1 ? "" : "s");
    else if (!c.http.quiet)
        sol_logger_msg(SOL_LOGGER_INFO, "serve", "stopped in %.2f s", seconds_since(&t0));
    sol_logger_close();
    conf_free(&c);
    return CLI_OK;
}
