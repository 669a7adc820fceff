/*
 * cmd_export.c — solidarity export --format F [--collection ID] [--output FILE]: a
 * collection written out in a format, through the one policy check (access.h).
 *
 * "stix" (a STIX 2.1 bundle, optionally signed: sign.h) is written here; every other
 * format is a writer of the format table (include/solidarity/formats.h), given the store
 * and a query filter already restricted by the policy. A writer of several files
 * (suricata) writes them into the directory --output names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/access.h"
#include "solidarity/formats.h"
#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"

struct export_opts {
    const char *format, *collection, *output, *for_partner;
    bool signed_;
    int max_tlp;
    struct sol_export_options fo; /* the table's writers */
    const struct sol_format *writer;
};

typedef int (*export_fn)(FILE *out, struct sol_store *s, struct sol_object_filter *f,
                         const struct export_opts *eo);

static void
usage(FILE *f)
{
    size_t n;
    const struct sol_format *fm = sol_formats(&n);
    fputs("usage: solidarity export --format F [--collection ID] [--for PARTNER]\n"
          "                         [--max-tlp LEVEL] [--output FILE|DIR] [options]\n"
          "Write the current version of every object of a collection (default: the first\n"
          "one) that the reader may see: the partner named by --for (TLP:RED only when it is\n"
          "a recipient, and it needs a read grant), with clearance --max-tlp (default amber).\n"
          "Sensor formats carry only the indicators whose pattern they express exactly;\n"
          "revoked and expired indicators are left out, the others are counted and named.\n\n"
          "formats (--format):\n"
          "  stix          a STIX 2.1 bundle (--signed: each object signed by this node)\n",
          f);
    for (size_t i = 0; i < n; i++)
        if (fm[i].write)
            fprintf(f, "  %-13s %s%s\n", fm[i].name, fm[i].summary,
                    fm[i].flags & SOL_FORMAT_PARTS ? " (--output DIR)" : "");
    fputs("\noptions:\n"
          "  --only KINDS        only values of these kinds, comma-separated (ipv4-addr,\n"
          "                      ipv6-addr, domain-name, url, email-addr, md5, sha1, sha256,\n"
          "                      sha512, file-name, x509-sha1)\n"
          "  --source NAME       zeek-intel meta.source, misp Orgc name (default: the node)\n"
          "  --rpz-zone NAME     rpz: the zone's name (default rpz.solidarity.)\n"
          "  --rpz-action A      rpz: nxdomain (default), nodata, drop, passthru\n"
          "  --serial N          rpz: the SOA serial (default: the time in seconds)\n"
          "  --signed            stix: sign each object with this node's key\n",
          f);
}

/* The sink of the table's writers: one file, or one file per part in a directory. */
struct file_sink {
    FILE *out;
    const char *dir;
    bool own;
    int err;
};

static int
file_part(void *ud, const char *name)
{
    struct file_sink *fs = ud;
    if (!name)
        return 0;
    if (fs->own && fs->out && fclose(fs->out) != 0)
        return fs->err = SOL_EIO;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", fs->dir, name);
    fs->out = fopen(path, "w");
    fs->own = true;
    if (!fs->out) {
        cli_error("export", "%s: cannot write", path);
        return fs->err = SOL_EIO;
    }
    return 0;
}

static int
file_write(void *ud, const void *p, size_t n)
{
    struct file_sink *fs = ud;
    if (!fs->out || fwrite(p, 1, n, fs->out) != n)
        return fs->err = SOL_EIO;
    return 0;
}

