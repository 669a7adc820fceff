/*
 * cmd_import.c — solidarity import: bulk STIX into a collection, through the one ingest
 * path (validate → mark → store → audit, include/solidarity/ingest.h).
 *
 *   solidarity import [--collection ID] [--format stix] [--batch N] [--recipient ID]...
 *                     [--ack] FILE...
 *
 * FILE is a STIX bundle, a JSON list of objects, a TAXII envelope or one object; '-'
 * reads standard input. TLP:RED objects may go to their author, the partners their
 * x_solidarity_recipients names, the --recipient partners and the node's own
 * organisation (access.h). Objects are stored in transactions of --batch objects (default
 * 1000); each is durable when its commit returns. With --ack, "committed N" goes to
 * standard output after each commit: the first N objects of the input that were not
 * rejected (counted across the files in order) are safely in the store, whatever
 * happens next. Rejected objects are reported on standard error with where and why;
 * the summary "stored N, already held N, rejected N" ends the run (--json: one JSON
 * document on standard output instead). A progress bar shows on a terminal.
 *
 * Exit status: 0 everything stored or already held, 1 something rejected, 2 a file
 * could not be read or is not JSON, a usage error, or a store error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/alloc.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"

static void
help(FILE *f)
{
    fprintf(
        f,
        "usage: solidarity import [--collection ID] [--format stix] [--batch N]\n"
        "                         [--recipient IDENTITY]... [--ack] FILE...\n\n"
        "Import STIX bundles, lists of objects, TAXII envelopes or single objects into a\n"
        "collection (its id or alias; optional when the node has only one). Each object is\n"
        "validated; valid ones are stored, versions already held are left as they are, and\n"
        "invalid ones are reported with their path and the reason. FILE '-' is standard input.\n\n"
        "options:\n"
        "  --collection ID     the collection (id or alias)\n"
        "  --format stix       the input format (only STIX for now)\n"
        "  --batch N           objects per transaction (default 1000)\n"
        "  --recipient ID      a partner identity (identity--UUID) that may also receive\n"
        "                      the TLP:RED objects of this import; repeatable\n"
        "  --ack               print 'committed N' after each durable transaction\n"
        "  --json              the summary and rejections as one JSON document on stdout\n"
        "  --quiet, -q         no progress bar and no summary\n\n"
        "exit status: 0 all stored or already held, 1 some rejected, 2 unreadable input,\n"
        "not JSON, or a store error.\n");
}

struct run {
    const char *file;
    bool ack, progress, json;
    size_t total;             /* objects in the current file, for the progress bar */
    size_t done;              /* objects of the current file handled */
    size_t last_draw;         /* done when the bar was last drawn */
    struct sol_json_writer w; /* rejections, for --json */
    struct sol_buf out;
};

static size_t
count_objects(const struct sol_json *root)
{
    if (sol_json_type(root) == SOL_JSON_ARRAY)
        return root->n;
    const struct sol_json *objs = sol_json_get(root, "objects");
    if (sol_json_type(objs) == SOL_JSON_ARRAY)
        return objs->n;
    return 1;
}

