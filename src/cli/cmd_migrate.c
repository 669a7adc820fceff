/*
 * cmd_migrate.c — solidarity migrate: move a node's store from SQLite to PostgreSQL.
 *
 *   solidarity migrate [--from SQLITE] --to postgresql://... [--force]
 *
 * Everything moves, table by table, with its keys: settings (the node's identity and
 * the TAXII cursor key, so `next` links handed out before stay valid), API roots,
 * collections, object versions with their date_added and seq (so a client's added_after
 * and cursors go on where they were), status resources, partners, users, tokens,
 * grants, peers and the audit log. The rows go in by COPY inside one transaction on
 * the target; before it commits, every table's row count is compared, and every object
 * version's (seq, collection, id, version, date_added, SHA-1 of its raw JSON) is
 * compared with the source's, one by one. Any difference rolls everything back.
 *
 * The source is read in one read transaction (a consistent snapshot; a node may keep
 * serving from it meanwhile, but what it writes after the snapshot is not moved: stop
 * writers first). The target must be empty, unless --force, which drops its tables.
 */
#include <sqlite3.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "solidarity/alloc.h"
#include "solidarity/sign.h"
#include "solidarity/store.h"
#include "solidarity/util.h"
#include "store/store_pg.h"

/*
 * Both schemas have objects refer to their collection by an integer key; keys move as
 * they are, and verification compares the collection's id through it.
 */
#define OBJECT_COLLECTION "c.key = o.collection"

/*
 * The tables, parents before children, and their columns, from the schema's description
 * (store/store.h): both stores have the same columns, so each table moves column for
 * column. Derived columns are left for the target to compute.
 */
#define N_TABLES ((size_t)sol__schema_table_count)

/* The names of the copied columns of table t, comma-separated, into b. */
static void
column_list(size_t t, struct sol_buf *b)
{
    const struct sol__schema_table *tab = &sol__schema_tables[t];
    sol_buf_reset(b);
    for (int c = 0; c < tab->n_columns; c++)
        if (!tab->columns[c].derived)
            sol_buf_printf(b, "%s%s", b->n ? ", " : "", tab->columns[c].name);
}

/* The index of table name in the schema's description (objects: its row count is shown). */
static size_t
table_index(const char *name)
{
    for (size_t t = 0; t < N_TABLES; t++)
        if (strcmp(sol__schema_tables[t].name, name) == 0)
            return t;
    return 0;
}

/* The objects of the source with their collection's id (seq order), for verifying. */
#define SOURCE_OBJECTS                                                                             \
    "SELECT o.seq, c.id, o.id, o.version, o.date_added, o.json FROM objects o "                    \
    "JOIN collections c ON " OBJECT_COLLECTION " ORDER BY o.seq"

#define VERIFY_CHUNK 2000

static void
help(FILE *f)
{
    fputs("usage: solidarity migrate [--from SQLITE] --to POSTGRESQL [--force]\n"
          "\n"
          "Move a node's store from SQLite to PostgreSQL: settings, API roots, collections,\n"
          "objects (with their date_added and seq), status, partners, users, tokens,\n"
          "grants, peers and the audit log, in one transaction, verified object by object\n"
          "before it commits.\n"
          "\n"
          "  --from SQLITE   sqlite://DIR, sqlite:DIR or DIR (default: the --data directory)\n"
          "  --to URL        postgresql://... or postgres://... (a libpq connection URI)\n"
          "  --force         replace a target store that is not empty\n",
          f);
}

/* The directory of a SQLite store location: "sqlite://DIR", "sqlite:DIR" or "DIR". */
static const char *
sqlite_dir(const char *from)
{
    if (strncmp(from, "sqlite://", 9) == 0)
        return from + 9;
    if (strncmp(from, "sqlite:", 7) == 0)
        return from + 7;
    return from;
}

