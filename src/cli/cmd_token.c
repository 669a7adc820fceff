/*
 * cmd_token.c — solidarity token: API tokens for the TAXII server.
 *
 *   solidarity token issue USER [--name NAME]   prints the token, once
 *   solidarity token list [USER]
 *   solidarity token revoke ID
 *
 * A token is "sol_" and 43 base64url characters (256 random bits); the store keeps
 * only its hash, so a lost token cannot be shown again: revoke it and issue another.
 * Clients send it as "Authorization: Bearer TOKEN" or "Authorization: Token TOKEN".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/access.h"
#include "solidarity/json.h"

static void
help(FILE *f)
{
    fprintf(
        f,
        "usage: solidarity token issue USER [--name NAME]\n"
        "       solidarity token list [USER]\n"
        "       solidarity token revoke ID\n\n"
        "API tokens let programs (taxii2-client, OpenCTI, MISP) act as a user. 'issue'\n"
        "prints the new token alone on standard output; it is stored only as a hash and\n"
        "cannot be shown again. Clients send it as 'Authorization: Bearer TOKEN' (or 'Token').\n\n"
        "exit status: 0 done, 1 no such user or token, 2 usage or store error.\n");
}

static int
failed(struct sol_store *s, const char *what, int rc)
{
    if (rc == SOL_ENOTFOUND) {
        cli_error("token", "%s: not found", what);
        return CLI_NO;
    }
    cli_error("token", "%s: %s (%s)", what, sol_strerror(rc), sol_store_errmsg(s));
    return CLI_ERR;
}

static int
issue(struct sol_store *s, int argc, char **argv)
{
    if (argc < 3)
        return cli_usage("token", "issue: for which user?");
    const char *user = argv[2], *name = NULL;
    for (int i = 3; i < argc; i++) {
        int r = cli_opt_value("token", argv, argc, &i, "--name", &name);
        if (r < 0)
            return CLI_ERR;
        if (r == 0)
            return cli_usage("token", "unexpected argument '%s'", argv[i]);
    }
    struct sol_user u;
    int rc = sol_store_user_get(s, user, &u);
    if (rc != 0)
        return failed(s, user, rc);
    char token[SOL_TOKEN_LEN + 1];
    int64_t id = 0;
    rc = sol_store_begin(s);
    if (rc == 0)
        rc = sol_access_token_issue(s, u.id, name, token, &id);
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    struct sol_buf d;
    sol_buf_init(&d);
    rc = cli_audited("token", s, "token.issue", user,
                     cli_details(&d, "token_id", ids, "name", name, CLI_END), rc);
    sol_buf_free(&d);
    sol_user_clear(&u);
    if (rc != 0)
        return failed(s, user, rc);
    if (!cli_globals.quiet)
        fprintf(stderr, "token %lld for %s (shown only now; keep it safe):\n", (long long)id, user);
    printf("%s\n", token);
    return CLI_OK;
}

static int
list(struct sol_store *s, int argc, char **argv)
{
    int64_t uid = 0;
    if (argc > 3)
        return cli_usage("token", "list: at most one user");
    if (argc == 3) {
        struct sol_user u;
        int rc = sol_store_user_get(s, argv[2], &u);
        if (rc != 0)
            return failed(s, argv[2], rc);
        uid = u.id;
        sol_user_clear(&u);
    }
    struct sol_token *v;
    size_t n;
    int rc = sol_store_token_list(s, uid, &v, &n);
    if (rc != 0)
        return failed(s, "tokens", rc);
    struct sol_buf b;
    sol_buf_init(&b);
    struct sol_json_writer w;
    sol_jw_init(&w, &b, false);
    sol_jw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        char created[40], used[40];
        cli_time(v[i].created, created);
        cli_time(v[i].last_used, used);
        if (cli_globals.json) {
            sol_jw_object_begin(&w);
            sol_jw_key(&w, "id");
            sol_jw_int(&w, v[i].id);
            sol_jw_key(&w, "user");
            sol_jw_string(&w, v[i].user_name);
            sol_jw_key(&w, "name");
            if (v[i].name)
                sol_jw_string(&w, v[i].name);
            else
                sol_jw_null(&w);
            sol_jw_key(&w, "created");
            sol_jw_string(&w, created);
            sol_jw_key(&w, "last_used");
            if (v[i].last_used)
                sol_jw_string(&w, used);
            else
                sol_jw_null(&w);
            sol_jw_key(&w, "revoked");
            sol_jw_bool(&w, v[i].revoked);
            sol_jw_object_end(&w);
        } else {
            printf("%-5lld %-16s %-16s %-20s %-20s %s\n", (long long)v[i].id, v[i].user_name,
                   v[i].name ? v[i].name : "-", created, used, v[i].revoked ? "revoked" : "active");
        }
    }
    sol_jw_array_end(&w);
    if (cli_globals.json)
        printf("%s\n", b.p);
    sol_buf_free(&b);
    sol_token_list_free(v, n);
    return CLI_OK;
}

static int
revoke(struct sol_store *s, int argc, char **argv)
{
    if (argc != 3)
        return cli_usage("token",
                         "revoke: name exactly one token id (see 'solidarity token list')");
    char *end;
    long long id = strtoll(argv[2], &end, 10);
    if (*end || end == argv[2] || id <= 0)
        return cli_usage("token", "revoke: '%s' is not a token id", argv[2]);
    int rc = sol_store_begin(s);
    if (rc == 0)
        rc = sol_store_token_revoke(s, id);
    rc = cli_audited("token", s, "token.revoke", argv[2], NULL, rc);
    if (rc != 0) {
        char what[64];
        snprintf(what, sizeof what, "token %s", argv[2]);
        return failed(s, what, rc);
    }
    return CLI_OK;
}

/* cli.h: solidarity token (see the top of this file). */
int
cli_cmd_token(int argc, char **argv)
{
    if (argc < 2) {
        help(stderr);
        return CLI_ERR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help(stdout);
        return CLI_OK;
    }
    int (*action)(struct sol_store *, int, char **) = NULL;
    if (strcmp(argv[1], "issue") == 0)
        action = issue;
    else if (strcmp(argv[1], "list") == 0)
        action = list;
    else if (strcmp(argv[1], "revoke") == 0)
        action = revoke;
    else
        return cli_usage("token", "unknown action '%s' (issue, list, revoke)", argv[1]);
    struct sol_store *s;
    if (cli_open_store("token", &s) != CLI_OK)
        return CLI_ERR;
    int rc = action(s, argc, argv);
    sol_store_close(s);
    return rc;
}
