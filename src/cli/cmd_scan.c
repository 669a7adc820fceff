/*
 * cmd_scan.c — solidarity scan: match logs against every indicator and write the hits
 * as STIX sightings.
 *
 *   solidarity scan [--indicators FILE...] [--collection ID...] [--format F] [--mapping FILE]
 *                   [--output FILE] [--identity ID] [--store ID] [...] LOG...   (help() says all)
 *
 * The sightings bundle goes to --output or standard output (and into a collection of the
 * node with --store); a summary goes to standard error. Exit 0 when anything was
 * sighted, 1 when nothing was, 2 on an error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/match.h"
#include "solidarity/scan.h"
#include "solidarity/formats.h"
#include "solidarity/store.h"
#include "solidarity/util.h"

#define MAX_FILES 4096

static void
help(FILE *f)
{
    fprintf(f, "usage: solidarity scan [--indicators FILE...] [--collection ID...] [--format F]\n"
               "                       [--mapping FILE] [--output FILE] [--identity ID]\n"
               "                       [--store ID] [--tlp LEVEL] [--retro | --as-of TIME]\n"
               "                       [--follow] [--reorder-window S] [--threads N] [--per-file]\n"
               "                       [--with-observed-data] [--context N]\n"
               "                       [--warninglist FILE...] [--include-warninglisted] LOG...\n\n"
               "Match logs against every indicator of the given STIX bundles and collections and\n"
               "write one STIX sighting per indicator sighted, as a bundle. LOG '-' reads\n"
               "standard input; gzip-compressed logs are read as they are.\n\n"
               "options:\n"
               "  --indicators FILE   a STIX bundle (or array of objects) with indicators\n"
               "  --collection ID     the indicators of a collection of this node (--data DIR)\n"
               "  --store ID          also add the sightings to that collection of this node\n"
               "  --tlp LEVEL         the least TLP of every sighting; each also carries at least\n"
               "                      its indicator's TLP (its collection's default when it has\n"
               "                      none; amber for an unmarked one from a file) and the\n"
               "                      --store collection's default\n"
               "  --format F          zeek, zeek-json, eve, jsonl, csv or stix (default: detect)\n"
               "  --mapping FILE      field -> object-type:path rules, for jsonl and csv\n"
               "  --output FILE       write the bundle there instead of standard output\n"
               "  --identity ID       the identity--... that sighted (default: the node's, when\n"
               "                      there is a node; else one derived from the host name,\n"
               "                      included in the bundle)\n"
               "  --follow            keep reading logs as they grow; print each sighting as one\n"
               "                      JSON line when it happens (stop with Ctrl-C)\n"
               "  --threads N         read logs, and parts of a large log, on N threads\n"
               "                      (default: one per core)\n"
               "  --per-file          each log alone for patterns over several observations\n"
               "                      (default: all the logs as one time-ordered stream)\n"
               "  --reorder-window S  with --follow: how long (in event time) such patterns wait\n"
               "                      for an earlier event from another log (default 60)\n"
               "  --retro             count an indicator's matches at any time, not only while it\n"
               "                      was valid (a new indicator against old logs)\n"
               "  --as-of TIME        judge every indicator's validity at TIME (RFC 3339) instead\n"
               "                      of at each event's time\n"
               "  --with-observed-data  add each sighting's first observation (its SCOs and an\n"
               "                      observed-data) and name it in observed_data_refs\n"
               "  --warninglist FILE  a MISP warninglist to apply besides the node's\n"
               "  --include-warninglisted  also raise sightings on values on a warninglist\n"
               "                      (by default an indicator is matched only on its values on\n"
               "                      no warninglist of the node or --warninglist)\n"
               "  --context N         say where the first N hits of each sighting were read: log,\n"
               "                      line, byte offset, field, value, time (default 10; 0: no)\n"
               "  --quiet, -q         no summary on standard error\n"
               "  --help, -h          this text\n\n"
               "exit status: 0 something sighted, 1 nothing sighted, 2 an error.\n");
}

/* Messages from the scan: warnings always, information unless quiet. */
static void
on_notice(void *ud, enum sol_scan_notice_level level, const char *msg)
{
    bool quiet = *(const bool *)ud;
    if (level == SOL_SCAN_WARNING || !quiet)
        cli_error("scan", "%s", msg);
}

/* The progress line on a terminal, from the scan's progress thread; short scans print
   nothing. */
static void
on_progress(void *ud, uint64_t events, uint64_t bytes, double seconds, bool done)
{
    static bool shown;
    (void)ud;
    if (done) {
        if (shown)
            fprintf(stderr, "\r\033[K");
        return;
    }
    if (seconds < 2)
        return;
    fprintf(stderr, "\rscan: %llu events, %.1f MB, %lld s ", (unsigned long long)events,
            (double)bytes / 1e6, (long long)seconds);
    shown = true;
}

