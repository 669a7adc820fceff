/*
 * cmd_import.c — solidarity import: STIX, MISP, plain lists and CSV into a collection,
 * through the one ingest path (validate → mark → store → audit, include/solidarity/ingest.h);
 * and MISP warninglists into the node. The formats are the rows of
 * include/solidarity/formats.h: this command parses options and prints, the library reads.
 *
 *   solidarity import [--collection ID] [--format F] [--batch N] [--recipient ID]...
 *                     [--ack] [--tlp L] [--identity ID] [--valid-from T] [--label L]...
 *                     [--confidence N] [--type KIND] [--mapping FILE]
 *                     [--no-warninglists | --refuse-warninglisted] FILE...
 *
 * FILE is in format F, else in the format its content shows ('-' reads standard input; a
 * directory is a MISP feed folder). TLP:RED objects may go to their author, the partners
 * their x_solidarity_recipients names, the --recipient partners and the node's own
 * organisation (access.h). Objects are stored in transactions of --batch objects (default
 * 1000); each is durable when its commit returns. With --ack, "committed N" goes to
 * standard output after each commit. Rejected objects, junk lines (with their line
 * number), comment lines, MISP attributes without a mapping (by type and count) and
 * indicators on a warninglist are reported on standard error; the summary "stored N,
 * already held N, rejected N" ends the run (--json: one JSON document on standard output).
 *
 * Exit status: 0 everything stored or already held, 1 something rejected or junk found,
 * 2 a file could not be read or is not in the format, a usage error, or a store error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/alloc.h"
#include "solidarity/formats.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/stix.h"

static void
help(FILE *f)
{
    size_t n;
    const struct sol_format *fm = sol_formats(&n);
    fprintf(f, "usage: solidarity import [--collection ID] [--format F] [--batch N]\n"
               "                         [--recipient IDENTITY]... [--ack] [options] FILE...\n\n"
               "Import indicators and other objects into a collection (its id or alias; optional\n"
               "when the node has only one). Every object goes through validation; valid ones are\n"
               "stored, versions already held are left as they are, and invalid ones are reported\n"
               "with their path and the reason. FILE '-' is standard input.\n\n"
               "formats (--format; detected from the content when not given):\n");
    for (size_t i = 0; i < n; i++)
        if (fm[i].read)
            fprintf(f, "  %-13s %s\n", fm[i].name, fm[i].summary);
    fprintf(f, "\noptions:\n"
               "  --collection ID     the collection (id or alias)\n"
               "  --format F          the input format (above)\n"
               "  --batch N           objects per transaction (default 1000)\n"
               "  --recipient ID      a partner identity (identity--UUID) that may also receive\n"
               "                      the TLP:RED objects of this import; repeatable\n"
               "  --ack               print 'committed N' after each durable transaction\n"
               "  --json              the summary and what was reported as one JSON document\n"
               "  --quiet, -q         no progress bar and no summary\n"
               "objects this import makes (list, csv; misp where the event says nothing):\n"
               "  --tlp LEVEL         their marking: clear, green, amber, amber+strict, red\n"
               "                      (default: none, so the collection's default applies)\n"
               "  --identity ID       their creator (identity--UUID; default: this node)\n"
               "  --valid-from TIME   their valid_from (RFC 3339; default: now)\n"
               "  --label L           a label for every indicator; repeatable\n"
               "  --confidence N      their confidence, 0 to 100\n"
               "  --type KIND         list: every line is of this kind (ipv4-addr, ipv6-addr,\n"
               "                      domain-name, url, email-addr, md5, sha1, sha256, sha512,\n"
               "                      file-name, x509-sha1), not detected\n"
               "  --mapping FILE      csv: which column holds what ('COLUMN -> TARGET' lines)\n"
               "warninglists (import --format warninglist FILE keeps one in the node):\n"
               "  --no-warninglists   do not check indicators against the node's warninglists\n"
               "  --refuse-warninglisted  do not import indicators on a warninglist (default:\n"
               "                      import them and report them)\n\n"
               "exit status: 0 all stored or already held, 1 some rejected or junk lines,\n"
               "2 unreadable input, not in the format, or a store error.\n");
}

struct run {
    const char *file;
    bool ack, progress, json;
    size_t done, last_draw, total; /* total: 0 when the reader does not say */
    struct sol_ingest *in;
    int store_rc;
    struct sol_json_writer w, nw; /* --json: rejections, and the other notes */
    struct sol_buf out, notes;
    /* comment lines of the current file, as ranges */
    struct sol_buf comments;
    long range_start, range_end;
    size_t junk, warninglisted;
};

