/*
 * cmd_grant.c — solidarity grant: who may read and write which collection.
 *
 *   solidarity grant read|write|readwrite COLLECTION (--partner P | --user U)
 *   solidarity grant revoke read|write|all COLLECTION (--partner P | --user U)
 *   solidarity grant list [COLLECTION]
 *
 * A grant to a partner counts for all its users; a user's rights are the union of
 * their own grants and their partner's. Admins need no grants. COLLECTION is an id or
 * an alias. Every change is audited.
 */
#include <stdio.h>
#include <string.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/alloc.h"
#include "solidarity/json.h"

static void
help(FILE *f)
{
    fprintf(f, "usage: solidarity grant read|write|readwrite COLLECTION (--partner P | --user U)\n"
               "       solidarity grant revoke read|write|all COLLECTION (--partner P | --user U)\n"
               "       solidarity grant list [COLLECTION]\n\n"
               "Grant or revoke reading (Get Objects, manifests, versions) and writing (Add and\n"
               "Delete Objects) on a collection, for every user of a partner or for one user.\n\n"
               "exit status: 0 done, 1 no such collection, partner, user or grant, 2 usage or\n"
               "store error.\n");
}

static int
failed(struct sol_store *s, const char *what, int rc)
{
    if (rc == SOL_ENOTFOUND) {
        cli_error("grant", "%s: not found", what);
        return CLI_NO;
    }
    cli_error("grant", "%s: %s (%s)", what, sol_strerror(rc), sol_store_errmsg(s));
    return CLI_ERR;
}

/* grant PERM COLLECTION ... and grant revoke PERM COLLECTION ... */
static int
change(struct sol_store *s, bool revoke, const char *perm, int argc, char **argv, int first)
{
    bool r = false, w = false;
    if (strcmp(perm, "read") == 0)
        r = true;
    else if (strcmp(perm, "write") == 0)
        w = true;
    else if (strcmp(perm, revoke ? "all" : "readwrite") == 0)
        r = w = true;
    else
        return cli_usage("grant", "'%s' is not read, write or %s", perm,
                         revoke ? "all" : "readwrite");
    const char *collection = NULL, *partner = NULL, *user = NULL;
    for (int i = first; i < argc; i++) {
        int k;
        if ((k = cli_opt_value("grant", argv, argc, &i, "--partner", &partner)) ||
            (k = cli_opt_value("grant", argv, argc, &i, "--user", &user))) {
            if (k < 0)
                return CLI_ERR;
        } else if (!collection && argv[i][0] != '-') {
            collection = argv[i];
        } else {
            return cli_usage("grant", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!collection)
        return cli_usage("grant", "which collection?");
    if (!partner == !user)
        return cli_usage("grant", "say either --partner P or --user U");
    struct sol_collection c;
    int rc = sol_store_collection_get(s, NULL, collection, &c);
    if (rc != 0)
        return failed(s, collection, rc);
    struct sol_grant g = {.collection = c.id, .can_read = r, .can_write = w};
    const char *who = partner ? partner : user;
    if (partner) {
        struct sol_partner p;
        rc = sol_store_partner_get(s, partner, &p);
        g.partner_id = p.id;
        if (rc == 0)
            sol_partner_clear(&p);
    } else {
        struct sol_user u;
        rc = sol_store_user_get(s, user, &u);
        g.user_id = u.id;
        if (rc == 0)
            sol_user_clear(&u);
    }
    if (rc != 0) {
        sol_collection_clear(&c);
        return failed(s, who, rc);
    }
    rc = sol_store_begin(s);
    if (rc == 0)
        rc = revoke ? sol_store_grant_remove(s, &g) : sol_store_grant_add(s, &g);
    struct sol_buf d;
    sol_buf_init(&d);
    rc = cli_audited("grant", s, revoke ? "grant.revoke" : "grant.add", c.id,
                     cli_details(&d, partner ? "partner" : "user", who, "read", r ? "yes" : NULL,
                                 "write", w ? "yes" : NULL, CLI_END),
                     rc);
    sol_buf_free(&d);
    if (rc == SOL_ENOTFOUND && revoke) {
        cli_error("grant", "%s has no grant on %s", who, collection);
        sol_collection_clear(&c);
        return CLI_NO;
    }
    sol_collection_clear(&c);
    return rc ? failed(s, collection, rc) : CLI_OK;
}

static int
list(struct sol_store *s, int argc, char **argv)
{
    if (argc > 3)
        return cli_usage("grant", "list: at most one collection");
    char *id = NULL;
    if (argc == 3) {
        struct sol_collection c;
        int rc = sol_store_collection_get(s, NULL, argv[2], &c);
        if (rc != 0)
            return failed(s, argv[2], rc);
        id = c.id;
        c.id = NULL;
        sol_collection_clear(&c);
    }
    struct sol_grant *v;
    size_t n;
    int rc = sol_store_grant_list(s, id, &v, &n);
    sol_free(id);
    if (rc != 0)
        return failed(s, "grants", rc);
    struct sol_buf b;
    sol_buf_init(&b);
    struct sol_json_writer w;
    sol_jw_init(&w, &b, false);
    sol_jw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        const char *kind = v[i].partner_id ? "partner" : "user";
        const char *who = v[i].partner_id ? v[i].partner_name : v[i].user_name;
        const char *perm = v[i].can_read && v[i].can_write ? "readwrite"
                           : v[i].can_read                 ? "read"
                                                           : "write";
        if (cli_globals.json) {
            sol_jw_object_begin(&w);
            sol_jw_key(&w, "collection");
            sol_jw_string(&w, v[i].collection);
            sol_jw_key(&w, kind);
            sol_jw_string(&w, who ? who : "?");
            sol_jw_key(&w, "read");
            sol_jw_bool(&w, v[i].can_read);
            sol_jw_key(&w, "write");
            sol_jw_bool(&w, v[i].can_write);
            sol_jw_object_end(&w);
        } else {
            printf("%s %-9s %-7s %s\n", v[i].collection, perm, kind, who ? who : "?");
        }
    }
    sol_jw_array_end(&w);
    if (cli_globals.json)
        printf("%s\n", b.p);
    sol_buf_free(&b);
    sol_grant_list_free(v, n);
    return CLI_OK;
}

/* cli.h: solidarity grant (see the top of this file). */
int
cli_cmd_grant(int argc, char **argv)
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
    bool is_list = strcmp(verb, "list") == 0, is_revoke = strcmp(verb, "revoke") == 0;
    if (!is_list && !is_revoke && strcmp(verb, "read") != 0 && strcmp(verb, "write") != 0 &&
        strcmp(verb, "readwrite") != 0)
        return cli_usage("grant", "unknown action '%s' (read, write, readwrite, revoke, list)",
                         verb);
    if (is_revoke && argc < 3)
        return cli_usage("grant", "revoke: read, write or all?");
    struct sol_store *s;
    if (cli_open_store("grant", &s) != CLI_OK)
        return CLI_ERR;
    int rc;
    if (is_list)
        rc = list(s, argc, argv);
    else if (is_revoke)
        rc = change(s, true, argv[2], argc, argv, 3);
    else
        rc = change(s, false, verb, argc, argv, 2);
    sol_store_close(s);
    return rc;
}