static FILE *follow_out;

/* --follow: each sighting as one JSON line when it happens. */
static int
on_sighting(void *ud, const char *json, size_t n)
{
    (void)ud;
    if (fwrite(json, 1, n, follow_out) != n || fputc('\n', follow_out) == EOF ||
        fflush(follow_out) != 0)
        return -1;
    return 0;
}

static volatile sig_atomic_t stop_follow;

static void
on_signal(int sig)
{
    (void)sig;
    stop_follow = 1;
}

/* What was matched outside the indicators' validity, and what became of it: nothing
   is left out unsaid. */
static void
print_validity(const struct sol_scan_result *res, enum sol_match_validity mode)
{
    const struct sol_match_counts *c = &res->counts;
    unsigned long long out = c->outside, dropped = c->dropped;
    const char *es = out == 1 ? "" : "es";
    if (mode == SOL_MATCH_VALID_AT_EVENT && out)
        fprintf(stderr,
                "scan: %llu match%s outside the indicators' validity at the event's time, not "
                "sighted (--retro counts them)\n",
                out, es);
    else if (mode == SOL_MATCH_VALID_ANY && out)
        fprintf(stderr,
                "scan: %llu match%s outside the indicators' validity at the event's time, "
                "sighted (--retro)\n",
                out, es);
    else if (mode == SOL_MATCH_VALID_AS_OF && (out || dropped))
        fprintf(stderr,
                "scan: %llu match%s outside the indicators' validity at the event's time; "
                "%llu not sighted: the indicator was not valid at --as-of\n",
                out, es, dropped);
}

static void
print_summary(const struct sol_scan_result *res, enum sol_match_validity mode)
{
    const struct sol_match_index_stats *st = &res->index;
    static const char *const origin[] = {"", " (the node's)", " (derived from the host name)"};
    fprintf(stderr,
            "scan: %llu events in %zu log%s (%llu bad line%s); %zu indicators (%zu exact keys, "
            "%zu networks, %zu regex, %zu evaluated always, %zu multi-observation); "
            "%zu sighted; identity %s%s\n",
            (unsigned long long)res->events, res->logs, res->logs == 1 ? "" : "s",
            (unsigned long long)res->bad_lines, res->bad_lines == 1 ? "" : "s", st->indicators,
            st->exact_keys, st->cidr_prefixes, st->regex_terms, st->always_leaves,
            st->multi_patterns, res->nhits, res->identity, origin[res->identity_origin]);
    print_validity(res, mode);
    if (res->late)
        fprintf(stderr,
                "scan: %llu observation%s came later than the reorder window (--reorder-window) "
                "and were correlated out of order\n",
                (unsigned long long)res->late, res->late == 1 ? "" : "s");
    if (res->counts.uncorrelated)
        fprintf(stderr,
                "scan: %llu observation%s left out of patterns over several observations (over "
                "64 MiB of them per thread)\n",
                (unsigned long long)res->counts.uncorrelated,
                res->counts.uncorrelated == 1 ? "" : "s");
    if (!res->nhits)
        return;
    fprintf(stderr, "%-48s %-20s %8s  %-20s  %s\n", "indicator", "indicates", "hits", "first seen",
            "last seen");
    for (size_t i = 0; i < res->nhits; i++) {
        const struct sol_match_hit *h = &res->hits[i];
        struct sol_match_indicator ind;
        sol_match_index_get(res->idx, h->indicator, &ind);
        char fs[40], ls[40];
        sol_time_format(h->first_seen, 0, fs);
        sol_time_format(h->last_seen, 0, ls);
        fprintf(stderr, "%-48.48s %-20.20s %8llu  %-20s  %s\n", ind.name[0] ? ind.name : ind.id,
                ind.indicates[0] ? ind.indicates : "-", (unsigned long long)h->count, fs, ls);
    }
}

/* "zeek, zeek-json, eve, jsonl, csv, stix": every format the readers know. */
static const char *
format_names(char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (int f = 1; f < SOL_LOG_NFORMATS && k < n; f++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? ", " : "",
                              sol_log_format_name((enum sol_log_format)f));
    return buf;
}