/* The URL for messages: the password (user:PASSWORD@ or password=...) hidden. */
static void
redact(const char *url, char *out, size_t n)
{
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && colon && colon < at) /* scheme://user:PASSWORD@rest */
        snprintf(out, n, "%.*s:***%s", (int)(colon - url), url, at);
    else
        snprintf(out, n, "%s", url);
    char *pw = strstr(out, "password=");
    if (pw) { /* ...password=PASSWORD&rest */
        const char *end = strchr(pw, '&');
        char rest[512];
        snprintf(rest, sizeof rest, "%s", end ? end : "");
        snprintf(pw, n - (size_t)(pw - out), "password=***%s", rest);
    }
}

/* Print prefix + s as a JSON string. */
static void
json_string(const char *prefix, const char *s)
{
    putchar('"');
    for (int k = 0; k < 2; k++) {
        for (const unsigned char *p = (const unsigned char *)(k ? s : prefix); *p; p++) {
            if (*p == '"' || *p == '\\')
                printf("\\%c", *p);
            else if (*p < 0x20)
                printf("\\u%04x", *p);
            else
                putchar(*p);
        }
    }
    putchar('"');
}

struct migration {
    sqlite3 *db;
    struct sol_store *to;
    int64_t *counts; /* per table */
    int64_t verified;
    char why[512];
};

/* A COPY of one table: every row of the SQLite table, values as PostgreSQL text. */
static int
copy_table(struct migration *m, size_t t)
{
    const char *name = sol__schema_tables[t].name;
    struct sol_buf columns, source;
    sol_buf_init(&columns);
    sol_buf_init(&source);
    column_list(t, &columns);
    sol_buf_printf(&source, "SELECT %s FROM %s", columns.p, name);
    sqlite3_stmt *st = NULL;
    if (columns.oom || source.oom ||
        sqlite3_prepare_v2(m->db, source.p, -1, &st, NULL) != SQLITE_OK) {
        snprintf(m->why, sizeof m->why, "reading %s: %s", name,
                 columns.oom || source.oom ? "out of memory" : sqlite3_errmsg(m->db));
        sol_buf_free(&columns);
        sol_buf_free(&source);
        return SOL_ESTORE;
    }
    sol_buf_free(&source);
    int cols = sqlite3_column_count(st);
    const char **v = sol_calloc((size_t)cols + 1, sizeof *v);
    size_t *len = sol_calloc((size_t)cols + 1, sizeof *len);
    struct sol_buf *hex = sol_calloc((size_t)cols + 1, sizeof *hex);
    int rc = 0;
    if (!v || !len || !hex)
        rc = SOL_ENOMEM;
    if (rc == 0) {
        for (int c = 0; c < cols; c++)
            sol_buf_init(&hex[c]);
        rc = sol__pg_copy_begin(m->to, name, columns.p);
    }
    int64_t rows = 0;
    int step = SQLITE_ROW;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < cols; c++) {
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL:
                v[c] = NULL;
                len[c] = 0;
                break;
            case SQLITE_BLOB: /* bytea in hex form: \x0011... */
                sol_buf_reset(&hex[c]);
                sol_buf_puts(&hex[c], "\\x");
                sol_hex_encode(&hex[c], sqlite3_column_blob(st, c),
                               (size_t)sqlite3_column_bytes(st, c));
                if (hex[c].oom)
                    rc = SOL_ENOMEM;
                v[c] = hex[c].p;
                len[c] = hex[c].n;
                break;
            default: /* integers (booleans 0/1 too) and text as their text */
                v[c] = (const char *)sqlite3_column_text(st, c);
                len[c] = (size_t)sqlite3_column_bytes(st, c);
                break;
            }
        }
        if (rc == 0)
            rc = sol__pg_copy_row(m->to, v, len, (size_t)cols);
        rows++;
    }
    if (rc == 0 && step != SQLITE_DONE) {
        snprintf(m->why, sizeof m->why, "reading %s: %s", name, sqlite3_errmsg(m->db));
        rc = SOL_ESTORE;
    }
    int end = sol__pg_copy_end(m->to, rc);
    if (rc == 0 && end != 0)
        rc = end;
    if (rc != 0 && !m->why[0])
        snprintf(m->why, sizeof m->why, "copying %s: %s", name,
                 rc == SOL_ENOMEM ? "out of memory" : sol_store_errmsg(m->to));
    sqlite3_finalize(st);
    sol_buf_free(&columns);
    for (int c = 0; hex && c < cols; c++)
        sol_buf_free(&hex[c]);
    sol_free(hex);
    sol_free(v);
    sol_free(len);
    m->counts[t] = rows;
    return rc;
}

