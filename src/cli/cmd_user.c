/*
 * cmd_user.c — solidarity user: the people (and programs) who log in, and the partners
 * (organisations) they belong to.
 *
 *   solidarity user add NAME --partner P [--clearance TLP] [--admin] [--password-stdin]
 *   solidarity user set NAME [--clearance TLP] [--admin | --no-admin] [--password-stdin]
 *   solidarity user list [--partner P]
 *   solidarity user remove NAME
 *   solidarity user partner add NAME [--identity identity--UUID]
 *   solidarity user partner list
 *   solidarity user partner remove NAME
 *
 * Partners live under `user` because a partner is where users belong; a user's
 * clearance (default green) is the highest TLP they may see. Every change is audited,
 * in the same transaction as the change itself.
 */
#include <stdio.h>
#include <string.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/access.h"
#include "solidarity/alloc.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"

static void
help(FILE *f)
{
    fprintf(
        f, "usage: solidarity user add NAME --partner P [--clearance TLP] [--admin] "
           "[--password-stdin]\n"
           "       solidarity user set NAME [--clearance TLP] [--admin | --no-admin] "
           "[--password-stdin]\n"
           "       solidarity user list [--partner P]\n"
           "       solidarity user remove NAME\n"
           "       solidarity user partner add NAME [--identity identity--UUID]\n"
           "       solidarity user partner list\n"
           "       solidarity user partner remove NAME\n\n"
           "Users log in to the TAXII server (with a password or an API token: see 'solidarity\n"
           "token'). Each belongs to a partner, an organisation with a STIX identity. TLP is\n"
           "clear, green, amber, amber+strict or red: the highest a user may see (default green).\n"
           "Admins may read and write every collection.\n\n"
           "exit status: 0 done, 1 no such user or partner, 2 usage or store error.\n");
}

static int
store_failed(struct sol_store *s, const char *what, int rc)
{
    if (rc == SOL_ENOTFOUND) {
        cli_error("user", "%s: not found", what);
        return CLI_NO;
    }
    if (rc == SOL_EEXISTS) {
        cli_error("user", "%s: already exists", what);
        return CLI_ERR;
    }
    cli_error("user", "%s: %s (%s)", what, sol_strerror(rc), sol_store_errmsg(s));
    return CLI_ERR;
}

static int
partner_cmd(struct sol_store *s, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("user", "partner: say add, list or remove");
    const char *verb = argv[1];
    if (strcmp(verb, "list") == 0) {
        struct sol_partner *v;
        size_t n;
        int rc = sol_store_partner_list(s, &v, &n);
        if (rc != 0)
            return store_failed(s, "partners", rc);
        if (cli_globals.json) {
            struct sol_buf b;
            sol_buf_init(&b);
            struct sol_json_writer w;
            sol_jw_init(&w, &b, false);
            sol_jw_array_begin(&w);
            for (size_t i = 0; i < n; i++) {
                sol_jw_object_begin(&w);
                sol_jw_key(&w, "name");
                sol_jw_string(&w, v[i].name);
                sol_jw_key(&w, "identity");
                sol_jw_string(&w, v[i].identity);
                sol_jw_object_end(&w);
            }
            sol_jw_array_end(&w);
            printf("%s\n", b.p);
            sol_buf_free(&b);
        } else {
            for (size_t i = 0; i < n; i++)
                printf("%-20s %s\n", v[i].name, v[i].identity);
        }
        sol_partner_list_free(v, n);
        return CLI_OK;
    }
    if (argc < 3)
        return cli_usage("user", "partner %s: which partner?", verb);
    const char *name = argv[2];
    if (strcmp(verb, "add") == 0) {
        const char *identity = NULL;
        for (int i = 3; i < argc; i++) {
            int r = cli_opt_value("user", argv, argc, &i, "--identity", &identity);
            if (r < 0)
                return CLI_ERR;
            if (r == 0)
                return cli_usage("user", "unexpected argument '%s'", argv[i]);
        }
        int rc = sol_store_begin(s);
        int64_t id = 0;
        if (rc == 0)
            rc = sol_store_partner_add(s, name, identity, &id);
        if (rc == SOL_EINVAL) {
            sol_store_rollback(s);
            return cli_usage("user", "--identity: '%s' is not an identity id (identity--UUID)",
                             identity);
        }
        struct sol_partner p = {0};
        if (rc == 0)
            rc = sol_store_partner_get_by_id(s, id, &p);
        struct sol_buf d;
        sol_buf_init(&d);
        rc = cli_audited("user", s, "partner.add", name,
                         cli_details(&d, "identity", p.identity, CLI_END), rc);
        sol_buf_free(&d);
        if (rc != 0) {
            sol_partner_clear(&p);
            return store_failed(s, name, rc);
        }
        printf("%s\n", p.identity);
        sol_partner_clear(&p);
        return CLI_OK;
    }
    if (strcmp(verb, "remove") == 0) {
        if (argc > 3)
            return cli_usage("user", "unexpected argument '%s'", argv[3]);
        int rc = sol_store_begin(s);
        if (rc == 0)
            rc = sol_store_partner_delete(s, name);
        rc = cli_audited("user", s, "partner.remove", name, NULL, rc);
        if (rc == SOL_ECONFLICT) {
            cli_error("user", "%s: the partner still has users; remove them first", name);
            return CLI_ERR;
        }
        return rc ? store_failed(s, name, rc) : CLI_OK;
    }
    return cli_usage("user", "partner: unknown action '%s'", verb);
}