int
cli_cmd_scan(int argc, char **argv)
{
    const char *indicators[MAX_FILES];
    size_t nind = 0;
    const char *logs[MAX_FILES];
    size_t nlogs = 0;
    const char *collections[MAX_FILES];
    size_t ncollections = 0;
    const char *format = NULL, *mapping_path = NULL, *output = NULL, *identity_arg = NULL;
    const char *store_to = NULL, *as_of_arg = NULL;
    const char *wl_files[MAX_FILES];
    size_t nwl = 0;
    bool retro = false, per_file = false;
    sol_time_t reorder = 60 * (sol_time_t)1000000;
    bool do_follow = false, quiet = cli_globals.quiet, with_od = false, include_wl = false;
    long threads = sysconf(_SC_NPROCESSORS_ONLN), context = 10;
    int tlp = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--indicators") == 0 && more) {
            if (nind == MAX_FILES)
                return cli_usage("scan", "too many --indicators");
            indicators[nind++] = argv[++i];
        } else if (strcmp(a, "--format") == 0 && more) {
            format = argv[++i];
        } else if (strcmp(a, "--mapping") == 0 && more) {
            mapping_path = argv[++i];
        } else if (strcmp(a, "--output") == 0 && more) {
            output = argv[++i];
        } else if (strcmp(a, "--identity") == 0 && more) {
            identity_arg = argv[++i];
        } else if (strcmp(a, "--threads") == 0 && more) {
            char *end;
            threads = strtol(argv[++i], &end, 10);
            if (*end || threads < 1 || threads > 256)
                return cli_usage("scan", "--threads takes a number from 1 to 256");
        } else if (strcmp(a, "--context") == 0 && more) {
            char *end;
            context = strtol(argv[++i], &end, 10);
            if (*end || context < 0 || context > 1000)
                return cli_usage("scan", "--context takes a number from 0 to 1000");
        } else if (strcmp(a, "--reorder-window") == 0 && more) {
            char *end;
            double secs = strtod(argv[++i], &end);
            if (*end || !(secs >= 0 && secs <= 86400))
                return cli_usage("scan", "--reorder-window takes seconds, from 0 to 86400");
            reorder = (sol_time_t)(secs * 1e6);
        } else if (strcmp(a, "--per-file") == 0) {
            per_file = true;
        } else if (strcmp(a, "--retro") == 0) {
            retro = true;
        } else if (strcmp(a, "--as-of") == 0 && more) {
            as_of_arg = argv[++i];
        } else if (strcmp(a, "--with-observed-data") == 0) {
            with_od = true;
        } else if (strcmp(a, "--include-warninglisted") == 0) {
            include_wl = true;
        } else if (strcmp(a, "--warninglist") == 0 && more) {
            if (nwl == MAX_FILES)
                return cli_usage("scan", "too many --warninglist");
            wl_files[nwl++] = argv[++i];
        } else if (strcmp(a, "--follow") == 0) {
            do_follow = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if (strcmp(a, "--collection") == 0 && more) {
            if (ncollections == MAX_FILES)
                return cli_usage("scan", "too many --collection");
            collections[ncollections++] = argv[++i];
        } else if (strcmp(a, "--store") == 0 && more) {
            store_to = argv[++i];
        } else if (strcmp(a, "--tlp") == 0 && more) {
            if (cli_parse_tlp("scan", "--tlp", argv[++i], &tlp) != CLI_OK)
                return CLI_ERR;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage("scan", "unknown option '%s'", a);
        } else {
            if (nlogs == MAX_FILES)
                return cli_usage("scan", "too many logs");
            logs[nlogs++] = a;
        }
    }
    if (!nind && !ncollections)
        return cli_usage("scan", "no indicators: give --indicators FILE or --collection ID");
    if (do_follow && store_to)
        return cli_usage("scan", "--store cannot be used with --follow");
    if (!nlogs)
        return cli_usage("scan", "no logs to scan (give LOG..., or '-' for standard input)");
    enum sol_log_format fmt = SOL_LOG_AUTO;
    char names[200];
    if (format && sol_log_format_parse(format, &fmt) != 0)
        return cli_usage("scan", "unknown format '%s' (%s)", format,
                         format_names(names, sizeof names));
    sol_time_t as_of = 0;
    if (retro && as_of_arg)
        return cli_usage("scan", "--retro and --as-of exclude each other");
    if (as_of_arg && (sol_time_parse(as_of_arg, strlen(as_of_arg), SOL_TIME_ALLOW_LOWER, &as_of,
                                     NULL, NULL) != 0))
        return cli_usage("scan", "--as-of takes an RFC 3339 time (2024-06-10T00:00:00Z)");
    if (identity_arg && strncmp(identity_arg, "identity--", 10) != 0)
        return cli_usage("scan", "--identity takes an identity id (identity--...)");

    int status = CLI_ERR;
    struct sol_store *store = NULL;
    struct sol_warninglists *wl = NULL;
    struct sol_log_mapping *mapping = NULL;
    FILE *out = NULL;
    if (mapping_path) {
        struct sol_buf text;
        sol_buf_init(&text);
        struct sol_error err;
        memset(&err, 0, sizeof err);
        int rc = sol_read_file(mapping_path, 1 << 20, &text, &err);
        if (!rc)
            rc = sol_log_mapping_parse(text.p ? text.p : "", text.n, &mapping, &err);
        sol_buf_free(&text);
        if (rc) {
            cli_error("scan", "%s: %s", mapping_path, err.msg);
            return CLI_ERR;
        }
    }
    if (ncollections || store_to || (!identity_arg && sol_store_exists(cli_globals.data_dir)))
        if (cli_open_store("scan", &store) != CLI_OK)
            goto done;
    /* The warninglists: the node's and the files'; none with --include-warninglisted. */
    if (!include_wl && (store || nwl)) {
        struct sol_error werr;
        memset(&werr, 0, sizeof werr);
        wl = sol_warninglists_new();
        int rc = wl ? 0 : SOL_ENOMEM;
        if (rc == 0 && store)
            rc = sol_warninglists_load(wl, store, &werr);
        struct sol_json_doc *wdoc = rc == 0 && nwl ? sol_json_doc_new(NULL) : NULL;
        for (size_t k = 0; rc == 0 && k < nwl; k++) {
            const struct sol_json *root;
            rc = wdoc ? sol_json_parse_file(wdoc, wl_files[k], &root, &werr) : SOL_ENOMEM;
            if (rc == 0)
                rc = sol_warninglists_add(wl, root, &werr);
            if (rc) {
                char where[700];
                cli_error("scan", "%s: %s", wl_files[k],
                          sol_error_format(&werr, where, sizeof where));
            }
        }
        sol_json_doc_free(wdoc);
        if (rc) {
            if (!nwl || rc == SOL_ENOMEM)
                cli_error("scan", "%s", werr.msg[0] ? werr.msg : sol_strerror(rc));
            goto done;
        }
    }
    if (output) {
        out = fopen(output, "w");
        if (!out) {
            cli_error("scan", "%s: %s", output, strerror(errno));
            goto done;
        }
    } else {
        out = stdout;
    }
    struct sol_scan_options o = {
        .indicator_files = indicators,
        .n_indicator_files = nind,
        .collections = collections,
        .n_collections = ncollections,
        .store = store,
        .logs = logs,
        .n_logs = nlogs,
        .format = fmt,
        .mapping = mapping,
        .identity = identity_arg,
        .store_to = store_to,
        .warninglists = wl && sol_warninglists_count(wl, NULL) ? wl : NULL,
        .actor = cli_actor(),
        .with_observed_data = with_od,
        .context = (unsigned)context,
        .validity = retro       ? SOL_MATCH_VALID_ANY
                    : as_of_arg ? SOL_MATCH_VALID_AS_OF
                                : SOL_MATCH_VALID_AT_EVENT,
        .as_of = as_of,
        .threads = (unsigned)(threads > 0 ? threads : 1),
        .per_file = per_file,
        .reorder_window = reorder ? reorder : 1,
        .tlp = tlp,
        .follow = do_follow,
        .stop = &stop_follow,
        .sighting = on_sighting,
        .notice = on_notice,
        .progress = isatty(2) && !quiet ? on_progress : NULL,
        .ud = &quiet,
    };
    follow_out = out;
    if (do_follow) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
    }
    struct sol_scan_result res;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    int rc = sol_scan_run(&o, &res, &err);
    if (rc) {
        cli_error("scan", "%s", err.msg[0] ? err.msg : sol_strerror(rc));
        sol_scan_result_free(&res);
        goto done;
    }
    bool failed = res.failed_logs > 0;
    if (!do_follow &&
        (fwrite(res.bundle.p, 1, res.bundle.n, out) != res.bundle.n || fflush(out) != 0)) {
        cli_error("scan", "%s: cannot write the sightings", output ? output : "stdout");
        failed = true;
    }
    if (res.store_error[0]) {
        cli_error("scan", "%s", res.store_error);
        failed = true;
    } else if (store_to && res.nhits && !quiet) {
        fprintf(stderr, "scan: %zu sighting%s stored in collection %s\n", res.stored,
                res.stored == 1 ? "" : "s", res.stored_in);
    }
    if (!quiet)
        print_summary(&res, o.validity);
    status = failed ? CLI_ERR : res.nhits ? CLI_OK : CLI_NO;
    sol_scan_result_free(&res);
done:
    if (out && out != stdout)
        fclose(out);
    sol_log_mapping_free(mapping);
    sol_warninglists_free(wl);
    sol_store_close(store);
    return status;
}
