/*
 * cmd_peer.c — solidarity peer add|list|remove|key|sign|import: partner nodes to sync
 * with (sync.h), this node's signing key, signing a file before publishing it (sign.h),
 * and importing a partner's offline bundle with the checks of a pull.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/alloc.h"
#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/stix.h"
#include "solidarity/sync.h"

static void
usage(FILE *f)
{
    fputs("usage: solidarity peer add NAME URL --api-root R --collection ID\n"
          "                        [--token-file FILE | --user U --password-file FILE]\n"
          "                        [--pull | --push | --both] [--into COLLECTION]\n"
          "                        [--push-from COLLECTION] [--max-tlp LEVEL]\n"
          "                        [--default-tlp LEVEL]\n"
          "                        [--every SECONDS] [--reconcile SECONDS] [--page N]\n"
          "                        [--partner P] [--key PUBKEY]...\n"
          "                        [--unsigned accept|quarantine|refuse] [--replace]\n"
          "       solidarity peer list\n"
          "       solidarity peer remove NAME\n"
          "       solidarity peer key            this node's public signing key\n"
          "       solidarity peer sign FILE [--output FILE]\n"
          "                                      sign every object of a STIX file\n"
          "       solidarity peer import NAME FILE...\n"
          "                                      import offline bundles from peer NAME\n"
          "                                      with its keys, clearance and policy\n\n"
          "The peer's token or password is read from FILE ('-': standard input), else from\n"
          "$SOLIDARITY_PEER_TOKEN or $SOLIDARITY_PEER_PASSWORD: never from the command line.\n",
          f);
}

static int
parse_seconds(const char *opt, const char *v, int64_t *out)
{
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < 0 || n > 366LL * 86400)
        return cli_usage("peer", "%s: '%s' is not a number of seconds", opt, v);
    *out = n;
    return CLI_OK;
}

static char *
dup_or_die(const char *s)
{
    char *p = sol_strdup(s);
    if (!p) {
        fputs("solidarity: peer: out of memory\n", stderr);
        exit(CLI_ERR);
    }
    return p;
}

static int
peer_add(int argc, char **argv)
{
    if (argc < 4)
        return cli_usage("peer", "add needs NAME and URL");
    struct sol_peer_config c;
    memset(&c, 0, sizeof c);
    c.name = dup_or_die(argv[2]);
    c.url = dup_or_die(argv[3]);
    bool replace = false, policy_given = false, reconcile_given = false;
    const char *token_file = NULL, *password_file = NULL;
    int rc = CLI_OK;
    for (int i = 4; i < argc && rc == CLI_OK; i++) {
        const char *v = NULL;
        const char *a = argv[i];
        int k;
#define OPT(name)                                                                                  \
    ((k = cli_opt_value("peer", argv, argc, &i, name, &v)) < 0 ? (rc = CLI_ERR, 0) : k)
        if (strcmp(a, "--pull") == 0) {
            c.direction = SOL_PEER_PULL;
        } else if (strcmp(a, "--push") == 0) {
            c.direction = SOL_PEER_PUSH;
        } else if (strcmp(a, "--both") == 0) {
            c.direction = SOL_PEER_BOTH;
        } else if (strcmp(a, "--replace") == 0) {
            replace = true;
        } else if (OPT("--api-root")) {
            sol_free(c.api_root), c.api_root = dup_or_die(v);
        } else if (OPT("--collection")) {
            sol_free(c.collection), c.collection = dup_or_die(v);
        } else if (strcmp(a, "--token") == 0 || strcmp(a, "--password") == 0 ||
                   strncmp(a, "--token=", 8) == 0 || strncmp(a, "--password=", 11) == 0) {
            /* A secret on the command line is in the process list and the shell's history. */
            rc = cli_usage("peer",
                           "%s: a secret is not given on the command line: use %s FILE "
                           "('-': standard input) or $SOLIDARITY_PEER_%s",
                           a[2] == 't' ? "--token" : "--password",
                           a[2] == 't' ? "--token-file" : "--password-file",
                           a[2] == 't' ? "TOKEN" : "PASSWORD");
        } else if (OPT("--token-file")) {
            token_file = v;
        } else if (OPT("--user")) {
            sol_free(c.user), c.user = dup_or_die(v);
        } else if (OPT("--password-file")) {
            password_file = v;
        } else if (OPT("--into")) {
            sol_free(c.into), c.into = dup_or_die(v);
        } else if (OPT("--push-from")) {
            sol_free(c.push_from), c.push_from = dup_or_die(v);
        } else if (OPT("--partner")) {
            sol_free(c.partner), c.partner = dup_or_die(v);
        } else if (OPT("--max-tlp")) {
            rc = cli_parse_tlp("peer", "--max-tlp", v, &c.max_tlp);
        } else if (OPT("--default-tlp")) {
            rc = cli_parse_tlp("peer", "--default-tlp", v, &c.default_tlp);
        } else if (OPT("--every")) {
            rc = parse_seconds("--every", v, &c.every);
        } else if (OPT("--reconcile")) {
            rc = parse_seconds("--reconcile", v, &c.reconcile);
            reconcile_given = true;
        } else if (OPT("--page")) {
            int64_t n = 0;
            rc = parse_seconds("--page", v, &n);
            if (rc == CLI_OK && (n < 1 || n > 1000))
                rc = cli_usage("peer", "--page: from 1 to 1000 objects");
            c.page = (size_t)n;
        } else if (OPT("--key")) {
            if (c.n_keys == SOL_PEER_MAX_KEYS)
                rc = cli_usage("peer", "--key: at most %d keys", SOL_PEER_MAX_KEYS);
            else if (sol_sign_public_parse(v, strlen(v), c.keys[c.n_keys]) != 0)
                rc = cli_usage("peer",
                               "--key: '%s' is not an Ed25519 public key (44 characters "
                               "of base64, as 'solidarity peer key' prints)",
                               v);
            else
                c.n_keys++;
        } else if (OPT("--unsigned")) {
            enum sol_sign_policy p;
            if (sol_sign_policy_parse(v, &p) != 0)
                rc = cli_usage("peer", "--unsigned: '%s' is not accept, quarantine or refuse", v);
            c.unsigned_policy = (int)p;
            policy_given = true;
        } else if (rc == CLI_OK) {
            rc = cli_usage("peer", "unknown argument '%s'", a);
        }