static int
list_users(struct sol_store *s, int argc, char **argv)
{
    const char *partner = NULL;
    for (int i = 2; i < argc; i++) {
        int r = cli_opt_value("user", argv, argc, &i, "--partner", &partner);
        if (r < 0)
            return CLI_ERR;
        if (r == 0)
            return cli_usage("user", "unexpected argument '%s'", argv[i]);
    }
    int64_t pid = 0;
    if (partner) {
        struct sol_partner p;
        int rc = sol_store_partner_get(s, partner, &p);
        if (rc != 0)
            return store_failed(s, partner, rc);
        pid = p.id;
        sol_partner_clear(&p);
    }
    struct sol_user *v;
    size_t n;
    int rc = sol_store_user_list(s, pid, &v, &n);
    if (rc != 0)
        return store_failed(s, "users", rc);
    if (cli_globals.json) {
        struct sol_buf b;
        sol_buf_init(&b);
        struct sol_json_writer w;
        sol_jw_init(&w, &b, false);
        sol_jw_array_begin(&w);
        for (size_t i = 0; i < n; i++) {
            sol_jw_object_begin(&w);
            sol_jw_key(&w, "name");
            sol_jw_string(&w, v[i].name);
            sol_jw_key(&w, "partner");
            sol_jw_string(&w, v[i].partner_name);
            sol_jw_key(&w, "clearance");
            sol_jw_string(&w, sol_tlp_word((enum sol_tlp)v[i].clearance));
            sol_jw_key(&w, "admin");
            sol_jw_bool(&w, v[i].is_admin);
            sol_jw_key(&w, "password");
            sol_jw_bool(&w, v[i].password_hash != NULL);
            sol_jw_object_end(&w);
        }
        sol_jw_array_end(&w);
        printf("%s\n", b.p);
        sol_buf_free(&b);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%-20s %-20s %-13s%s\n", v[i].name, v[i].partner_name,
                   sol_tlp_word((enum sol_tlp)v[i].clearance), v[i].is_admin ? " admin" : "");
    }
    sol_user_list_free(v, n);
    return CLI_OK;
}

