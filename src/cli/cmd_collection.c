/*
 * cmd_collection.c — solidarity collection: the TAXII collections of the node.
 *
 *   solidarity collection add [--id UUID] --title T [--description D] [--alias A]
 *                             [--api-root R] [--default-tlp TLP] [--unverified P]
 *   solidarity collection set ID|ALIAS --unverified refuse|quarantine
 *   solidarity collection list [--api-root R]
 *   solidarity collection remove ID|ALIAS [--api-root R]
 *   solidarity collection root add NAME --title T [--description D] [--max-content-length N]
 *   solidarity collection root list
 *   solidarity collection root remove NAME
 *   solidarity collection root default NAME
 *
 * --id mirrors a partner's collection under its own id; without it a new UUIDv4 is
 * made. The API root defaults to the node's default one (store.h), "intel" as `init`
 * makes it. default-tlp (default amber) is the TLP of objects that carry no TLP marking.
 * --unverified says what happens to objects whose provenance fails (ingest.h): refused
 * (the default) or kept in the collection's quarantine. Removing a collection removes its
 * objects and grants. Every change is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/stix.h"

static void
help(FILE *f)
{
    fprintf(f,
            "usage: solidarity collection add [--id UUID] --title T [--description D] [--alias A]\n"
            "                                 [--api-root R] [--default-tlp TLP]\n"
            "                                 [--unverified refuse|quarantine]\n"
            "       solidarity collection set ID|ALIAS --unverified refuse|quarantine\n"
            "       solidarity collection list [--api-root R]\n"
            "       solidarity collection remove ID|ALIAS [--api-root R]\n"
            "       solidarity collection root add NAME --title T [--description D]\n"
            "                                      [--max-content-length N]\n"
            "       solidarity collection root list\n"
            "       solidarity collection root remove NAME\n"
            "       solidarity collection root default NAME\n\n"
            "Collections hold STIX objects under an API root (default: the node's default\n"
            "root, 'intel' as init makes it, served at /intel/). --id gives an explicit UUID,\n"
            "to mirror a partner's collection. Objects without a TLP marking take the\n"
            "collection's --default-tlp (default amber).\n"
            "--unverified: what happens to objects whose provenance fails (a signature that\n"
            "fails, an object in another's name without their signature, a new version by\n"
            "someone other than its creator): refused (the default), or kept aside in the\n"
            "collection's quarantine ('quarantine-ALIAS', granted to no one, never scanned).\n"
            "'add' prints the new collection's id. Removing a collection deletes its objects.\n"
            "'root add' makes another API root, served at /NAME/ (max-content-length in bytes,\n"
            "default 100 MiB); 'root remove' removes one that holds no collection (intel\n"
            "too); 'root default' names the root TAXII discovery gives as default and\n"
            "'collection add' uses; 'root list' marks it with '*'.\n\n"
            "exit status: 0 done, 1 no such collection, 2 usage or store error.\n");
}

static int
failed(struct sol_store *s, const char *what, int rc)
{
    if (rc == SOL_ENOTFOUND) {
        cli_error("collection", "%s: not found", what);
        return CLI_NO;
    }
    cli_error("collection", "%s: %s (%s)", what, sol_strerror(rc), sol_store_errmsg(s));
    return CLI_ERR;
}

static int parse_unverified(const char *word, enum sol_sign_policy *out);

static int
add(struct sol_store *s, int argc, char **argv)
{
    const char *id = NULL, *title = NULL, *description = NULL, *alias = NULL;
    const char *root = NULL, *tlp = NULL, *unverified = NULL;
    for (int i = 2; i < argc; i++) {
        int r = 0;
        if ((r = cli_opt_value("collection", argv, argc, &i, "--id", &id)) ||
            (r = cli_opt_value("collection", argv, argc, &i, "--title", &title)) ||
            (r = cli_opt_value("collection", argv, argc, &i, "--description", &description)) ||
            (r = cli_opt_value("collection", argv, argc, &i, "--alias", &alias)) ||
            (r = cli_opt_value("collection", argv, argc, &i, "--api-root", &root)) ||
            (r = cli_opt_value("collection", argv, argc, &i, "--default-tlp", &tlp)) ||
            (r = cli_opt_value("collection", argv, argc, &i, "--unverified", &unverified))) {
            if (r < 0)
                return CLI_ERR;
        } else {
            return cli_usage("collection", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!title || !*title)
        return cli_usage("collection", "add: --title T is required");
    int level = SOL_TLP_AMBER;
    if (tlp && cli_parse_tlp("collection", "--default-tlp", tlp, &level) != CLI_OK)
        return CLI_ERR;
    enum sol_sign_policy policy = SOL_SIGN_REFUSE;
    if (unverified && parse_unverified(unverified, &policy) != CLI_OK)
        return CLI_ERR;
    char made[40];
    struct sol_uuid u;
    if (id) {
        /* TAXII 2.1 §5.2.1: a collection's id is a UUID. */
        if (sol_uuid_parse(id, strlen(id), &u) != 0 || strlen(id) != 36)
            return cli_usage("collection", "--id: '%s' is not a UUID", id);
        sol_uuid_format(&u, made); /* lower case, as TAXII writes them */
    } else {
        sol_uuid_v4(&u);
        sol_uuid_format(&u, made);
    }
    if (alias && !*alias)
        alias = NULL;
    char default_root[128];
    if (!root) {
        struct sol_buf def;
        sol_buf_init(&def);
        int drc = sol_store_default_api_root(s, &def);
        snprintf(default_root, sizeof default_root, "%s", def.p ? def.p : "");
        sol_buf_free(&def);
        if (drc == SOL_ENOTFOUND) {
            cli_error("collection", "the node has no API root: make one with 'collection root "
                                    "add NAME --title T'");
            return CLI_ERR;
        }
        if (drc != 0)
            return failed(s, "the default API root", drc);
        root = default_root;
    }
    struct sol_api_root r;
    int rc = sol_store_api_root_get(s, root, &r);
    if (rc != 0) {
        if (rc == SOL_ENOTFOUND) {
            cli_error("collection", "%s: no such API root", root);
            return CLI_ERR;
        }
        return failed(s, root, rc);
    }
    sol_api_root_clear(&r);
    struct sol_collection existing;
    if (sol_store_collection_get(s, NULL, made, &existing) == 0) {
        sol_collection_clear(&existing);
        cli_error("collection", "%s: a collection with this id exists already", made);
        return CLI_ERR;
    }
    struct sol_collection c = {.id = made,
                               .api_root = (char *)(uintptr_t)root,
                               .title = (char *)(uintptr_t)title,
                               .description = (char *)(uintptr_t)description,
                               .alias = (char *)(uintptr_t)alias,
                               .default_tlp = level};
    rc = sol_store_begin(s);
    if (rc == 0)
        rc = sol_store_collection_put(s, &c);
    struct sol_buf d;
    sol_buf_init(&d);
    rc = cli_audited("collection", s, "collection.add", made,
                     cli_details(&d, "api_root", root, "title", title, "alias", alias,
                                 "default_tlp", sol_tlp_word((enum sol_tlp)level), CLI_END),
                     rc);
    sol_buf_free(&d);
    if (rc == SOL_EEXISTS) {
        cli_error("collection", "%s: the alias is taken in API root %s", alias ? alias : made,
                  root);
        return CLI_ERR;
    }
    if (rc != 0)
        return failed(s, made, rc);
    if (policy == SOL_SIGN_QUARANTINE) {
        struct sol_error err;
        if (sol_collection_unverified_set(s, made, policy, cli_actor(), &err) != 0) {
            cli_error("collection", "%s", err.msg);
            return CLI_ERR;
        }
    }
    printf("%s\n", made);
    return CLI_OK;
}

