/*
 * cmd_validate.c — solidarity validate: check STIX 2.1 (and 2.0) JSON files against
 * the specification and print what is wrong, where.
 *
 *   solidarity validate [--strict] [--json] [--quiet] [--stix-version 2.0|2.1] FILE...
 *
 * Each finding prints as "FILE: objects[12] (indicator--...): pattern_type: required
 * property missing" (warnings as "FILE: warning: ..."), then one summary line per file.
 * Exit 0 when every file is valid, 1 when any is invalid, 2 when a file cannot be read
 * or is not JSON (or on a usage error).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/util.h"

static void
help(FILE *f)
{
    fprintf(f, "usage: solidarity validate [--strict] [--json] [--quiet] [--stix-version 2.0|2.1] "
               "FILE...\n\n"
               "Validate STIX bundles, objects, lists of objects or TAXII envelopes against the\n"
               "STIX 2.1 specification (STIX 2.0 input is recognised and checked by 2.0 rules).\n"
               "FILE '-' reads standard input.\n\n"
               "options:\n"
               "  --strict            count warnings (SHOULDs, open vocabularies) as errors,\n"
               "                      with the pattern checks of 'pattern check --strict'\n"
               "  --json              one JSON document with every file and finding\n"
               "  --quiet, -q         print findings only, no summary lines\n"
               "  --stix-version V    validate as STIX 2.0 or 2.1 instead of detecting it\n"
               "  --help, -h          this text\n\n"
               "exit status: 0 all valid, 1 something invalid, 2 a file unreadable or not JSON.\n");
}

static void
print_text(const char *file, const struct sol_stix_report *rep, bool quiet)
{
    char buf[1200];
    for (size_t i = 0; i < rep->n; i++)
        printf("%s: %s%s\n", file, rep->v[i].severity == SOL_STIX_WARNING ? "warning: " : "",
               sol_stix_finding_format(&rep->v[i], buf, sizeof buf));
    if (!quiet)
        printf("%s: %s: %zu object%s, %zu error%s, %zu warning%s%s\n", file,
               rep->errors ? "invalid" : "valid", rep->objects, rep->objects == 1 ? "" : "s",
               rep->errors, rep->errors == 1 ? "" : "s", rep->warnings,
               rep->warnings == 1 ? "" : "s",
               rep->version == 20 ? (rep->detected_20 ? " (STIX 2.0 content, checked by 2.0 rules)"
                                                      : " (checked by STIX 2.0 rules)")
                                  : "");
}

static void
write_json_file(struct sol_json_writer *w, const char *file, const struct sol_stix_report *rep,
                const char *error)
{
    char buf[1200];
    sol_jw_object_begin(w);
    sol_jw_key(w, "file");
    sol_jw_string(w, file);
    if (error || !rep) {
        sol_jw_key(w, "valid");
        sol_jw_bool(w, false);
        sol_jw_key(w, "error");
        sol_jw_string(w, error ? error : "no report");
        sol_jw_object_end(w);
        return;
    }
    sol_jw_key(w, "valid");
    sol_jw_bool(w, rep->errors == 0);
    sol_jw_key(w, "stix_version");
    sol_jw_string(w, rep->version == 20 ? "2.0" : "2.1");
    sol_jw_key(w, "objects");
    sol_jw_uint(w, rep->objects);
    sol_jw_key(w, "errors");
    sol_jw_uint(w, rep->errors);
    sol_jw_key(w, "warnings");
    sol_jw_uint(w, rep->warnings);
    sol_jw_key(w, "findings");
    sol_jw_array_begin(w);
    for (size_t i = 0; i < rep->n; i++) {
        const struct sol_stix_finding *f = &rep->v[i];
        sol_jw_object_begin(w);
        sol_jw_key(w, "severity");
        sol_jw_string(w, f->severity == SOL_STIX_ERROR ? "error" : "warning");
        sol_jw_key(w, "path");
        sol_jw_string(w, f->path);
        sol_jw_key(w, "object_id");
        sol_jw_string(w, f->object_id);
        sol_jw_key(w, "message");
        sol_jw_string(w, f->msg);
        sol_jw_key(w, "text");
        sol_jw_string(w, sol_stix_finding_format(f, buf, sizeof buf));
        sol_jw_object_end(w);
    }
    sol_jw_array_end(w);
    sol_jw_object_end(w);
}

int
cli_cmd_validate(int argc, char **argv)
{
    struct sol_stix_options opt = {0, false};
    bool json = cli_globals.json, quiet = cli_globals.quiet;
    int first = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            first = i + 1;
            break;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help(stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--strict")) {
            opt.strict = true;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
        } else if (!strcmp(a, "--stix-version") || !strncmp(a, "--stix-version=", 15)) {
            const char *v = a[14] == '=' ? a + 15 : (i + 1 < argc ? argv[++i] : NULL);
            if (v && (!strcmp(v, "2.0") || !strcmp(v, "20")))
                opt.version = 20;
            else if (v && (!strcmp(v, "2.1") || !strcmp(v, "21")))
                opt.version = 21;
            else
                return cli_usage("validate", "--stix-version takes 2.0 or 2.1");
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage("validate", "unknown option '%s'", a);
        } else {
            first = i;
            break;
        }
    }
    if (first >= argc)
        return cli_usage("validate", "no FILE given ('-' reads standard input)");

    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    if (!doc) {
        cli_error("validate", "out of memory");
        return CLI_ERR;
    }
    struct sol_buf out;
    struct sol_json_writer w;
    sol_buf_init(&out);
    sol_jw_init(&w, &out, true);
    if (json) {
        sol_jw_object_begin(&w);
        sol_jw_key(&w, "files");
        sol_jw_array_begin(&w);
    }
    int status = CLI_OK;
    for (int i = first; i < argc; i++) {
        const char *file = argv[i];
        const struct sol_json *root;
        struct sol_error err;
        sol_error_clear(&err);
        int rc = sol_json_parse_file(doc, file, &root, &err);
        if (rc != 0) {
            char what[700];
            sol_error_format(&err, what, sizeof what);
            if (json)
                write_json_file(&w, file, NULL, what);
            else
                cli_error("validate", "%s: %s", !strcmp(file, "-") ? "(standard input)" : file,
                          what);
            status = CLI_ERR;
            continue;
        }
        struct sol_stix_report rep;
        sol_stix_report_init(&rep);
        rc = sol_stix_validate_document(root, &opt, &rep);
        if (rc < 0) {
            cli_error("validate", "%s: %s", file, sol_strerror(rc));
            sol_stix_report_free(&rep);
            status = CLI_ERR;
            continue;
        }
        if (json)
            write_json_file(&w, file, &rep, NULL);
        else
            print_text(!strcmp(file, "-") ? "(standard input)" : file, &rep, quiet);
        if (rep.errors && status == CLI_OK)
            status = CLI_NO;
        sol_stix_report_free(&rep);
    }
    if (json) {
        sol_jw_array_end(&w);
        sol_jw_key(&w, "valid");
        sol_jw_bool(&w, status == CLI_OK);
        sol_jw_object_end(&w);
        sol_buf_putc(&out, '\n');
        fwrite(out.p, 1, out.n, stdout);
    }
    sol_buf_free(&out);
    sol_json_doc_free(doc);
    fflush(stdout);
    return status;
}