/* One object version's identity and the SHA-1 of its JSON, as compared. */
struct object_digest {
    int64_t seq, version, date_added;
    char collection[128], id[160];
    uint8_t sha1[20];
};

struct verify_chunk {
    struct object_digest *v;
    size_t n, cap;
    int64_t last_seq;
};

static int
take_digest(void *arg, int ncols, const char *const *values, const int *lengths)
{
    struct verify_chunk *c = arg;
    if (ncols != 6)
        return SOL_EINTERNAL;
    if (c->n == c->cap)
        return SOL_ELIMIT;
    struct object_digest *d = &c->v[c->n++];
    d->seq = strtoll(values[0], NULL, 10);
    snprintf(d->collection, sizeof d->collection, "%s", values[1]);
    snprintf(d->id, sizeof d->id, "%s", values[2]);
    d->version = strtoll(values[3], NULL, 10);
    d->date_added = strtoll(values[4], NULL, 10);
    sol_sha1(values[5], (size_t)lengths[5], d->sha1);
    c->last_seq = d->seq;
    return 0;
}

/*
 * Compare every object version of the target with the source's, in seq order, chunk by
 * chunk: same seq, collection, id, version, date_added, and the same SHA-1 of the JSON.
 */
static int
verify_objects(struct migration *m)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(m->db, SOURCE_OBJECTS, -1, &st, NULL) != SQLITE_OK) {
        snprintf(m->why, sizeof m->why, "verifying: %s", sqlite3_errmsg(m->db));
        return SOL_ESTORE;
    }
    struct verify_chunk c = {.cap = VERIFY_CHUNK, .last_seq = -1};
    c.v = sol_calloc(VERIFY_CHUNK, sizeof *c.v);
    int rc = c.v ? 0 : SOL_ENOMEM;
    bool more = true;
    while (rc == 0 && more) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT o.seq, c.id, o.id, o.version, o.date_added, o.json FROM objects o "
                 "JOIN collections c ON " OBJECT_COLLECTION " "
                 "WHERE o.seq > %lld ORDER BY o.seq LIMIT %d",
                 (long long)c.last_seq, VERIFY_CHUNK);
        c.n = 0;
        rc = sol__pg_each_row(m->to, sql, take_digest, &c);
        if (rc != 0) {
            snprintf(m->why, sizeof m->why, "verifying: %s", sol_store_errmsg(m->to));
            break;
        }
        more = c.n == VERIFY_CHUNK;
        for (size_t i = 0; i < c.n && rc == 0; i++) {
            const struct object_digest *d = &c.v[i];
            if (sqlite3_step(st) != SQLITE_ROW) {
                snprintf(m->why, sizeof m->why,
                         "verifying: the target has object %s (seq %lld) the source has not", d->id,
                         (long long)d->seq);
                rc = SOL_ECONFLICT;
                break;
            }
            uint8_t sha1[20];
            sol_sha1(sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5), sha1);
            const char *coll = (const char *)sqlite3_column_text(st, 1);
            const char *id = (const char *)sqlite3_column_text(st, 2);
            if (sqlite3_column_int64(st, 0) != d->seq || !coll ||
                strcmp(coll, d->collection) != 0 || !id || strcmp(id, d->id) != 0 ||
                sqlite3_column_int64(st, 3) != d->version ||
                sqlite3_column_int64(st, 4) != d->date_added || memcmp(sha1, d->sha1, 20) != 0) {
                snprintf(m->why, sizeof m->why,
                         "verifying: object %s (seq %lld) differs between source and target",
                         id ? id : "?", (long long)sqlite3_column_int64(st, 0));
                rc = SOL_ECONFLICT;
                break;
            }
            m->verified++;
        }
    }
    if (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        snprintf(m->why, sizeof m->why,
                 "verifying: object %s (seq %lld) is missing from the target",
                 (const char *)sqlite3_column_text(st, 2), (long long)sqlite3_column_int64(st, 0));
        rc = SOL_ECONFLICT;
    }
    sqlite3_finalize(st);
    sol_free(c.v);
    return rc;
}