/* --unverified refuse|quarantine */
static int
parse_unverified(const char *word, enum sol_sign_policy *out)
{
    if (sol_sign_policy_parse(word, out) != 0 || *out == SOL_SIGN_ACCEPT)
        return cli_usage("collection", "--unverified: '%s' is not refuse or quarantine", word);
    return CLI_OK;
}

/* collection set ID --unverified P */
static int
set(struct sol_store *s, int argc, char **argv)
{
    const char *name = NULL, *unverified = NULL;
    for (int i = 2; i < argc; i++) {
        int r = 0;
        if ((r = cli_opt_value("collection", argv, argc, &i, "--unverified", &unverified))) {
            if (r < 0)
                return CLI_ERR;
        } else if (!name && argv[i][0] != '-') {
            name = argv[i];
        } else {
            return cli_usage("collection", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!name || !unverified)
        return cli_usage("collection", "set: ID and --unverified refuse|quarantine are required");
    enum sol_sign_policy policy;
    if (parse_unverified(unverified, &policy) != CLI_OK)
        return CLI_ERR;
    struct sol_error err;
    int rc = sol_collection_unverified_set(s, name, policy, cli_actor(), &err);
    if (rc == SOL_ENOTFOUND)
        return failed(s, name, rc);
    if (rc != 0) {
        cli_error("collection", "%s", err.msg);
        return CLI_ERR;
    }
    return CLI_OK;
}

static int
list(struct sol_store *s, int argc, char **argv)
{
    const char *root = NULL;
    for (int i = 2; i < argc; i++) {
        int r = cli_opt_value("collection", argv, argc, &i, "--api-root", &root);
        if (r < 0)
            return CLI_ERR;
        if (r == 0)
            return cli_usage("collection", "unexpected argument '%s'", argv[i]);
    }
    struct sol_collection *v;
    size_t n;
    int rc = sol_store_collection_list(s, root, &v, &n);
    if (rc != 0)
        return failed(s, "collections", rc);
    struct sol_buf b;
    sol_buf_init(&b);
    struct sol_json_writer w;
    sol_jw_init(&w, &b, false);
    sol_jw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        int64_t count = 0;
        sol_store_collection_count(s, v[i].id, &count);
        if (cli_globals.json) {
            sol_jw_object_begin(&w);
            sol_jw_key(&w, "id");
            sol_jw_string(&w, v[i].id);
            sol_jw_key(&w, "api_root");
            sol_jw_string(&w, v[i].api_root);
            sol_jw_key(&w, "title");
            sol_jw_string(&w, v[i].title);
            if (v[i].description) {
                sol_jw_key(&w, "description");
                sol_jw_string(&w, v[i].description);
            }
            if (v[i].alias) {
                sol_jw_key(&w, "alias");
                sol_jw_string(&w, v[i].alias);
            }
            sol_jw_key(&w, "default_tlp");
            sol_jw_string(&w, sol_tlp_word((enum sol_tlp)v[i].default_tlp));
            sol_jw_key(&w, "objects");
            sol_jw_int(&w, count);
            sol_jw_object_end(&w);
        } else {
            printf("%s %-8s %-12s %-13s %8lld %s\n", v[i].id, v[i].api_root,
                   v[i].alias ? v[i].alias : "-", sol_tlp_word((enum sol_tlp)v[i].default_tlp),
                   (long long)count, v[i].title);
        }
    }
    sol_jw_array_end(&w);
    if (cli_globals.json)
        printf("%s\n", b.p);
    sol_buf_free(&b);
    sol_collection_list_free(v, n);
    return CLI_OK;
}

static int
remove_collection(struct sol_store *s, int argc, char **argv)
{
    const char *root = NULL, *which = NULL;
    for (int i = 2; i < argc; i++) {
        int r = cli_opt_value("collection", argv, argc, &i, "--api-root", &root);
        if (r < 0)
            return CLI_ERR;
        if (r == 0) {
            if (which)
                return cli_usage("collection", "unexpected argument '%s'", argv[i]);
            which = argv[i];
        }
    }
    if (!which)
        return cli_usage("collection", "remove: which collection?");
    struct sol_collection c;
    int rc = sol_store_collection_get(s, root, which, &c);
    if (rc != 0)
        return failed(s, which, rc);
    int64_t count = 0;
    sol_store_collection_count(s, c.id, &count);
    char counts[32];
    snprintf(counts, sizeof counts, "%lld", (long long)count);
    rc = sol_store_begin(s);
    if (rc == 0)
        rc = sol_store_collection_delete(s, c.api_root, c.id);
    struct sol_buf d;
    sol_buf_init(&d);
    rc = cli_audited("collection", s, "collection.remove", c.id,
                     cli_details(&d, "title", c.title, "objects", counts, CLI_END), rc);
    sol_buf_free(&d);
    sol_collection_clear(&c);
    return rc ? failed(s, which, rc) : CLI_OK;
}

/*
 * collection root remove NAME: an empty root goes (TAXII 2.1 §4.2 fixes no root, so the
 * "intel" of init may go too); collection root default NAME: the root discovery names.
 */
static int
api_root_remove_or_default(struct sol_store *s, const char *action, const char *name)
{
    struct sol_api_root r;
    int rc = sol_store_api_root_get(s, name, &r);
    if (rc == SOL_ENOTFOUND) {
        cli_error("collection", "%s: no such API root", name);
        return CLI_NO;
    }
    if (rc != 0)
        return failed(s, name, rc);
    sol_api_root_clear(&r);
    bool remove = strcmp(action, "remove") == 0;
    rc = sol_store_begin(s);
    if (rc == 0)
        rc = remove ? sol_store_api_root_delete(s, name)
                    : sol_store_setting_set(s, SOL_SETTING_DEFAULT_API_ROOT, name);
    if (rc == SOL_ECONFLICT) {
        sol_store_rollback(s);
        cli_error("collection",
                  "%s: the API root holds collections; remove them first ('collection list "
                  "--api-root %s')",
                  name, name);
        return CLI_ERR;
    }
    rc = cli_audited("collection", s, remove ? "api_root.remove" : "api_root.default", name, NULL,
                     rc);
    return rc ? failed(s, name, rc) : CLI_OK;
}

/* collection root add NAME --title T [...], list, remove NAME and default NAME. */
static int
api_root(struct sol_store *s, int argc, char **argv)
{
    if (argc < 3)
        return cli_usage("collection", "root: say add, list, remove or default");
    if (strcmp(argv[2], "list") == 0) {
        if (argc > 3)
            return cli_usage("collection", "unexpected argument '%s'", argv[3]);
        struct sol_api_root *v;
        size_t n;
        int rc = sol_store_api_root_list(s, &v, &n);
        if (rc != 0)
            return failed(s, "API roots", rc);
        struct sol_buf def;
        sol_buf_init(&def);
        (void)sol_store_default_api_root(s, &def);
        for (size_t i = 0; i < n; i++)
            printf("/%s/ %lld %s%s\n", v[i].name, (long long)v[i].max_content_length, v[i].title,
                   def.p && strcmp(def.p, v[i].name) == 0 ? " *" : "");
        sol_buf_free(&def);
        sol_api_root_list_free(v, n);
        return CLI_OK;
    }
    if (strcmp(argv[2], "remove") == 0 || strcmp(argv[2], "default") == 0) {
        if (argc != 4)
            return cli_usage("collection", "root %s takes one NAME", argv[2]);
        return api_root_remove_or_default(s, argv[2], argv[3]);
    }
    if (strcmp(argv[2], "add") != 0)
        return cli_usage("collection", "root: unknown action '%s' (add, list, remove, default)",
                         argv[2]);
    if (argc < 4)
        return cli_usage("collection", "root add: which name?");
    const char *name = argv[3], *title = NULL, *description = NULL, *max = NULL;
    for (int i = 4; i < argc; i++) {
        int r = 0;
        if ((r = cli_opt_value("collection", argv, argc, &i, "--title", &title)) ||
            (r = cli_opt_value("collection", argv, argc, &i, "--description", &description)) ||
            (r = cli_opt_value("collection", argv, argc, &i, "--max-content-length", &max))) {
            if (r < 0)
                return CLI_ERR;
        } else {
            return cli_usage("collection", "unexpected argument '%s'", argv[i]);
        }
    }
    /* TAXII 2.1 §4.2: the name is one path segment of the API root's URL. */
    if (!*name || strlen(name) > 64 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(name) ||
        strcmp(name, "taxii2") == 0 || strcmp(name, "api") == 0 || name[0] == '.')
        return cli_usage("collection",
                         "root add: '%s' is not a usable API root name (lower-case letters, "
                         "digits, '-', '_' and '.'; not taxii2 or api)",
                         name);
    if (!title || !*title)
        return cli_usage("collection", "root add: --title T is required");
    long long limit = SOL_DEFAULT_MAX_CONTENT_LENGTH;
    if (max) {
        char *end;
        limit = strtoll(max, &end, 10);
        if (*end || end == max || limit <= 0)
            return cli_usage("collection", "--max-content-length: '%s' is not a positive number",
                             max);
    }
    struct sol_api_root existing;
    if (sol_store_api_root_get(s, name, &existing) == 0) {
        sol_api_root_clear(&existing);
        cli_error("collection", "%s: the API root exists already", name);
        return CLI_ERR;
    }
    struct sol_api_root r = {.name = (char *)(uintptr_t)name,
                             .title = (char *)(uintptr_t)title,
                             .description = (char *)(uintptr_t)description,
                             .max_content_length = limit};
    int rc = sol_store_begin(s);
    if (rc == 0)
        rc = sol_store_api_root_put(s, &r);
    struct sol_buf d;
    sol_buf_init(&d);
    rc = cli_audited("collection", s, "api_root.add", name,
                     cli_details(&d, "title", title, CLI_END), rc);
    sol_buf_free(&d);
    return rc ? failed(s, name, rc) : CLI_OK;
}

/* cli.h: solidarity collection (see the top of this file). */
int
cli_cmd_collection(int argc, char **argv)
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
    if (strcmp(argv[1], "add") == 0)
        action = add;
    else if (strcmp(argv[1], "set") == 0)
        action = set;
    else if (strcmp(argv[1], "list") == 0)
        action = list;
    else if (strcmp(argv[1], "remove") == 0)
        action = remove_collection;
    else if (strcmp(argv[1], "root") == 0)
        action = api_root;
    else
        return cli_usage("collection", "unknown action '%s' (add, set, list, remove, root)",
                         argv[1]);
    struct sol_store *s;
    if (cli_open_store("collection", &s) != CLI_OK)
        return CLI_ERR;
    int rc = action(s, argc, argv);
    sol_store_close(s);
    return rc;
}