#undef OPT
    }
    if (rc == CLI_OK && token_file && password_file)
        rc = cli_usage("peer", "--token-file and --password-file: one or the other");
    if (rc == CLI_OK && !password_file)
        rc = cli_read_secret("peer", "--token-file", token_file, "SOLIDARITY_PEER_TOKEN", &c.token);
    if (rc == CLI_OK && (c.user || password_file))
        rc = cli_read_secret("peer", "--password-file", password_file, "SOLIDARITY_PEER_PASSWORD",
                             &c.password);
    if (rc == CLI_OK && c.token && c.password)
        rc = cli_usage("peer", "a token or a user and password, not both");
    if (rc == CLI_OK && (c.user != NULL) != (c.password != NULL))
        rc = cli_usage("peer", "--user and --password-file (or $SOLIDARITY_PEER_PASSWORD) go "
                               "together");
    if (rc == CLI_OK && !c.api_root)
        rc = cli_usage("peer", "add needs --api-root");
    if (rc == CLI_OK && !c.collection)
        rc = cli_usage("peer", "add needs --collection");
    /* Holding keys means we expect signatures: by default, quarantine what is not. */
    if (!policy_given)
        c.unsigned_policy = c.n_keys ? SOL_SIGN_QUARANTINE : SOL_SIGN_ACCEPT;
    if (rc == CLI_OK && !reconcile_given)
        c.reconcile = SOL_PEER_DEFAULT_RECONCILE;
    struct sol_store *s = NULL;
    if (rc == CLI_OK)
        rc = cli_open_store("peer", &s);
    if (rc == CLI_OK) {
        struct sol_error err;
        sol_error_clear(&err);
        if (sol_peer_add(s, &c, replace, cli_actor(), &err) != 0) {
            cli_error("peer", "%s", err.msg);
            rc = CLI_ERR;
        } else if (!cli_globals.quiet) {
            size_t un = strlen(c.url);
            while (un && c.url[un - 1] == '/')
                un--;
            printf("peer %s: %s %.*s/%s/collections/%s/ into %s\n", c.name,
                   c.direction == SOL_PEER_PULL   ? "pulls from"
                   : c.direction == SOL_PEER_PUSH ? "pushes to"
                                                  : "pulls from and pushes to",
                   (int)un, c.url, c.api_root, c.collection, c.into);
        }
    }
    sol_store_close(s);
    sol_peer_config_clear(&c);
    return rc;
}

static const char *
dir_word(unsigned d)
{
    return d == SOL_PEER_PULL ? "pull" : d == SOL_PEER_PUSH ? "push" : "both";
}