struct count_arg {
    int64_t n;
};

static int
take_count(void *arg, int ncols, const char *const *values, const int *lengths)
{
    (void)lengths;
    struct count_arg *c = arg;
    if (ncols != 1 || !values[0])
        return SOL_EINTERNAL;
    c->n = strtoll(values[0], NULL, 10);
    return 0;
}

/*
 * The node's signing key goes with it (sign.h): from DIR/signing.key into the setting
 * where a node on PostgreSQL keeps it, so that the node signs as before and its partners'
 * copies of its public key stay good. A node that never signed has no key to move.
 */
static int
move_signing_key(const char *dir, struct sol_store *to)
{
    struct sol_sign_key k;
    struct sol_error err;
    int rc = sol_sign_key_load(dir, false, NULL, &k, &err);
    if (rc == SOL_ENOTFOUND)
        return 0;
    if (rc != 0) {
        cli_error("migrate", "%s", err.msg);
        return rc;
    }
    struct sol_buf text;
    sol_buf_init(&text);
    sol_base64_encode(&text, k.secret_key, SOL_SIGN_SECRET_BYTES);
    sol_sign_key_clear(&k);
    rc = text.oom ? SOL_ENOMEM : sol_store_setting_set(to, SOL_SETTING_SIGN_SECRET, text.p);
    if (text.p)
        sodium_memzero(text.p, text.n);
    sol_buf_free(&text);
    return rc;
}

/* Every table of the target holds as many rows as were copied into it. */
static int
verify_counts(struct migration *m)
{
    for (size_t t = 0; t < N_TABLES; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", sol__schema_tables[t].name);
        struct count_arg c = {-1};
        int rc = sol__pg_each_row(m->to, sql, take_count, &c);
        if (rc != 0) {
            snprintf(m->why, sizeof m->why, "verifying %s: %s", sol__schema_tables[t].name,
                     sol_store_errmsg(m->to));
            return rc;
        }
        if (c.n != m->counts[t]) {
            snprintf(m->why, sizeof m->why, "verifying %s: %lld rows in the target, %lld copied",
                     sol__schema_tables[t].name, (long long)c.n, (long long)m->counts[t]);
            return SOL_ECONFLICT;
        }
    }
    return 0;
}