/* user add and user set. */
static int
add_or_set(struct sol_store *s, bool add, int argc, char **argv)
{
    if (argc < 3)
        return cli_usage("user", "%s: which user?", argv[1]);
    const char *name = argv[2], *partner = NULL, *clearance = NULL;
    int admin = -1; /* -1 unchanged */
    bool password_stdin = false;
    for (int i = 3; i < argc; i++) {
        int r;
        if ((add && (r = cli_opt_value("user", argv, argc, &i, "--partner", &partner)) != 0) ||
            (r = cli_opt_value("user", argv, argc, &i, "--clearance", &clearance)) != 0) {
            if (r < 0)
                return CLI_ERR;
        } else if (strcmp(argv[i], "--admin") == 0) {
            admin = 1;
        } else if (!add && strcmp(argv[i], "--no-admin") == 0) {
            admin = 0;
        } else if (strcmp(argv[i], "--password-stdin") == 0) {
            password_stdin = true;
        } else {
            return cli_usage("user", "unexpected argument '%s'", argv[i]);
        }
    }
    if (add && !partner)
        return cli_usage("user",
                         "add: --partner P is required (see 'solidarity user partner list')");
    if (!*name || strlen(name) > 100 || strchr(name, ':'))
        return cli_usage("user", "'%s': a user name has 1 to 100 characters and no ':'", name);
    int level = SOL_TLP_GREEN;
    if (clearance && cli_parse_tlp("user", "--clearance", clearance, &level) != CLI_OK)
        return CLI_ERR;
    char password[1024], hash[128];
    if (password_stdin) {
        if (cli_read_password("user", password, sizeof password) != CLI_OK)
            return CLI_ERR;
        int rc = sol_access_password_hash(password, hash);
        memset(password, 0, sizeof password);
        if (rc != 0) {
            cli_error("user", "cannot hash the password: %s", sol_strerror(rc));
            return CLI_ERR;
        }
    }
    int rc = sol_store_begin(s);
    if (rc != 0)
        return store_failed(s, name, rc);
    struct sol_buf d;
    sol_buf_init(&d);
    if (add) {
        struct sol_partner p;
        rc = sol_store_partner_get(s, partner, &p);
        if (rc != 0) {
            sol_store_rollback(s);
            if (rc == SOL_ENOTFOUND) {
                cli_error("user",
                          "%s: no such partner (add it with 'solidarity user partner add %s')",
                          partner, partner);
                return CLI_ERR;
            }
            return store_failed(s, partner, rc);
        }
        struct sol_user u = {.name = (char *)(uintptr_t)name,
                             .partner_id = p.id,
                             .clearance = level,
                             .is_admin = admin == 1,
                             .password_hash = password_stdin ? hash : NULL};
        rc = sol_store_user_add(s, &u, NULL);
        cli_details(&d, "partner", p.name, "clearance", sol_tlp_word((enum sol_tlp)level), "admin",
                    admin == 1 ? "yes" : "no", "password", password_stdin ? "set" : "none",
                    CLI_END);
        sol_partner_clear(&p);
    } else {
        struct sol_user u;
        rc = sol_store_user_get(s, name, &u);
        if (rc == 0) {
            if (clearance)
                u.clearance = level;
            if (admin >= 0)
                u.is_admin = admin == 1;
            sol_free(u.password_hash);
            u.password_hash = password_stdin ? sol_strdup(hash) : NULL;
            rc = sol_store_user_update(s, &u);
            cli_details(&d, "clearance", sol_tlp_word((enum sol_tlp)u.clearance), "admin",
                        u.is_admin ? "yes" : "no", "password", password_stdin ? "changed" : NULL,
                        CLI_END);
            sol_user_clear(&u);
        }
    }
    memset(hash, 0, sizeof hash);
    rc = cli_audited("user", s, add ? "user.add" : "user.set", name, d.p, rc);
    sol_buf_free(&d);
    return rc ? store_failed(s, name, rc) : CLI_OK;
}

/* cli.h: solidarity user and user partner (see the top of this file). */
int
cli_cmd_user(int argc, char **argv)
{
    if (argc < 2) {
        help(stderr);
        return CLI_ERR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help(stdout);
        return CLI_OK;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "add") != 0 && strcmp(verb, "set") != 0 && strcmp(verb, "list") != 0 &&
        strcmp(verb, "remove") != 0 && strcmp(verb, "partner") != 0)
        return cli_usage("user", "unknown action '%s' (add, set, list, remove, partner)", verb);
    struct sol_store *s;
    if (cli_open_store("user", &s) != CLI_OK)
        return CLI_ERR;
    int rc;
    if (strcmp(verb, "partner") == 0) {
        rc = partner_cmd(s, argc - 1, argv + 1);
    } else if (strcmp(verb, "list") == 0) {
        rc = list_users(s, argc, argv);
    } else if (strcmp(verb, "remove") == 0) {
        if (argc != 3) {
            rc = cli_usage("user", "remove: name exactly one user");
        } else {
            int r = sol_store_begin(s);
            if (r == 0)
                r = sol_store_user_delete(s, argv[2]);
            r = cli_audited("user", s, "user.remove", argv[2], NULL, r);
            rc = r ? store_failed(s, argv[2], r) : CLI_OK;
        }
    } else {
        rc = add_or_set(s, strcmp(verb, "add") == 0, argc, argv);
    }
    sol_store_close(s);
    return rc;
}
