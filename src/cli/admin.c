/*
 * admin.c — helpers of the administration commands (admin.h).
 */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/admin.h"
#include "solidarity/alloc.h"
#include "cli/cli.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"

/* admin.h: open the node's store, or say why not. */
int
cli_open_store(const char *cmd, struct sol_store **out)
{
    *out = NULL;
    const char *dir = cli_globals.data_dir;
    if (!sol_store_exists(dir)) {
        cli_error(
            cmd,
            "%s: no node here (create one with 'solidarity init', or say where with --data DIR)",
            dir);
        return CLI_ERR;
    }
    struct sol_error err;
    int rc = sol_store_open(dir, out, &err);
    if (rc != 0) {
        cli_error(cmd, "%s", err.msg);
        return CLI_ERR;
    }
    return CLI_OK;
}

/* One entry of the data directory: fix its mode, or check it. */
static int
private_entry(const char *cmd, const char *path, bool fix, bool *bad)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        cli_error(cmd, "%s: %s", path, strerror(errno));
        return CLI_ERR;
    }
    if (S_ISLNK(sb.st_mode))
        return CLI_OK; /* the link's own mode means nothing; its target is not ours */
    mode_t want = S_ISDIR(sb.st_mode) ? 0700 : sb.st_mode & 0700;
    if (fix) {
        if ((sb.st_mode & 07777) != want && chmod(path, want) != 0) {
            cli_error(cmd, "%s: cannot make it owner-only: %s", path, strerror(errno));
            return CLI_ERR;
        }
    } else if (sb.st_mode & S_IRWXO) {
        cli_error(cmd,
                  "%s is open to other users (mode %04o): every object, TLP:RED included, and "
                  "the node's keys would be; refusing to serve it (make the data directory "
                  "owner-only: chmod -R go= DIR)",
                  path, (unsigned)(sb.st_mode & 07777));
        *bad = true;
    }
    if (!S_ISDIR(sb.st_mode))
        return CLI_OK;
    DIR *d = opendir(path);
    if (!d) {
        cli_error(cmd, "%s: %s", path, strerror(errno));
        return CLI_ERR;
    }
    int rc = CLI_OK;
    struct dirent *e;
    while (rc == CLI_OK && !*bad && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char sub[4096];
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub)
            continue;
        rc = private_entry(cmd, sub, fix, bad);
    }
    closedir(d);
    return rc;
}

/* admin.h: the data directory and everything in it, owner-only. */
int
cli_private_dir(const char *cmd, const char *data_dir, bool fix)
{
    if (strncmp(data_dir, "postgres", 8) == 0 || strncmp(data_dir, "sqlite-file:", 12) == 0)
        return CLI_OK;
    if (strncmp(data_dir, "sqlite:", 7) == 0)
        data_dir += 7;
    bool bad = false;
    int rc = private_entry(cmd, data_dir, fix, &bad);
    return rc == CLI_OK && bad ? CLI_ERR : rc;
}

/* admin.h: "local:<login>" for the audit log. */
const char *
cli_actor(void)
{
    static char actor[128];
    if (!actor[0]) {
        const char *name = getenv("USER");
        struct passwd *pw = getpwuid(getuid());
        if (pw && pw->pw_name)
            name = pw->pw_name;
        snprintf(actor, sizeof actor, "local:%s", name && *name ? name : "unknown");
    }
    return actor;
}

/* admin.h: "--name VALUE" and "--name=VALUE". */
int
cli_opt_value(const char *cmd, char **argv, int argc, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != 0)
        return 0;
    if (*i + 1 >= argc) {
        cli_usage(cmd, "%s needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

/* admin.h: a TLP word, or a usage error. */
int
cli_parse_tlp(const char *cmd, const char *option, const char *word, int *out)
{
    enum sol_tlp t;
    if (sol_tlp_parse(word, &t) != 0 || t == SOL_TLP_NONE) {
        cli_usage(cmd, "%s: '%s' is not a TLP level (clear, green, amber, amber+strict, red)",
                  option, word);
        return CLI_ERR;
    }
    *out = (int)t;
    return CLI_OK;
}

/* admin.h: one line of standard input. */
int
cli_read_password(const char *cmd, char *buf, size_t n)
{
    if (!fgets(buf, (int)n, stdin)) {
        cli_error(cmd, "no password on standard input");
        return CLI_ERR;
    }
    size_t len = strlen(buf);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = 0;
    if (!len) {
        cli_error(cmd, "the password is empty");
        return CLI_ERR;
    }
    return CLI_OK;
}

/* admin.h: a secret from a file, standard input or the environment. */
int
cli_read_secret(const char *cmd, const char *opt, const char *path, const char *env, char **out)
{
    *out = NULL;
    struct sol_buf b;
    sol_buf_init(&b);
    if (path) {
        struct sol_error err;
        sol_error_clear(&err);
        if (sol_read_file(path, 4096, &b, &err) != 0) {
            cli_error(cmd, "%s %s: %s", opt, path, err.msg);
            sol_buf_free(&b);
            return CLI_ERR;
        }
    } else {
        const char *v = getenv(env);
        if (!v)
            return CLI_OK;
        sol_buf_puts(&b, v);
    }
    size_t n = 0;
    while (n < b.n && b.p[n] != '\n' && b.p[n] != '\r')
        n++;
    if (n == 0 || b.oom) {
        cli_error(cmd, "%s: the secret is empty", path ? opt : env);
        sodium_memzero(b.p, b.cap);
        sol_buf_free(&b);
        return CLI_ERR;
    }
    *out = sol_strndup(b.p, n);
    sodium_memzero(b.p, b.cap);
    sol_buf_free(&b);
    if (!*out) {
        cli_error(cmd, "out of memory");
        return CLI_ERR;
    }
    return CLI_OK;
}

/* admin.h: RFC 3339 to the second, or "-". */
const char *
cli_time(long long t, char *buf)
{
    if (t == 0) {
        buf[0] = '-';
        buf[1] = 0;
        return buf;
    }
    sol_time_format((sol_time_t)t, 0, buf);
    return buf;
}

/* admin.h: an audit entry, with a message when it cannot be written. */
int
cli_audit(const char *cmd, struct sol_store *s, const char *action, const char *target,
          const char *details_json)
{
    int rc = sol_store_audit(s, cli_actor(), action, target, details_json);
    if (rc != 0)
        cli_error(cmd, "cannot write the audit log: %s", sol_store_errmsg(s));
    return rc;
}

/* admin.h: audit details as a JSON object of strings. */
const char *
cli_details(struct sol_buf *b, ...)
{
    sol_buf_reset(b);
    struct sol_json_writer w;
    sol_jw_init(&w, b, false);
    sol_jw_object_begin(&w);
    va_list ap;
    va_start(ap, b);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        if (!v)
            continue;
        sol_jw_key(&w, k);
        sol_jw_string(&w, v);
    }
    va_end(ap);
    sol_jw_object_end(&w);
    return b->oom ? "{}" : b->p;
}

/* admin.h: audit and commit a change, or roll it back. */
int
cli_audited(const char *cmd, struct sol_store *s, const char *action, const char *target,
            const char *details_json, int rc_of_change)
{
    if (rc_of_change != 0) {
        sol_store_rollback(s);
        return rc_of_change;
    }
    int rc = cli_audit(cmd, s, action, target, details_json);
    if (rc != 0) {
        sol_store_rollback(s);
        return rc;
    }
    return sol_store_commit(s);
}
