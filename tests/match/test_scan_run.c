/*
 * test_scan_run.c — sol_scan_run(), the scan as one library operation: what it finds on
 * several logs does not depend on the number of threads, and when any allocation fails
 * (each in turn, the way curl's torture tests do) it fails cleanly: no thread it started
 * is still running when it returns, nothing is used after it is freed and nothing leaks
 * (ASan and LeakSanitizer watch every run). Run from the tests directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "solidarity/alloc.h"
#include "solidarity/json.h"
#include "solidarity/scan.h"
#include "solidarity/stix.h"

static const char *const indicator_files[] = {"data/logs/rcs_lab.stix2", "data/logs/wyrmspy.stix2"};
static char big_log[64];
static const char *logs[] = {big_log, "data/logs/zeek_dns.log", "data/logs/eve.json",
                             "data/logs/zeek_http.log", "data/logs/zeek_conn.json"};

static unsigned notices, progress_calls;

static void
on_notice(void *ud, enum sol_scan_notice_level level, const char *msg)
{
    (void)ud;
    (void)level;
    (void)msg;
    notices++;
}

static void
on_progress(void *ud, uint64_t events, uint64_t bytes, double seconds, bool done)
{
    (void)ud;
    (void)events;
    (void)bytes;
    (void)seconds;
    (void)done;
    __atomic_add_fetch(&progress_calls, 1, __ATOMIC_RELAXED);
}

/* A Zeek JSON dns log long enough that the other threads are still reading it when a
   failure happens elsewhere; every 100th line names an indicator of rcs_lab.stix2. */
static void
make_big_log(void)
{
    snprintf(big_log, sizeof big_log, "/tmp/test_scan_run-%d.json", (int)getpid());
    FILE *f = fopen(big_log, "w");
    for (int i = 0; i < 10000; i++)
        fprintf(f,
                "{\"ts\":%d.25,\"uid\":\"C%d\",\"id.orig_h\":\"10.0.%d.%d\",\"id.resp_h\":"
                "\"192.168.1.1\",\"query\":\"%s\"}\n",
                1718000000 + i, i, (i >> 8) & 255, i & 255,
                i % 100 == 7 ? "cloud-apple.info" : "host.example");
    fclose(f);
}

static struct sol_scan_options
options(unsigned threads)
{
    struct sol_scan_options o = {
        .indicator_files = indicator_files,
        .n_indicator_files = 2,
        .logs = logs,
        .n_logs = sizeof logs / sizeof logs[0],
        .identity = "identity--11111111-2222-4333-8444-555555555555",
        .threads = threads,
        .now = 1718000000000000,
        .context = 3,
        .with_observed_data = true,
        .notice = on_notice,
        .progress = on_progress,
    };
    return o;
}

/* The bundle without its random ids (UUIDv4: the bundle's, sightings', observed-data's). */
static char *
without_bundle_id(const struct sol_buf *b)
{
    char *s = strndup(b->p ? b->p : "", b->n);
    static const char *const random[] = {"\"bundle--", "\"sighting--", "\"observed-data--"};
    for (size_t i = 0; i < 3; i++)
        for (char *id = strstr(s, random[i]); id; id = strstr(id + 1, random[i]))
            memset(strstr(id, "--") + 2, 'x', 36);
    return s;
}

static void
test_threads_find_the_same(void)
{
    struct sol_scan_options o1 = options(1), o3 = options(3);
    struct sol_scan_result r1, r3;
    struct sol_error err;
    CHECK_INT(sol_scan_run(&o1, &r1, &err), 0);
    CHECK_INT(sol_scan_run(&o3, &r3, &err), 0);
    CHECK(r1.nhits >= 5);
    CHECK_INT(r3.nhits, r1.nhits);
    CHECK_INT(r3.events, r1.events);
    CHECK_INT(r3.counts.outside, r1.counts.outside);
    CHECK_INT(r3.counts.dropped, r1.counts.dropped);
    CHECK(r1.events > 10000);
    CHECK_INT(r1.logs, 5);
    CHECK_INT(r1.failed_logs, 0);
    CHECK_INT(r1.identity_origin, SOL_SCAN_IDENTITY_GIVEN);
    char *a = without_bundle_id(&r1.bundle), *b = without_bundle_id(&r3.bundle);
    CHECK_STR(a, b);
    CHECK(strstr(a, "\"type\": \"sighting\"") != NULL);
    /* Valid STIX 2.1, even under --strict. */
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    CHECK_INT(sol_json_parse(doc, r3.bundle.p, r3.bundle.n, &root, NULL), 0);
    struct sol_stix_options so = {.version = 21, .strict = true};
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    CHECK_INT(sol_stix_validate_document(root, &so, &rep), 0);
    for (size_t i = 0; i < rep.n; i++)
        HARNESS_FAIL("%s: %s", rep.v[i].path, rep.v[i].msg);
    sol_stix_report_free(&rep);
    sol_json_doc_free(doc);
    free(a);
    free(b);
    sol_scan_result_free(&r1);
    sol_scan_result_free(&r3);
}