/* A format of the table: run its writer and say what went out and what did not. */
static int
export_table(FILE *out, struct sol_store *s, struct sol_object_filter *f,
             const struct export_opts *eo)
{
    bool parts = (eo->writer->flags & SOL_FORMAT_PARTS) != 0;
    struct file_sink fs = {.out = parts ? NULL : out, .dir = eo->output};
    struct sol_export_sink sink = {file_part, file_write, &fs};
    struct sol_export_report rep;
    struct sol_error err;
    sol_error_clear(&err);
    int rc = sol_format_export(eo->writer, s, f, &eo->fo, &sink, &rep, &err);
    if (fs.own && fs.out && fclose(fs.out) != 0 && rc == 0)
        rc = SOL_EIO;
    if (rc != 0) {
        if (!fs.err || rc != fs.err)
            cli_error("export", "%s", err.msg[0] ? err.msg : sol_strerror(rc));
        sol_export_report_free(&rep);
        return CLI_ERR;
    }
    if (!cli_globals.quiet) {
        fprintf(stderr,
                "solidarity: export: %zu of %zu indicators (%zu entries) in %s; left out: %zu "
                "revoked, %zu expired, %zu not expressible in %s\n",
                rep.exported, rep.indicators, rep.entries, eo->writer->name, rep.revoked,
                rep.expired, rep.inexpressible, eo->writer->name);
        for (size_t i = 0; i < rep.n_skipped; i++)
            fprintf(stderr, "  %s  %s: %s\n", rep.skipped[i].id,
                    rep.skipped[i].name[0] ? rep.skipped[i].name : "-", rep.skipped[i].why);
        if (rep.inexpressible > rep.n_skipped)
            fprintf(stderr, "  ... and %zu more\n", rep.inexpressible - rep.n_skipped);
    }
    sol_export_report_free(&rep);
    return CLI_OK;
}