static void
draw(struct run *r, bool final)
{
    if (!r->progress)
        return;
    if (!final && r->done - r->last_draw < 200)
        return;
    r->last_draw = r->done;
    size_t width = 30, filled = r->total ? r->done * width / r->total : width;
    char bar[64];
    for (size_t i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = 0;
    const char *base = strrchr(r->file, '/');
    fprintf(stderr, "\r%.40s [%s] %zu/%zu", base ? base + 1 : r->file, bar, r->done, r->total);
    if (final)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static void
on_result(void *ud, const struct sol_ingest_result *res)
{
    struct run *r = ud;
    r->done++;
    if (res->outcome == SOL_INGEST_REJECTED) {
        if (r->json) {
            sol_jw_object_begin(&r->w);
            sol_jw_key(&r->w, "file");
            sol_jw_string(&r->w, r->file);
            sol_jw_key(&r->w, "path");
            sol_jw_string(&r->w, res->path);
            sol_jw_key(&r->w, "id");
            sol_jw_string(&r->w, res->id);
            sol_jw_key(&r->w, "message");
            sol_jw_string(&r->w, res->message);
            sol_jw_object_end(&r->w);
        } else {
            if (r->progress)
                fputs("\r\033[K", stderr);
            cli_error("import", "%s: %s", r->file, res->message);
        }
    }
    draw(r, false);
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

/* cli.h: solidarity import (see the top of this file). */
int
cli_cmd_import(int argc, char **argv)
{
    const char *collection = NULL, *format = "stix", *batch_text = NULL;
    const char **recipients = calloc((size_t)argc, sizeof *recipients);
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t n_recipients = 0, n_files = 0;
    struct run run = {.json = cli_globals.json};
    int status = CLI_OK;
    if (!recipients || !files) {
        cli_error("import", "out of memory");
        free(recipients);
        free(files);
        return CLI_ERR;
    }
    for (int i = 1; i < argc; i++) {
        int r;
        const char *v = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            goto out;
        } else if ((r = cli_opt_value("import", argv, argc, &i, "--collection", &collection)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--format", &format)) ||
                   (r = cli_opt_value("import", argv, argc, &i, "--batch", &batch_text))) {
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
        } else if (strcmp(argv[i], "--ack") == 0) {
            run.ack = true;
        } else if (strcmp(argv[i], "--json") == 0) {
            run.json = true;
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
    if (strcmp(format, "stix") != 0) {
        status = cli_usage("import", "--format: '%s' is not supported (stix)", format);
        goto out;
    }
    size_t batch = 1000;
    if (batch_text) {
        char *end;
        long long b = strtoll(batch_text, &end, 10);
        if (*end || end == batch_text || b < 1 || b > 1000000) {
            status =
                cli_usage("import", "--batch: '%s' is not a number from 1 to 1000000", batch_text);
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
    char *coll = NULL;
    if (pick_collection(s, collection, &coll) != CLI_OK) {
        sol_store_close(s);
        status = CLI_ERR;
        goto out;
    }
    /* The node's own organisation holds what its operator imports: a TLP:RED recipient. */
    struct sol_buf own;
    sol_buf_init(&own);
    if (sol_store_setting_get(s, SOL_SETTING_NODE_IDENTITY, &own) == 0)
        recipients[n_recipients++] = own.p;
    run.progress = !cli_globals.quiet && !run.json && isatty(STDERR_FILENO);
    sol_buf_init(&run.out);
    sol_jw_init(&run.w, &run.out, false);
    sol_jw_object_begin(&run.w);
    sol_jw_key(&run.w, "rejections");
    sol_jw_array_begin(&run.w);

    struct sol_ingest_options o = {.collection = coll,
                                   .actor = cli_actor(),
                                   .origin = "import",
                                   .red_recipients = recipients,
                                   .n_red_recipients = n_recipients,
                                   .batch_size = batch,
                                   .on_commit = on_commit,
                                   .ud = &run};
    struct sol_ingest *in = NULL;
    struct sol_error err;
    if (sol_ingest_begin(s, &o, &in, &err) != 0) {
        cli_error("import", "%s", err.msg);
        status = CLI_ERR;
    }
    struct sol_json_doc *doc = in ? sol_json_doc_new(NULL) : NULL;
    bool store_failed = false;
    for (size_t f = 0; in && doc && f < n_files && !store_failed; f++) {
        const struct sol_json *root;
        run.file = strcmp(files[f], "-") == 0 ? "(stdin)" : files[f];
        if (sol_json_parse_file(doc, files[f], &root, &err) != 0) {
            char where[768];
            cli_error("import", "%s: %s", run.file, sol_error_format(&err, where, sizeof where));
            status = CLI_ERR;
            continue;
        }
        run.total = count_objects(root);
        run.done = run.last_draw = 0;
        if (sol_ingest_document(in, root, on_result, &run, &err) != 0) {
            draw(&run, true);
            if (err.code == SOL_EINVALID) {
                cli_error("import", "%s: %s", run.file, err.msg);
            } else {
                cli_error("import", "%s: %s (%s)", run.file, err.msg, sol_store_errmsg(s));
                store_failed = true;
            }
            status = CLI_ERR;
            continue;
        }
        draw(&run, true);
    }
    if (in && !doc) {
        cli_error("import", "out of memory");
        status = CLI_ERR;
    }
    struct sol_ingest_stats st = {0};
    if (in) {
        sol_ingest_get_stats(in, &st);
        if (store_failed) {
            sol_ingest_abort(in);
        } else if (sol_ingest_end(in) != 0) {
            cli_error("import", "cannot commit: %s", sol_store_errmsg(s));
            store_failed = true;
            status = CLI_ERR;
        }
    }
    sol_json_doc_free(doc);
    if (store_failed) /* only what was committed counts */
        st.stored = st.durable_stored, st.held = st.durable_held;
    if (status == CLI_OK && st.rejected)
        status = CLI_NO;
    sol_jw_array_end(&run.w);
    if (run.json) {
        sol_jw_key(&run.w, "stored");
        sol_jw_uint(&run.w, st.stored);
        sol_jw_key(&run.w, "held");
        sol_jw_uint(&run.w, st.held);
        sol_jw_key(&run.w, "rejected");
        sol_jw_uint(&run.w, st.rejected);
        sol_jw_key(&run.w, "collection");
        sol_jw_string(&run.w, coll);
        sol_jw_object_end(&run.w);
        printf("%s\n", run.out.p);
    } else if (!cli_globals.quiet) {
        fprintf(stderr, "stored %zu, already held %zu, rejected %zu\n", st.stored, st.held,
                st.rejected);
    }
    sol_buf_free(&run.out);
    sol_buf_free(&own);
    sol_free(coll);
    sol_store_close(s);
out:
    free(recipients);
    free(files);
    return status;
}