static void
test_a_log_that_cannot_be_read(void)
{
    const char *bad[] = {"data/logs/zeek_dns.log", "data/logs/no-such.log"};
    struct sol_scan_options o = options(2);
    o.logs = bad;
    o.n_logs = 2;
    notices = 0;
    struct sol_scan_result r;
    struct sol_error err;
    CHECK_INT(sol_scan_run(&o, &r, &err), 0);
    CHECK_INT(r.failed_logs, 1);
    CHECK(r.nhits > 0);
    CHECK(notices >= 1);
    sol_scan_result_free(&r);
}

static void gzip_file(const char *path, char *out, size_t n);
static char big_gz[80];

/* Every allocation in turn fails, on three threads, with a log read in parts and a gzip
   log read in blocks. */
static void
test_every_allocation_fails_cleanly(void)
{
    struct sol_scan_options o = options(3);
    const char *mixed[] = {big_log, big_gz, "data/logs/zeek_dns.log", "data/logs/eve.json"};
    o.logs = mixed;
    o.n_logs = 4;
    o.part_size = 256 * 1024;
    struct sol_scan_result r;
    struct sol_error err;
    sol_alloc_fail_after(-1);
    CHECK_INT(sol_scan_run(&o, &r, &err), 0);
    size_t want = r.nhits;
    sol_scan_result_free(&r);
    long total = sol_alloc_fail_after(-1);
    CHECK(total > 100);
    long step = total / 150 + 1, failed = 0;
    for (long n = 0; n < total; n += step) {
        sol_alloc_fail_after(n);
        memset(&err, 0, sizeof err);
        int rc = sol_scan_run(&o, &r, &err);
        sol_alloc_fail_after(-1);
        if (rc != 0) {
            failed++;
            if (rc != SOL_ENOMEM && rc != SOL_EIO && rc != SOL_ESYNTAX)
                HARNESS_FAIL("allocation %ld: rc %d (%s)", n, rc, err.msg);
        }
        sol_scan_result_free(&r);
    }
    CHECK(failed > 0);
    /* And all is well again afterwards. */
    CHECK_INT(sol_scan_run(&o, &r, &err), 0);
    CHECK_INT(r.nhits, want);
    sol_scan_result_free(&r);
}

/*
 * A large log read in parts by several threads finds what one thread reading it whole
 * finds, in every splittable format (the parts of Zeek TSV and CSV need the file's
 * headers), and a pattern over several observations whose observations fall in
 * different parts (and different logs) is still seen: the parts are one stream.
 */
static char tsv_log[64], csv_log[64], map_file[64], corr_ind[64];

/* Remove the lines of text that hold a "line" member. */
static void
drop_lines(char *text)
{
    char *x;
    while ((x = strstr(text, "\"line\": ")) != NULL) {
        char *from = x, *to = strchr(x, '\n');
        while (from > text && from[-1] != '\n')
            from--;
        memmove(from, to ? to + 1 : x + strlen(x), strlen(to ? to + 1 : x + strlen(x)) + 1);
    }
}

