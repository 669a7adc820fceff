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
#include <unistd.h>

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

/* Every allocation in turn fails, on three threads. */
static void
test_every_allocation_fails_cleanly(void)
{
    struct sol_scan_options o = options(3);
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

int
main(void)
{
    make_big_log();
    RUN(test_threads_find_the_same);
    RUN(test_a_log_that_cannot_be_read);
    RUN(test_every_allocation_fails_cleanly);
    unlink(big_log);
    return harness_done();
}
