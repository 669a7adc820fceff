/*
 * cmd_init.c — solidarity init: create a node.
 *
 *   solidarity [--data DIR] init [--name NODE] [--partner NAME] [--admin USER]
 *                                [--password-stdin]
 *
 * Creates DIR (mode 0700; an existing DIR is made so, and everything in it owner-only:
 * it holds the node's secrets) and its store, the node's STIX identity (kept in the store's
 * settings), the node's own partner (its operator's organisation, with that identity),
 * the default API root "intel" (served at /intel/), the key that authenticates TAXII
 * cursors, and an admin user with clearance RED. Prints the admin's API token once,
 * alone on the last line of standard output. All of it happens in one transaction:
 * an init that fails leaves no half-made node. Refuses (exit 2) when DIR already holds
 * a node.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/access.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"

static void
help(FILE *f)
{
    fprintf(f,
            "usage: solidarity [--data DIR] init [--name NODE] [--partner NAME] [--admin USER]\n"
            "                                   [--password-stdin]\n\n"
            "Create a node in DIR (default ./solidarity-data, or $SOLIDARITY_DATA): its store,\n"
            "its STIX identity, its own partner, the API root 'intel' (/intel/), and an admin\n"
            "user with clearance RED. The admin's API token is printed once, alone on the last\n"
            "line; keep it: it is stored only as a hash.\n\n"
            "options:\n"
            "  --name NODE         the node's name (default: the host name)\n"
            "  --partner NAME      the short name of the node's own organisation (default: NODE)\n"
            "  --admin USER        the admin user's name (default: admin)\n"
            "  --password-stdin    also give the admin a password, read from standard input\n"
            "  --help, -h          this text\n\n"
            "exit status: 0 created, 2 a node exists there already, or any other error.\n");
}

/* mkdir -p with mode 0700 for what it creates. */
static int
make_dir(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return -1;
    struct stat sb;
    if (stat(buf, &sb) != 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* The node's STIX identity object (STIX 2.1 §4.11), as JSON text. */
static void
identity_json(struct sol_buf *out, const char *id, const char *name)
{
    char now[40];
    sol_time_format(sol_time_now(), 3, now);
    struct sol_json_writer w;
    sol_jw_init(&w, out, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "type");
    sol_jw_string(&w, "identity");
    sol_jw_key(&w, "spec_version");
    sol_jw_string(&w, "2.1");
    sol_jw_key(&w, "id");
    sol_jw_string(&w, id);
    sol_jw_key(&w, "created");
    sol_jw_string(&w, now);
    sol_jw_key(&w, "modified");
    sol_jw_string(&w, now);
    sol_jw_key(&w, "name");
    sol_jw_string(&w, name);
    sol_jw_key(&w, "identity_class");
    sol_jw_string(&w, "organization");
    sol_jw_object_end(&w);
}

/* Everything init writes, inside the caller's transaction. Returns 0 or prints and fails. */
static int
create_node(struct sol_store *s, const char *name, const char *partner, const char *admin,
            const char *password, char token[SOL_TOKEN_LEN + 1], char identity[64])
{
    struct sol_uuid u;
    char text[37];
    sol_uuid_v4(&u);
    sol_uuid_format(&u, text);
    snprintf(identity, 64, "identity--%s", text);
    struct sol_buf json;
    sol_buf_init(&json);
    identity_json(&json, identity, name);
    uint8_t key[32];
    randombytes_buf(key, sizeof key);
    struct sol_buf hex;
    sol_buf_init(&hex);
    sol_hex_encode(&hex, key, sizeof key);
    sodium_memzero(key, sizeof key);

    int rc = 0;
    const char *what = "";
    int64_t partner_id = 0, user_id = 0;
    char hash[128] = "";
    if (json.oom || hex.oom)
        rc = SOL_ENOMEM;
    if (rc == 0 && password) {
        what = "hashing the password";
        rc = sol_access_password_hash(password, hash);
    }
#define STEP(desc, call)                                                                           \
    if (rc == 0) {                                                                                 \
        what = desc;                                                                               \
        rc = (call);                                                                               \
    }
    STEP("saving the node's name", sol_store_setting_set(s, SOL_SETTING_NODE_NAME, name));
    STEP("saving the node's identity",
         sol_store_setting_set(s, SOL_SETTING_NODE_IDENTITY, identity));
    STEP("saving the node's identity",
         sol_store_setting_set(s, SOL_SETTING_NODE_IDENTITY_JSON, json.p));
    STEP("saving the node's partner", sol_store_setting_set(s, SOL_SETTING_NODE_PARTNER, partner));
    STEP("saving the cursor key", sol_store_setting_set(s, SOL_SETTING_CURSOR_KEY, hex.p));
    struct sol_api_root root = {.name = SOL_DEFAULT_API_ROOT,
                                .title = (char *)(uintptr_t)name,
                                .description = "The shared intelligence of this node",
                                .max_content_length = SOL_DEFAULT_MAX_CONTENT_LENGTH};
    STEP("creating the API root", sol_store_api_root_put(s, &root));
    STEP("creating the node's partner", sol_store_partner_add(s, partner, identity, &partner_id));
    struct sol_user au = {.name = (char *)(uintptr_t)admin,
                          .partner_id = partner_id,
                          .clearance = SOL_TLP_RED,
                          .is_admin = true,
                          .password_hash = password ? hash : NULL};
    STEP("creating the admin user", sol_store_user_add(s, &au, &user_id));
    STEP("issuing the admin token", sol_access_token_issue(s, user_id, "init", token, NULL));
    char details[512];
    snprintf(details, sizeof details, "{\"identity\":\"%s\",\"admin\":\"%s\"}", identity, admin);
    STEP("writing the audit log", sol_store_audit(s, cli_actor(), "node.init", name, details));
#undef STEP
    sodium_memzero(hash, sizeof hash);
    sol_buf_free(&json);
    sol_buf_free(&hex);
    if (rc != 0)
        cli_error("init", "%s: %s (%s)", what, sol_strerror(rc), sol_store_errmsg(s));
    return rc;
}

/*
 * Whether dir holds a node: a store with an identity. A store without one is what an
 * interrupted init leaves (its transaction rolled back); init may go on over it.
 */
static bool
node_exists(const char *dir)
{
    if (!sol_store_exists(dir))
        return false;
    struct sol_store *s = NULL;
    if (sol_store_open(dir, &s, NULL) != 0)
        return true; /* something is there that we cannot read: do not touch it */
    struct sol_buf b;
    sol_buf_init(&b);
    int rc = sol_store_setting_get(s, SOL_SETTING_NODE_IDENTITY, &b);
    sol_buf_free(&b);
    sol_store_close(s);
    return rc != SOL_ENOTFOUND;
}

/* cli.h: solidarity init (see the top of this file). */
int
cli_cmd_init(int argc, char **argv)
{
    const char *name = NULL, *partner = NULL, *admin = "admin";
    bool password_stdin = false;
    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            return CLI_OK;
        } else if ((r = cli_opt_value("init", argv, argc, &i, "--name", &name)) != 0 ||
                   (r = cli_opt_value("init", argv, argc, &i, "--partner", &partner)) != 0 ||
                   (r = cli_opt_value("init", argv, argc, &i, "--admin", &admin)) != 0) {
            if (r < 0)
                return CLI_ERR;
        } else if (strcmp(argv[i], "--password-stdin") == 0) {
            password_stdin = true;
        } else {
            return cli_usage("init", "unexpected argument '%s'", argv[i]);
        }
    }
    char host[256] = "solidarity";
    if (!name) {
        if (gethostname(host, sizeof host - 1) != 0 || !host[0])
            strcpy(host, "solidarity");
        name = host;
    }
    if (!*name)
        return cli_usage("init", "--name: the node's name is empty");
    if (!*admin)
        return cli_usage("init", "--admin: the user name is empty");
    if (!partner)
        partner = name;
    const char *dir = cli_globals.data_dir;
    if (node_exists(dir)) {
        cli_error("init", "%s: a node already exists here; refusing to overwrite it", dir);
        return CLI_ERR;
    }
    char password[1024];
    if (password_stdin && cli_read_password("init", password, sizeof password) != CLI_OK)
        return CLI_ERR;
    /* A PostgreSQL URL names a database, not a directory to create. */
    bool is_url = strncmp(dir, "postgresql:", 11) == 0 || strncmp(dir, "postgres:", 9) == 0;
    /* The data directory and everything in it are owner-only, whoever
     * made the directory; what the node writes later is made so too. */
    umask(077);
    if (!is_url && make_dir(dir) != 0) {
        cli_error("init", "%s: cannot create the directory: %s", dir, strerror(errno));
        return CLI_ERR;
    }
    if (cli_private_dir("init", dir, true) != CLI_OK)
        return CLI_ERR;
    struct sol_store *s = NULL;
    struct sol_error err;
    if (sol_store_open(dir, &s, &err) != 0) {
        cli_error("init", "%s", err.msg);
        return CLI_ERR;
    }
    char token[SOL_TOKEN_LEN + 1], identity[64];
    int rc = sol_store_begin(s);
    if (rc != 0) {
        cli_error("init", "%s: %s", dir, sol_store_errmsg(s));
        sol_store_close(s);
        return CLI_ERR;
    }
    rc = create_node(s, name, partner, admin, password_stdin ? password : NULL, token, identity);
    sodium_memzero(password, sizeof password);
    if (rc == 0) {
        rc = sol_store_commit(s);
        if (rc != 0)
            cli_error("init", "%s: cannot commit: %s", dir, sol_store_errmsg(s));
    } else {
        sol_store_rollback(s);
    }
    sol_store_close(s);
    if (rc == 0 && cli_private_dir("init", dir, true) != CLI_OK) /* the store's files, too */
        rc = SOL_EIO;
    if (rc != 0)
        return CLI_ERR;
    printf("node '%s' created in %s\n", name, dir);
    printf("identity: %s\n", identity);
    printf("partner: %s\n", partner);
    printf("API root: /%s/\n", SOL_DEFAULT_API_ROOT);
    printf("admin user: %s (clearance red)\n", admin);
    printf("admin token (shown only now; keep it safe):\n%s\n", token);
    sodium_memzero(token, sizeof token);
    return CLI_OK;
}