static void
draw(struct run *r, bool final)
{
    if (!r->progress)
        return;
    if (!final && r->done - r->last_draw < 200)
        return;
    r->last_draw = r->done;
    const char *base = strrchr(r->file, '/');
    base = base ? base + 1 : r->file;
    if (r->total) {
        size_t width = 30, filled = r->done >= r->total ? width : r->done * width / r->total;
        char bar[64];
        for (size_t i = 0; i < width; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[width] = 0;
        fprintf(stderr, "\r%.40s [%s] %zu/%zu", base, bar, r->done, r->total);
    } else {
        fprintf(stderr, "\r%.40s: %zu objects", base, r->done);
    }
    if (final)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* --json: a rejection (kind NULL: file, path, id, message) or another note. */
static void
json_note(struct run *r, const char *kind, const char *where, const char *id, const char *msg)
{
    struct sol_json_writer *w = kind ? &r->nw : &r->w;
    sol_jw_object_begin(w);
    if (kind) {
        sol_jw_key(w, "kind");
        sol_jw_string(w, kind);
    }
    sol_jw_key(w, "file");
    sol_jw_string(w, r->file);
    sol_jw_key(w, kind ? "where" : "path");
    sol_jw_string(w, where);
    if (!kind || (id && *id)) {
        sol_jw_key(w, "id");
        sol_jw_string(w, id ? id : "");
    }
    sol_jw_key(w, "message");
    sol_jw_string(w, msg);
    sol_jw_object_end(w);
}

/* "solidarity: import: <where>: <what>", clearing the progress line first. */
static void
say(struct run *r, const char *where, const char *what)
{
    if (r->progress)
        fputs("\r\033[K", stderr);
    cli_error("import", "%s: %s", where, what);
}

/* The sink's object: one ingest. */
static int
on_object(void *ud, const struct sol_json *obj, const char *where)
{
    struct run *r = ud;
    struct sol_ingest_result res;
    int rc = sol_ingest_object(r->in, obj, where, &res);
    if (rc != 0) {
        r->store_rc = rc;
        return rc;
    }
    r->done++;
    if (res.outcome == SOL_INGEST_REJECTED) {
        if (r->json)
            json_note(r, NULL, res.path, res.id, res.message);
        else
            say(r, r->file, res.message);
    }
    draw(r, false);
    return 0;
}

static void
flush_comments(struct run *r)
{
    if (r->range_start <= 0)
        return;
    if (r->comments.n)
        sol_buf_puts(&r->comments, ", ");
    if (r->range_start == r->range_end)
        sol_buf_printf(&r->comments, "%ld", r->range_start);
    else
        sol_buf_printf(&r->comments, "%ld-%ld", r->range_start, r->range_end);
    r->range_start = r->range_end = 0;
}

static void
on_note(void *ud, enum sol_import_note kind, const char *where, const char *key, const char *msg)
{
    struct run *r = ud;
    (void)key;
    if (kind == SOL_NOTE_COMMENT) {
        const char *colon = strrchr(where, ':');
        long line = colon ? strtol(colon + 1, NULL, 10) : 0;
        if (line && line == r->range_end + 1 && r->range_start > 0) {
            r->range_end = line;
        } else {
            flush_comments(r);
            r->range_start = r->range_end = line;
        }
        return;
    }
    if (kind == SOL_NOTE_UNMAPPED && !r->json)
        return; /* summed up by type at the end */
    if (kind == SOL_NOTE_JUNK)
        r->junk++;
    if (kind == SOL_NOTE_WARNINGLISTED)
        r->warninglisted++;
    static const char *const names[] = {"", "junk", "comment", "unmapped", "warninglisted", "info"};
    if (r->json) {
        json_note(r, names[kind], where, NULL, msg);
        return;
    }
    if (kind == SOL_NOTE_INFO && cli_globals.quiet)
        return;
    say(r, where, msg);
}

static void
on_total(void *ud, size_t n)
{
    ((struct run *)ud)->total = n;
}

static void
on_commit(void *ud, const struct sol_ingest_stats *st)
{
    struct run *r = ud;
    if (r->ack) {
        printf("committed %zu\n", st->durable_stored + st->durable_held);
        fflush(stdout);
    }
}

/* The collection to import into: the one named, or the node's only one. */
static int
pick_collection(struct sol_store *s, const char *name, char **id)
{
    if (name) {
        struct sol_collection c;
        int rc = sol_store_collection_get(s, NULL, name, &c);
        if (rc != 0) {
            if (rc == SOL_ENOTFOUND)
                cli_error("import", "%s: no such collection", name);
            else
                cli_error("import", "%s: %s", name, sol_store_errmsg(s));
            return CLI_ERR;
        }
        *id = c.id;
        c.id = NULL;
        sol_collection_clear(&c);
        return CLI_OK;
    }
    struct sol_collection *v;
    size_t n;
    if (sol_store_collection_list(s, NULL, &v, &n) != 0) {
        cli_error("import", "%s", sol_store_errmsg(s));
        return CLI_ERR;
    }
    int rc = CLI_OK;
    if (n == 1) {
        *id = v[0].id;
        v[0].id = NULL;
    } else if (n == 0) {
        cli_error("import",
                  "the node has no collection yet (add one with 'solidarity collection add')");
        rc = CLI_ERR;
    } else {
        cli_error("import", "the node has %zu collections: say which with --collection", n);
        rc = CLI_ERR;
    }
    sol_collection_list_free(v, n);
    return rc;
}

struct opts {
    const char *collection, *format, *batch_text, *tlp, *identity, *valid_from, *confidence;
    const char *type, *mapping;
    bool no_warninglists, refuse_warninglisted;
};

/* Only warninglists: nothing to ingest, no collection needed. */
static bool
only_warninglists(const struct opts *op)
{
    return op->format && strcmp(op->format, "warninglist") == 0;
}

/* cli.h: solidarity import (see the top of this file). */
int
cli_cmd_import(int argc, char **argv)
{
    struct opts op = {0};
    const char **recipients = calloc((size_t)argc + 1, sizeof *recipients);
    const char **files = calloc((size_t)argc, sizeof *files);
    const char **labels = calloc((size_t)argc, sizeof *labels);
    size_t n_recipients = 0, n_files = 0, n_labels = 0;
    struct run run = {.json = cli_globals.json};
    int status = CLI_OK;
    char *mapping_text = NULL;
    if (!recipients || !files || !labels) {
        cli_error("import", "out of memory");
        status = CLI_ERR;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        int r;
        const char *v = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            goto out;
        } else if ((r = cli_opt_value("import", argv, argc, &i, "--collection", &op.collection)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--format", &op.format)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--batch", &op.batch_text)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--tlp", &op.tlp)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--identity", &op.identity)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--valid-from", &op.valid_from)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--confidence", &op.confidence)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--type", &op.type)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--mapping", &op.mapping))) {
            if (r < 0) {
                status = CLI_ERR;
                goto out;
            }
        } else if ((r = cli_opt_value("import", argv, argc, &i, "--recipient", &v)) != 0) {
            if (r < 0) {
                status = CLI_ERR;
                goto out;
            }
            recipients[n_recipients++] = v;
        } else if ((r = cli_opt_value("import", argv, argc, &i, "--label", &v)) != 0) {
            if (r < 0) {
                status = CLI_ERR;
                goto out;
            }
            labels[n_labels++] = v;
        } else if (strcmp(argv[i], "--ack") == 0) {
            run.ack = true;
        } else if (strcmp(argv[i], "--json") == 0) {
            run.json = true;
        } else if (strcmp(argv[i], "--no-warninglists") == 0) {
            op.no_warninglists = true;
        } else if (strcmp(argv[i], "--refuse-warninglisted") == 0) {
            op.refuse_warninglisted = true;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            cli_globals.quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0) {
            status = cli_usage("import", "unknown option '%s'", argv[i]);
            goto out;
        } else if (strcmp(argv[i], "--") == 0) {
            while (++i < argc)
                files[n_files++] = argv[i];
        } else {
            files[n_files++] = argv[i];
        }
    }
    const struct sol_format *fmt = NULL;
    if (op.format) {
        fmt = sol_format_find(op.format);
        if (!fmt || !fmt->read) {
            size_t n;
            const struct sol_format *fm = sol_formats(&n);
            struct sol_buf names;
            sol_buf_init(&names);
            for (size_t k = 0; k < n; k++)
                if (fm[k].read)
                    sol_buf_printf(&names, "%s%s", names.n ? ", " : "", fm[k].name);
            status = cli_usage("import", "--format: '%s' is not a format this node reads (%s)",
                               op.format, names.p ? names.p : "");
            sol_buf_free(&names);
            goto out;
        }
    }
    struct sol_import_options io = {.confidence = -1, .forced_kind = -1};
    if (op.tlp && cli_parse_tlp("import", "--tlp", op.tlp, &io.tlp) != CLI_OK) {
        status = CLI_ERR;
        goto out;
    }
    if (op.identity && strncmp(op.identity, "identity--", 10) != 0) {
        status = cli_usage("import", "--identity: '%s' is not an identity id", op.identity);
        goto out;
    }
    if (op.valid_from && sol_time_parse(op.valid_from, strlen(op.valid_from), SOL_TIME_ALLOW_LOWER,
                                        &io.valid_from, NULL, NULL) != 0) {
        status = cli_usage("import", "--valid-from: '%s' is not an RFC 3339 time", op.valid_from);
        goto out;
    }
    if (op.confidence) {
        char *end;
        long c = strtol(op.confidence, &end, 10);
        if (*end || end == op.confidence || c < 0 || c > 100) {
            status = cli_usage("import", "--confidence: '%s' is not a number from 0 to 100",
                               op.confidence);
            goto out;
        }
        io.confidence = (int)c;
    }
    if (op.type &&
        ((io.forced_kind = sol_atom_kind_parse(op.type)) < 0 || io.forced_kind == SOL_ATOM_OTHER)) {
        status = cli_usage("import",
                           "--type: '%s' is not a kind (ipv4-addr, ipv6-addr, "
                           "domain-name, url, email-addr, md5, sha1, sha256, sha512, "
                           "file-name, x509-sha1)",
                           op.type);
        goto out;
    }
    if (op.mapping) {
        struct sol_buf mb;
        struct sol_error e;
        sol_buf_init(&mb);
        if (sol_read_file(op.mapping, 1 << 20, &mb, &e) != 0) {
            cli_error("import", "%s: %s", op.mapping, e.msg);
            sol_buf_free(&mb);
            status = CLI_ERR;
            goto out;
        }
        mapping_text = sol_buf_steal(&mb, NULL);
        io.mapping = mapping_text ? mapping_text : "";
    }
    io.labels = labels;
    io.n_labels = n_labels;
    io.refuse_warninglisted = op.refuse_warninglisted;
    size_t batch = 1000;
    if (op.batch_text) {
        char *end;
        long long b = strtoll(op.batch_text, &end, 10);
        if (*end || end == op.batch_text || b < 1 || b > 1000000) {
            status = cli_usage("import", "--batch: '%s' is not a number from 1 to 1000000",
                               op.batch_text);
            goto out;
        }
        batch = (size_t)b;
    }
    if (!n_files) {
        status = cli_usage("import", "no input files (use '-' for standard input)");
        goto out;
    }
    for (size_t k = 0; k < n_recipients; k++)
        if (strncmp(recipients[k], "identity--", 10) != 0) {
            status = cli_usage("import", "--recipient: '%s' is not an identity id", recipients[k]);
            goto out;
        }

    struct sol_store *s = NULL;
    if (cli_open_store("import", &s) != CLI_OK) {
        status = CLI_ERR;
        goto out;
    }
    io.store = s;
    char *coll = NULL;
    if (!only_warninglists(&op) && pick_collection(s, op.collection, &coll) != CLI_OK) {
        sol_store_close(s);
        status = CLI_ERR;
        goto out;
    }
    /* The node's own organisation holds what its operator imports: a TLP:RED recipient,
     * and the creator of what this import makes unless --identity says otherwise. */
    struct sol_buf own;
    sol_buf_init(&own);
    if (sol_store_setting_get(s, SOL_SETTING_NODE_IDENTITY, &own) == 0) {
        recipients[n_recipients++] = own.p;
        if (!op.identity)
            io.identity = own.p;
    }
    if (op.identity)
        io.identity = op.identity;
    struct sol_error err;
    sol_error_clear(&err);
    struct sol_warninglists *wl = NULL;
    if (!op.no_warninglists && !only_warninglists(&op)) {
        wl = sol_warninglists_new();
        if (!wl || sol_warninglists_load(wl, s, &err) != 0) {
            cli_error("import", "%s", wl ? err.msg : "out of memory");
            sol_warninglists_free(wl);
            sol_buf_free(&own);
            sol_free(coll);
            sol_store_close(s);
            status = CLI_ERR;
            goto out;
        }
        if (sol_warninglists_count(wl, NULL))
            io.warninglists = wl;
    }
    run.progress = !cli_globals.quiet && !run.json && isatty(STDERR_FILENO);
    sol_buf_init(&run.out);
    sol_buf_init(&run.notes);
    sol_buf_init(&run.comments);
    sol_jw_init(&run.w, &run.out, false);
    sol_jw_init(&run.nw, &run.notes, false);
    sol_jw_object_begin(&run.w);
    sol_jw_key(&run.w, "rejections");
    sol_jw_array_begin(&run.w);
    sol_jw_array_begin(&run.nw);

    /* ingest.h "Provenance": what the node's own partner creates is marked and signed. */
    struct sol_sign_key key;
    bool have_key = sol_sign_node_key(s, cli_globals.data_dir, &key, &err) == 0;
    if (!have_key)
        cli_error("import", "the node's own objects stay unsigned: %s", err.msg);
    struct sol_ingest_options o = {.collection = coll,
                                   .actor = cli_actor(),
                                   .origin = "import",
                                   .red_recipients = recipients,
                                   .n_red_recipients = n_recipients,
                                   .batch_size = batch,
                                   .on_commit = on_commit,
                                   .ud = &run,
                                   .node_key = have_key ? &key : NULL};
    if (coll && sol_ingest_begin(s, &o, &run.in, &err) != 0) {
        cli_error("import", "%s", err.msg);
        status = CLI_ERR;
    }
    struct sol_import_sink sink = {on_object, on_note, &run, on_total};
    struct sol_import_report total = {0};
    bool store_failed = false;
    for (size_t f = 0; (run.in || !coll) && f < n_files && !store_failed; f++) {
        run.file = strcmp(files[f], "-") == 0 ? "(stdin)" : files[f];
        run.done = run.last_draw = run.total = 0;
        run.range_start = run.range_end = 0;
        sol_buf_reset(&run.comments);
        struct sol_import_report rep;
        const struct sol_format *used = NULL;
        sol_error_clear(&err);
        int rc = sol_format_import(fmt, files[f], &io, &sink, &rep, &used, &err);
        draw(&run, true);
        flush_comments(&run);
        if (run.comments.n) {
            if (run.json)
                json_note(&run, "comment", run.file, NULL, run.comments.p);
            else if (!cli_globals.quiet)
                fprintf(stderr, "solidarity: import: %s: comment lines skipped: %s\n", run.file,
                        run.comments.p);
        }
        if (rep.n_by_type && !run.json) {
            struct sol_buf b;
            sol_buf_init(&b);
            for (size_t k = 0; k < rep.n_by_type; k++)
                sol_buf_printf(&b, "%s%s %zu", k ? ", " : "", rep.by_type[k].name,
                               rep.by_type[k].count);
            cli_error("import", "%s: %zu MISP attributes have no STIX mapping: %s", run.file,
                      rep.unmapped, b.p);
            sol_buf_free(&b);
        }
        total.objects += rep.objects;
        total.junk += rep.junk;
        total.unmapped += rep.unmapped;
        total.refused += rep.refused;
        sol_import_report_free(&rep);
        if (run.store_rc) {
            cli_error("import", "%s: the store failed: %s", run.file, sol_store_errmsg(s));
            store_failed = true;
            status = CLI_ERR;
        } else if (rc != 0) {
            char where[800];
            cli_error("import", "%s: %s", run.file, sol_error_format(&err, where, sizeof where));
            status = CLI_ERR;
        }
    }
    struct sol_ingest_stats st = {0};
    if (run.in) {
        sol_ingest_get_stats(run.in, &st);
        if (store_failed) {
            sol_ingest_abort(run.in);
        } else if (sol_ingest_end(run.in) != 0) {
            cli_error("import", "cannot commit: %s", sol_store_errmsg(s));
            store_failed = true;
            status = CLI_ERR;
        }
    }
    if (store_failed) /* only what was committed counts */
        st.stored = st.durable_stored, st.held = st.durable_held;
    if (status == CLI_OK && (st.rejected || total.junk))
        status = CLI_NO;
    sol_jw_array_end(&run.w);
    sol_jw_array_end(&run.nw);
    if (run.json) {
        sol_jw_key(&run.w, "notes");
        sol_jw_raw(&run.w, run.notes.p, run.notes.n);
        sol_jw_key(&run.w, "stored");
        sol_jw_uint(&run.w, st.stored);
        sol_jw_key(&run.w, "held");
        sol_jw_uint(&run.w, st.held);
        sol_jw_key(&run.w, "rejected");
        sol_jw_uint(&run.w, st.rejected);
        sol_jw_key(&run.w, "junk");
        sol_jw_uint(&run.w, total.junk);
        sol_jw_key(&run.w, "unmapped");
        sol_jw_uint(&run.w, total.unmapped);
        sol_jw_key(&run.w, "warninglisted");
        sol_jw_uint(&run.w, run.warninglisted);
        sol_jw_key(&run.w, "refused");
        sol_jw_uint(&run.w, total.refused);
        if (coll) {
            sol_jw_key(&run.w, "collection");
            sol_jw_string(&run.w, coll);
        }
        sol_jw_object_end(&run.w);
        printf("%s\n", run.out.p);
    } else if (!cli_globals.quiet && coll) {
        fprintf(stderr, "stored %zu, already held %zu, rejected %zu", st.stored, st.held,
                st.rejected);
        if (total.junk)
            fprintf(stderr, ", junk %zu", total.junk);
        if (total.unmapped)
            fprintf(stderr, ", unmapped %zu", total.unmapped);
        if (run.warninglisted)
            fprintf(stderr, ", on warninglists %zu (%s)", run.warninglisted,
                    op.refuse_warninglisted ? "refused" : "kept");
        fputc('\n', stderr);
    }
    if (!coll && status == CLI_OK) {
        char d[200];
        snprintf(d, sizeof d, "{\"files\":%zu}", n_files);
        cli_audit("import", s, "warninglists.add", "warninglists", d);
    }
    sol_warninglists_free(wl);
    sol_buf_free(&run.out);
    sol_buf_free(&run.notes);
    sol_buf_free(&run.comments);
    sol_buf_free(&own);
    sol_free(coll);
    sol_sign_key_clear(&key);
    sol_store_close(s);
out:
    free(recipients);
    free(files);
    free(labels);
    sol_free(mapping_text);
    return status;
}