int
cli_cmd_migrate(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
            from = argv[++i];
        } else if (strncmp(argv[i], "--from=", 7) == 0) {
            from = argv[i] + 7;
        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            to = argv[++i];
        } else if (strncmp(argv[i], "--to=", 5) == 0) {
            to = argv[i] + 5;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else {
            return cli_usage("migrate", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!from)
        from = cli_globals.data_dir;
    if (!to)
        return cli_usage("migrate", "--to: say which PostgreSQL store to move to");
    if (strncmp(to, "postgresql://", 13) != 0 && strncmp(to, "postgres://", 11) != 0)
        return cli_usage("migrate", "--to: '%s' is not a postgresql:// or postgres:// URL", to);
    if (strncmp(from, "postgres", 8) == 0)
        return cli_usage("migrate", "--from: only a SQLite store can be moved (sqlite://DIR)");
    const char *dir = sqlite_dir(from);
    char shown[512];
    redact(to, shown, sizeof shown);

    /* The source, brought to this program's schema by opening it through the store. */
    char src_url[1100];
    snprintf(src_url, sizeof src_url, "sqlite:%s", dir);
    if (!sol_store_exists(src_url)) {
        cli_error("migrate", "%s: no node here (no store.db)", dir);
        return CLI_ERR;
    }
    struct sol_error err;
    struct sol_store *src = NULL;
    if (sol_store_open(src_url, &src, &err) != 0) {
        cli_error("migrate", "%s", err.msg);
        return CLI_ERR;
    }
    sol_store_close(src);

    struct migration m = {0};
    int64_t counts[64] = {0};
    m.counts = counts;
    if (N_TABLES > sizeof counts / sizeof counts[0]) {
        cli_error("migrate", "the schema has more tables than this command counts");
        return CLI_ERR;
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/store.db", dir);
    if (sqlite3_open_v2(path, &m.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(m.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        cli_error("migrate", "%s: %s", path, m.db ? sqlite3_errmsg(m.db) : "cannot open");
        sqlite3_close(m.db);
        return CLI_ERR;
    }
    /* A read of the first table starts the snapshot every later read shares. */
    sqlite3_exec(m.db, "SELECT count(*) FROM settings", NULL, NULL, NULL);

    if (sol_store_open(to, &m.to, &err) != 0) {
        cli_error("migrate", "%s: %s", shown, err.msg);
        sqlite3_close(m.db);
        return CLI_ERR;
    }
    int rc = 0;
    const char *stage = "checking the target";
    bool empty = false;
    if (!sol__store_is_pg(m.to))
        rc = SOL_EINVAL;
    if (rc == 0)
        rc = sol__pg_is_empty(m.to, &empty);
    if (rc == 0 && !empty) {
        if (!force) {
            cli_error("migrate",
                      "%s: the target store is not empty; refusing to write over it "
                      "(--force replaces it)",
                      shown);
            sol_store_close(m.to);
            sqlite3_close(m.db);
            return CLI_ERR;
        }
        stage = "emptying the target";
        rc = sol__pg_reset(m.to);
    }
    if (rc == 0) {
        stage = "starting the transaction";
        rc = sol_store_begin(m.to);
    }
    for (size_t t = 0; rc == 0 && t < N_TABLES; t++) {
        stage = "copying";
        rc = copy_table(&m, t);
    }
    if (rc == 0) {
        stage = "setting the sequences";
        rc = sol__pg_restore_finish(m.to);
    }
    if (rc == 0) {
        stage = "verifying";
        rc = verify_counts(&m);
    }
    if (rc == 0)
        rc = verify_objects(&m);
    if (rc == 0) {
        stage = "moving the signing key";
        rc = move_signing_key(dir, m.to);
    }
    if (rc == 0) {
        stage = "committing";
        rc = sol_store_commit(m.to);
    }
    if (rc != 0) {
        sol_store_rollback(m.to);
        if (m.why[0])
            cli_error("migrate", "%s: %s; nothing was moved", shown, m.why);
        else
            cli_error("migrate", "%s: %s: %s (%s); nothing was moved", shown, stage,
                      sol_strerror(rc), sol_store_errmsg(m.to));
        sol_store_close(m.to);
        sqlite3_close(m.db);
        return CLI_ERR;
    }
    /* Fresh statistics, so the planner walks the indexes from the first query on. */
    sol__pg_each_row(m.to, "ANALYZE", NULL, NULL);
    sol_store_close(m.to);
    sqlite3_close(m.db);

    if (cli_globals.json) {
        fputs("{\"from\":", stdout);
        json_string("sqlite:", dir);
        fputs(",\"to\":", stdout);
        json_string("", shown);
        fputs(",\"tables\":{", stdout);
        for (size_t t = 0; t < N_TABLES; t++)
            printf("%s\"%s\":%lld", t ? "," : "", sol__schema_tables[t].name,
                   (long long)m.counts[t]);
        printf("},\"objects_verified\":%lld}\n", (long long)m.verified);
    } else if (!cli_globals.quiet) {
        printf("moved sqlite:%s to %s\n", dir, shown);
        for (size_t t = 0; t < N_TABLES; t++)
            printf("  %-15s %lld\n", sol__schema_tables[t].name, (long long)m.counts[t]);
        printf("verified: %lld of %lld object versions identical (seq, date_added, SHA-1 of "
               "the JSON)\n",
               (long long)m.verified, (long long)m.counts[table_index("objects")]);
    }
    return CLI_OK;
}