/* STIX 2.1 §8: one bundle, written object by object (constant memory). */
static int
export_stix(FILE *out, struct sol_store *s, struct sol_object_filter *f,
            const struct export_opts *eo)
{
    struct sol_sign_key key;
    struct sol_json_doc *doc = NULL;
    struct sol_buf one;
    sol_buf_init(&one);
    if (eo->signed_) {
        struct sol_error err;
        sol_error_clear(&err);
        if (sol_sign_node_key(s, cli_globals.data_dir, &key, &err) != 0) {
            cli_error("export", "%s", err.msg);
            return CLI_ERR;
        }
        doc = sol_json_doc_new(NULL);
        if (!doc) {
            cli_error("export", "out of memory");
            sol_sign_key_clear(&key);
            return CLI_ERR;
        }
    }
    struct sol_uuid u;
    char uid[37];
    sol_uuid_v4(&u);
    sol_uuid_format(&u, uid);
    fprintf(out, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", uid);
    size_t n = 0;
    if (eo->signed_) {
        fputs(sol_sign_extension_definition(), out);
        n++;
    }
    struct sol_store_cursor *cur = NULL;
    int rc = sol_store_objects_query(s, f, &cur);
    if (rc != 0) {
        cli_error("export", "%s", sol_store_errmsg(s));
        rc = CLI_ERR;
        goto out;
    }
    struct sol_object_row row;
    size_t count = 0;
    while ((rc = sol_store_cursor_next(cur, &row)) == 0) {
        if (eo->signed_ && sol_str_eqc(row.id, SOL_SIGN_EXTENSION_ID))
            continue; /* already written first */
        if (n++)
            fputc(',', out);
        count++;
        if (!eo->signed_) {
            fwrite(row.json.p, 1, row.json.n, out);
            continue;
        }
        const struct sol_json *obj = NULL;
        struct sol_error err;
        sol_error_clear(&err);
        if (sol_json_parse(doc, row.json.p, row.json.n, &obj, &err) != 0) {
            rc = SOL_EINVALID;
            cli_error("export", "%.*s: the stored JSON cannot be read", (int)row.id.n, row.id.p);
            break;
        }
        enum sol_sign_verdict vd;
        (void)sol_sign_verify(obj, NULL, 0, &vd, NULL, 0, NULL);
        if (vd != SOL_SIGN_UNSIGNED) {
            /* signed already (by us or by its author): keep that signature */
            fwrite(row.json.p, 1, row.json.n, out);
            continue;
        }
        sol_buf_reset(&one);
        if (sol_sign_object(&key, obj, &one, &err) != 0) {
            rc = err.code ? err.code : SOL_ECRYPTO;
            cli_error("export", "%.*s: %s", (int)row.id.n, row.id.p, err.msg);
            break;
        }
        fwrite(one.p, 1, one.n, out);
    }
    sol_store_cursor_close(cur);
    if (rc == SOL_EEOF) {
        rc = CLI_OK;
        fputs("]}\n", out);
        if (!cli_globals.quiet)
            fprintf(stderr, "solidarity: export: %zu objects%s\n", count,
                    eo->signed_ ? ", signed" : "");
    } else {
        if (rc < 0 && rc != SOL_EINVALID)
            cli_error("export", "%s", sol_store_errmsg(s));
        rc = CLI_ERR;
    }
out:
    if (eo->signed_)
        sol_sign_key_clear(&key);
    sol_json_doc_free(doc);
    sol_buf_free(&one);
    return rc;
}

static const struct {
    const char *name;
    export_fn fn;
} formats[] = {
    {"stix", export_stix},
};

int
cli_cmd_export(int argc, char **argv)
{
    struct export_opts eo = {.max_tlp = SOL_TLP_AMBER};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int k;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--signed") == 0) {
            eo.signed_ = true;
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--format", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            eo.format = v;
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--collection", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            eo.collection = v;
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--output", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            eo.output = v;
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--for", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            eo.for_partner = v;
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--max-tlp", &v)) != 0) {
            if (k < 0 || cli_parse_tlp("export", "--max-tlp", v, &eo.max_tlp) != CLI_OK)
                return CLI_ERR;
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--only", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            char word[64];
            for (const char *p = v; *p;) {
                size_t l = strcspn(p, ",");
                snprintf(word, sizeof word, "%.*s", (int)(l < 63 ? l : 63), p);
                int kind = sol_atom_kind_parse(word);
                if (kind < 0 || kind == SOL_ATOM_OTHER)
                    return cli_usage("export", "--only: '%s' is not a kind", word);
                eo.fo.only |= 1u << kind;
                p += l + (p[l] == ',');
            }
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--source", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            eo.fo.source = v;
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--rpz-zone", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            eo.fo.rpz_zone = v;
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--rpz-action", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            static const char *const acts[] = {"nxdomain", "nodata", "drop", "passthru"};
            int act = -1;
            for (int j = 0; j < 4; j++)
                if (strcmp(v, acts[j]) == 0)
                    act = j;
            if (act < 0)
                return cli_usage("export",
                                 "--rpz-action: '%s' is not nxdomain, nodata, drop or "
                                 "passthru",
                                 v);
            eo.fo.rpz_action = (enum sol_rpz_action)act;
        } else if ((k = cli_opt_value("export", argv, argc, &i, "--serial", &v)) != 0) {
            if (k < 0)
                return CLI_ERR;
            char *end;
            unsigned long n = strtoul(v, &end, 10);
            if (*end || end == v || n == 0 || n > 4294967295ul)
                return cli_usage("export", "--serial: '%s' is not a number from 1 to 4294967295",
                                 v);
            eo.fo.rpz_serial = (uint32_t)n;
        } else {
            return cli_usage("export", "unknown argument '%s'", a);
        }
    }
    if (!eo.format)
        return cli_usage("export", "--format is required (see --help)");
    export_fn fn = NULL;
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        if (strcmp(formats[i].name, eo.format) == 0)
            fn = formats[i].fn;
    if (!fn && (eo.writer = sol_format_find(eo.format)) && eo.writer->write)
        fn = export_table;
    if (!fn)
        return cli_usage("export", "--format: '%s' is not a format this node writes (see --help)",
                         eo.format);
    if (eo.signed_ && strcmp(eo.format, "stix") != 0)
        return cli_usage("export", "--signed applies to --format stix only");
    bool parts = eo.writer && (eo.writer->flags & SOL_FORMAT_PARTS);
    if (parts) {
        if (!eo.output || strcmp(eo.output, "-") == 0)
            return cli_usage("export",
                             "--format %s writes several files: name a directory "
                             "with --output DIR",
                             eo.format);
        if (mkdir(eo.output, 0755) != 0 && errno != EEXIST) {
            cli_error("export", "%s: cannot make the directory: %s", eo.output, strerror(errno));
            return CLI_ERR;
        }
    }
    struct sol_store *s = NULL;
    int rc = cli_open_store("export", &s);
    if (rc != CLI_OK)
        return rc;
    struct sol_collection col;
    memset(&col, 0, sizeof col);
    if (eo.collection) {
        int r = sol_store_collection_get(s, NULL, eo.collection, &col);
        if (r != 0) {
            cli_error("export", "%s: %s", eo.collection,
                      r == SOL_ENOTFOUND ? "no such collection" : sol_store_errmsg(s));
            sol_store_close(s);
            return CLI_ERR;
        }
    } else {
        struct sol_collection *v = NULL;
        size_t n = 0;
        if (sol_store_collection_list(s, NULL, &v, &n) != 0 || n == 0) {
            cli_error("export", "this node has no collection to export");
            sol_collection_list_free(v, n);
            sol_store_close(s);
            return CLI_ERR;
        }
        col = v[0];
        memset(&v[0], 0, sizeof v[0]);
        sol_collection_list_free(v, n);
    }
    /* The one policy check: what the reader may see. */
    struct sol_principal who;
    memset(&who, 0, sizeof who);
    who.clearance = eo.max_tlp;
    who.is_admin = true; /* the node's operator, unless exporting for a partner */
    if (eo.for_partner) {
        struct sol_partner p;
        int r = sol_store_partner_get(s, eo.for_partner, &p);
        if (r != 0) {
            cli_error("export", "%s: %s", eo.for_partner,
                      r == SOL_ENOTFOUND ? "no such partner" : sol_store_errmsg(s));
            sol_collection_clear(&col);
            sol_store_close(s);
            return CLI_ERR;
        }
        who.is_admin = false;
        who.partner_id = p.id;
        snprintf(who.partner_name, sizeof who.partner_name, "%s", p.name);
        snprintf(who.partner_identity, sizeof who.partner_identity, "%s",
                 p.identity ? p.identity : "");
        sol_partner_clear(&p);
        bool can_read = false, can_write = false;
        if (sol_store_grant_check(s, col.id, 0, who.partner_id, &can_read, &can_write) != 0 ||
            !can_read) {
            cli_error("export", "partner %s may not read the collection %s", eo.for_partner,
                      col.id);
            sol_collection_clear(&col);
            sol_store_close(s);
            return CLI_ERR;
        }
    } else {
        struct sol_buf ident;
        sol_buf_init(&ident);
        if (sol_store_setting_get(s, SOL_SETTING_NODE_IDENTITY, &ident) == 0)
            snprintf(who.partner_identity, sizeof who.partner_identity, "%s", ident.p);
        sol_buf_free(&ident);
    }
    struct sol_object_filter f = {.collection = col.id};
    sol_access_filter(&who, &f);
    FILE *out = stdout;
    struct sol_buf node;
    sol_buf_init(&node);
    if (!eo.fo.source && sol_store_setting_get(s, SOL_SETTING_NODE_NAME, &node) == 0)
        eo.fo.source = node.p;
    eo.fo.collection_title = col.title;
    if (!parts && eo.output && strcmp(eo.output, "-") != 0 && !(out = fopen(eo.output, "w"))) {
        cli_error("export", "%s: cannot write", eo.output);
        sol_buf_free(&node);
        sol_collection_clear(&col);
        sol_store_close(s);
        return CLI_ERR;
    }
    rc = fn(out, s, &f, &eo);
    int closed;
    if (out == stdout)
        closed = fflush(stdout);
    else
        closed = fclose(out);
    if (closed != 0 && rc == CLI_OK) {
        cli_error("export", "%s: write failed", eo.output ? eo.output : "standard output");
        rc = CLI_ERR;
    }
    if (rc == CLI_OK) {
        char d[200];
        snprintf(d, sizeof d, "{\"format\":\"%s\",\"signed\":%s}", eo.format,
                 eo.signed_ ? "true" : "false");
        cli_audit("export", s, "export", col.id, d);
    }
    sol_buf_free(&node);
    sol_collection_clear(&col);
    sol_store_close(s);
    return rc;
}