static int
peer_list(void)
{
    struct sol_store *s = NULL;
    int rc = cli_open_store("peer", &s);
    if (rc != CLI_OK)
        return rc;
    struct sol_peer_config *v = NULL;
    size_t n = 0;
    struct sol_error err;
    sol_error_clear(&err);
    if (sol_peer_list(s, &v, &n, &err) != 0) {
        cli_error("peer", "%s", err.msg);
        sol_store_close(s);
        return CLI_ERR;
    }
    if (cli_globals.json) {
        struct sol_buf b;
        sol_buf_init(&b);
        struct sol_json_writer w;
        sol_jw_init(&w, &b, true);
        sol_jw_array_begin(&w);
        for (size_t i = 0; i < n; i++) {
            char t[40];
            sol_jw_object_begin(&w);
            sol_jw_key(&w, "name");
            sol_jw_string(&w, v[i].name);
            sol_jw_key(&w, "url");
            sol_jw_string(&w, v[i].url);
            sol_jw_key(&w, "api_root");
            sol_jw_string(&w, v[i].api_root ? v[i].api_root : "");
            sol_jw_key(&w, "collection");
            sol_jw_string(&w, v[i].collection ? v[i].collection : "");
            sol_jw_key(&w, "direction");
            sol_jw_string(&w, dir_word(v[i].direction));
            sol_jw_key(&w, "into");
            sol_jw_string(&w, v[i].into ? v[i].into : "");
            sol_jw_key(&w, "max_tlp");
            sol_jw_string(&w, sol_tlp_word((enum sol_tlp)v[i].max_tlp));
            sol_jw_key(&w, "default_tlp");
            if (v[i].default_tlp)
                sol_jw_string(&w, sol_tlp_word((enum sol_tlp)v[i].default_tlp));
            else
                sol_jw_null(&w);
            sol_jw_key(&w, "partner");
            if (v[i].partner)
                sol_jw_string(&w, v[i].partner);
            else
                sol_jw_null(&w);
            sol_jw_key(&w, "every");
            sol_jw_int(&w, v[i].every);
            sol_jw_key(&w, "keys");
            sol_jw_uint(&w, v[i].n_keys);
            sol_jw_key(&w, "unsigned");
            sol_jw_string(&w, sol_sign_policy_name((enum sol_sign_policy)v[i].unsigned_policy));
            sol_jw_key(&w, "last_sync");
            sol_jw_string(&w, cli_time(v[i].last_sync, t));
            sol_jw_object_end(&w);
        }
        sol_jw_array_end(&w);
        printf("%s\n", b.p ? b.p : "[]");
        sol_buf_free(&b);
    } else {
        for (size_t i = 0; i < n; i++) {
            char t[40];
            /* The API root's URL as the node asks it (one '/' between the parts). */
            struct sol_buf root;
            sol_buf_init(&root);
            sol_sync_url(&root, v[i].url, v[i].api_root ? v[i].api_root : "", NULL, 0, NULL, 0);
            printf("%s\t%s\t%s\t%s\tmax-tlp %s\tpartner %s\tevery %llds\tkeys %zu\tunsigned "
                   "%s\tlast sync %s\n",
                   v[i].name, dir_word(v[i].direction), root.p ? root.p : v[i].url,
                   v[i].collection ? v[i].collection : "", sol_tlp_word((enum sol_tlp)v[i].max_tlp),
                   v[i].partner ? v[i].partner : "-", (long long)v[i].every, v[i].n_keys,
                   sol_sign_policy_name((enum sol_sign_policy)v[i].unsigned_policy),
                   cli_time(v[i].last_sync, t));
            sol_buf_free(&root);
        }
    }
    sol_peer_config_list_free(v, n);
    sol_store_close(s);
    return CLI_OK;
}

static int
peer_remove(int argc, char **argv)
{
    if (argc != 3)
        return cli_usage("peer", "remove needs exactly one NAME");
    struct sol_store *s = NULL;
    int rc = cli_open_store("peer", &s);
    if (rc != CLI_OK)
        return rc;
    struct sol_error err;
    sol_error_clear(&err);
    if (sol_peer_remove(s, argv[2], cli_actor(), &err) != 0) {
        cli_error("peer", "%s", err.msg);
        rc = CLI_ERR;
    }
    sol_store_close(s);
    return rc;
}

static int
node_key(struct sol_store *s, struct sol_sign_key *k)
{
    struct sol_error err;
    sol_error_clear(&err);
    if (sol_sign_node_key(s, cli_globals.data_dir, k, &err) != 0) {
        cli_error("peer", "%s", err.msg);
        return CLI_ERR;
    }
    return CLI_OK;
}

static int
peer_key(void)
{
    struct sol_store *s = NULL;
    int rc = cli_open_store("peer", &s);
    struct sol_sign_key k;
    if (rc == CLI_OK)
        rc = node_key(s, &k);
    if (rc == CLI_OK) {
        struct sol_buf b;
        sol_buf_init(&b);
        sol_sign_public_text(&b, k.public_key);
        printf("%s\n", b.p ? b.p : "");
        sol_buf_free(&b);
        sol_sign_key_clear(&k);
    }
    sol_store_close(s);
    return rc;
}