static void
make_part_logs(void)
{
    snprintf(tsv_log, sizeof tsv_log, "/tmp/test_scan_run-%d.log", (int)getpid());
    snprintf(csv_log, sizeof csv_log, "/tmp/test_scan_run-%d.csv", (int)getpid());
    snprintf(map_file, sizeof map_file, "/tmp/test_scan_run-%d.map", (int)getpid());
    snprintf(corr_ind, sizeof corr_ind, "/tmp/test_scan_run-%d.stix2", (int)getpid());
    FILE *f = fopen(tsv_log, "w");
    fprintf(f, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
               "#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\t"
               "id.resp_h\tid.resp_p\tproto\n#types\ttime\tstring\taddr\tport\taddr\t"
               "port\tenum\n");
    for (int i = 0; i < 8000; i++)
        fprintf(f, "%d.500000\tC%d\t192.168.1.%d\t%d\t%s\t%d\ttcp\n", 1718000000 + i, i, i % 200,
                40000 + i % 20000, i % 997 == 5 ? "103.43.17.99" : "198.51.100.7",
                i % 1500 == 700 ? 449 : 443);
    fclose(f);
    f = fopen(csv_log, "w");
    fprintf(f, "time,client,method,host,url\n");
    for (int i = 0; i < 8000; i++)
        fprintf(f, "2024-06-10T06:%02d:%02dZ,10.0.%d.%d,GET,%s,\"http://x.example/%d,a\"\n",
                (i / 60) % 60, i % 60, (i >> 8) & 255, i & 255,
                i % 1200 == 3 ? "cloud-apple.info" : "www.example.org", i);
    fclose(f);
    f = fopen(map_file, "w");
    fprintf(f, "time -> time\nclient -> ipv4-addr:value\nhost -> domain-name:value\n"
               "url -> url:value\n");
    fclose(f);
    /* A lookup in the big JSON log (cloud-apple.info, every 100th line), then within an
       hour a connection to port 449 in the TSV log: across logs and parts. */
    f = fopen(corr_ind, "w");
    fprintf(f, "[{\"type\": \"indicator\", \"spec_version\": \"2.1\", \"id\": "
               "\"indicator--5c9e3a1b-0d2f-4e6a-8b7c-9d0e1f2a3b4c\", \"created\": "
               "\"2024-01-01T00:00:00.000Z\", \"modified\": \"2024-01-01T00:00:00.000Z\", "
               "\"pattern\": \"([domain-name:value = 'cloud-apple.info'] FOLLOWEDBY "
               "[network-traffic:dst_port = 449]) WITHIN 3600 SECONDS\", \"pattern_type\": "
               "\"stix\", \"valid_from\": \"2024-01-01T00:00:00Z\"}]\n");
    fclose(f);
}

static void
test_parts_find_the_same(void)
{
    const char *inds[] = {"data/logs/rcs_lab.stix2", "data/logs/wyrmspy.stix2", corr_ind};
    const char *three[] = {big_log, tsv_log, csv_log};
    struct sol_log_mapping *map = NULL;
    FILE *mf = fopen(map_file, "r");
    char text[512];
    size_t tn = fread(text, 1, sizeof text, mf);
    fclose(mf);
    CHECK_INT(sol_log_mapping_parse(text, tn, &map, NULL), 0);
    struct sol_scan_result r1, rn;
    struct sol_error err;
    /* The CSV through its mapping; the others are detected and read through theirs. */
    struct sol_scan_options o = options(1);
    o.indicator_files = inds;
    o.n_indicator_files = 3;
    o.logs = three;
    o.n_logs = 3;
    o.mapping = map;
    CHECK_INT(sol_scan_run(&o, &r1, &err), 0);
    o.threads = 3;
    o.part_size = 32 * 1024; /* a dozen parts and more per log */
    CHECK_INT(sol_scan_run(&o, &rn, &err), 0);
    CHECK_INT(rn.events, r1.events);
    CHECK_INT(rn.bad_lines, r1.bad_lines);
    CHECK_INT(rn.bytes, r1.bytes);
    CHECK(r1.nhits >= 3);
    CHECK_INT(rn.nhits, r1.nhits);
    bool corr = false;
    for (size_t i = 0; i < r1.nhits && i < rn.nhits; i++) {
        CHECK_INT(rn.hits[i].indicator, r1.hits[i].indicator);
        CHECK_INT(rn.hits[i].count, r1.hits[i].count);
        CHECK_INT(rn.hits[i].first_seen, r1.hits[i].first_seen);
        CHECK_INT(rn.hits[i].last_seen, r1.hits[i].last_seen);
        struct sol_match_indicator ind;
        sol_match_index_get(r1.idx, r1.hits[i].indicator, &ind);
        if (strcmp(ind.id, "indicator--5c9e3a1b-0d2f-4e6a-8b7c-9d0e1f2a3b4c") == 0)
            corr = r1.hits[i].count >= 3;
    }
    CHECK(corr);
    char *a = without_bundle_id(&r1.bundle), *b = without_bundle_id(&rn.bundle);
    /* The detection context differs only in lines: a part after the first does not know
       its line numbers (its byte offsets say where). Compare the rest. */
    drop_lines(a);
    drop_lines(b);
    CHECK_STR(a, b);
    free(a);
    free(b);
    sol_scan_result_free(&r1);
    sol_scan_result_free(&rn);
    sol_log_mapping_free(map);
}