static int
peer_sign(int argc, char **argv)
{
    const char *in = NULL, *outpath = NULL;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        int k = cli_opt_value("peer", argv, argc, &i, "--output", &v);
        if (k < 0)
            return CLI_ERR;
        if (k)
            outpath = v;
        else if (!in)
            in = argv[i];
        else
            return cli_usage("peer", "sign takes one FILE");
    }
    if (!in)
        return cli_usage("peer", "sign needs a FILE ('-' for standard input)");
    struct sol_store *s = NULL;
    int rc = cli_open_store("peer", &s);
    struct sol_sign_key k;
    if (rc == CLI_OK)
        rc = node_key(s, &k);
    sol_store_close(s);
    if (rc != CLI_OK)
        return rc;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    struct sol_error err;
    sol_error_clear(&err);
    struct sol_buf out;
    sol_buf_init(&out);
    if (!doc || sol_json_parse_file(doc, in, &root, &err) != 0) {
        char m[600];
        cli_error("peer", "%s: %s", in,
                  doc ? sol_error_format(&err, m, sizeof m) : "out of memory");
        rc = CLI_ERR;
    } else if (sol_sign_document(&k, root, &out, &err) != 0) {
        char m[600];
        cli_error("peer", "%s: %s", in, sol_error_format(&err, m, sizeof m));
        rc = CLI_ERR;
    } else {
        FILE *f = outpath && strcmp(outpath, "-") != 0 ? fopen(outpath, "w") : stdout;
        if (!f) {
            cli_error("peer", "%s: cannot write", outpath);
            rc = CLI_ERR;
        } else {
            fwrite(out.p, 1, out.n, f);
            fputc('\n', f);
            int closed;
            if (f == stdout)
                closed = fflush(stdout);
            else
                closed = fclose(f);
            if (closed != 0) {
                cli_error("peer", "%s: write failed", outpath ? outpath : "standard output");
                rc = CLI_ERR;
            }
        }
    }
    sol_buf_free(&out);
    sol_json_doc_free(doc);
    sol_sign_key_clear(&k);
    return rc;
}

/* peer import NAME FILE...: offline exchange, checked as a pull from NAME would be. */
static int
peer_import(int argc, char **argv)
{
    if (argc < 4)
        return cli_usage("peer", "import needs NAME and at least one FILE");
    struct sol_store *s = NULL;
    int rc = cli_open_store("peer", &s);
    if (rc != CLI_OK)
        return rc;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    for (int i = 3; rc == CLI_OK && i < argc; i++) {
        const struct sol_json *root = NULL;
        struct sol_error err;
        sol_error_clear(&err);
        char m[600];
        if (!doc || sol_json_parse_file(doc, argv[i], &root, &err) != 0) {
            cli_error("peer", "%s: %s", argv[i],
                      doc ? sol_error_format(&err, m, sizeof m) : "out of memory");
            rc = CLI_ERR;
            break;
        }
        struct sol_sync_report rep;
        if (sol_sync_import_from_peer(s, argv[2], root, &rep, &err) != 0) {
            cli_error("peer", "%s: %s", argv[i], err.msg);
            rc = CLI_ERR;
            break;
        }
        if (!cli_globals.quiet)
            printf("%s: %zu new, %zu held, %zu rejected, %zu refused, %zu quarantined\n", argv[i],
                   rep.pulled_stored, rep.pulled_held, rep.rejected, rep.refused, rep.quarantined);
        if (rep.rejected || rep.refused || rep.quarantined)
            rc = CLI_NO;
    }
    sol_json_doc_free(doc);
    sol_store_close(s);
    return rc;
}

int
cli_cmd_peer(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("peer", "say add, list, remove, key, sign or import");
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(sub, "add") == 0)
        return peer_add(argc, argv);
    if (strcmp(sub, "list") == 0)
        return argc == 2 ? peer_list() : cli_usage("peer", "list takes no arguments");
    if (strcmp(sub, "remove") == 0)
        return peer_remove(argc, argv);
    if (strcmp(sub, "key") == 0)
        return argc == 2 ? peer_key() : cli_usage("peer", "key takes no arguments");
    if (strcmp(sub, "sign") == 0)
        return peer_sign(argc, argv);
    if (strcmp(sub, "import") == 0)
        return peer_import(argc, argv);
    return cli_usage("peer", "unknown subcommand '%s' (add, list, remove, key, sign, import)", sub);
}