/* path, gzip-compressed into path.gz. */
static void
gzip_file(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s.gz", path);
    FILE *f = fopen(path, "rb");
    gzFile g = gzopen(out, "wb");
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        gzwrite(g, buf, (unsigned)k);
    gzclose(g);
    fclose(f);
}

/*
 * gzip logs and standard input: one thread reads and decompresses, blocks go to the
 * others; the same sightings, detection context (lines too) and correlation as one
 * thread reading them whole.
 */
static void
test_streams_find_the_same(void)
{
    char gz[3][80];
    gzip_file(big_log, gz[0], sizeof gz[0]);
    gzip_file(tsv_log, gz[1], sizeof gz[1]);
    gzip_file(csv_log, gz[2], sizeof gz[2]);
    const char *inds[] = {"data/logs/rcs_lab.stix2", "data/logs/wyrmspy.stix2", corr_ind};
    const char *plain[] = {big_log, tsv_log, "-"};
    const char *gzs[] = {gz[0], gz[1], "-"};
    struct sol_log_mapping *map = NULL;
    static const char rules[] = "time -> time\nclient -> ipv4-addr:value\n"
                                "host -> domain-name:value\nurl -> url:value\n";
    CHECK_INT(sol_log_mapping_parse(rules, sizeof rules - 1, &map, NULL), 0);
    struct sol_scan_result r1, rn;
    struct sol_error err;
    struct sol_scan_options o = options(1);
    o.indicator_files = inds;
    o.n_indicator_files = 3;
    o.logs = plain;
    o.n_logs = 3;
    o.mapping = map;
    o.format = SOL_LOG_AUTO;
    int saved = dup(0), in = open(csv_log, O_RDONLY);
    dup2(in, 0);
    close(in);
    CHECK_INT(sol_scan_run(&o, &r1, &err), 0);
    in = open(gz[2], O_RDONLY);
    dup2(in, 0);
    close(in);
    o.logs = gzs;
    o.threads = 3;
    o.part_size = 32 * 1024;
    CHECK_INT(sol_scan_run(&o, &rn, &err), 0);
    dup2(saved, 0);
    close(saved);
    CHECK_INT(rn.events, r1.events);
    CHECK_INT(rn.bad_lines, r1.bad_lines);
    CHECK_INT(rn.bytes, r1.bytes);
    CHECK_INT(rn.nhits, r1.nhits);
    CHECK(r1.nhits >= 3);
    char *a = without_bundle_id(&r1.bundle), *b = without_bundle_id(&rn.bundle);
    /* The same, but that the logs are named differently. */
    for (int i = 0; i < 2; i++)
        for (char *x = b; (x = strstr(x, gz[i])) != NULL;)
            memmove(x + strlen(gz[i]) - 3, x + strlen(gz[i]), strlen(x + strlen(gz[i])) + 1);
    CHECK_STR(a, b);
    free(a);
    free(b);
    sol_scan_result_free(&r1);
    sol_scan_result_free(&rn);
    sol_log_mapping_free(map);
    for (int i = 0; i < 3; i++)
        unlink(gz[i]);
}

int
main(void)
{
    make_big_log();
    make_part_logs();
    gzip_file(big_log, big_gz, sizeof big_gz);
    RUN(test_threads_find_the_same);
    RUN(test_parts_find_the_same);
    RUN(test_streams_find_the_same);
    RUN(test_a_log_that_cannot_be_read);
    RUN(test_every_allocation_fails_cleanly);
    unlink(big_log);
    unlink(big_gz);
    unlink(tsv_log);
    unlink(csv_log);
    unlink(map_file);
    unlink(corr_ind);
    return harness_done();
}
