/*
 * scan_bench.c — `make bench` figures for solidarity scan.
 *
 * Generates 1e6 indicators (domains, IPv4 and IPv6 addresses, networks, MD5 and SHA-256
 * hashes, and 1,000 LIKE/MATCHES patterns) and a Zeek-like DNS log in JSON lines (about
 * 300 MB, ~2 % of lines naming an indicator), then measures in one run:
 *   - the index build time for the 1e6 indicators, and the memory it holds (RSS);
 *   - parse-only: the same file read and parsed line by line with the same JSON layer;
 *   - scan: read, parse, map to STIX objects and match, through the scan's own reader;
 * per core and on all cores, and prints each figure beside its baseline and the ratio.
 *
 * Environment: SCAN_BENCH_MB (log size, default 300), SCAN_BENCH_INDICATORS (default 1e6),
 * SCAN_BENCH_DIR (where the log is written, default /tmp; removed afterwards).
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "solidarity/json.h"
#include "solidarity/match.h"
#include "solidarity/scan.h"

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: the per-core figures use it, so that other work on a
   shared machine does not count against either side of a ratio. */
static double
cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
process_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * sysconf(_SC_PAGESIZE);
}

static uint64_t rng = 88172645463325252ull;

static uint64_t
next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The i-th indicator domain: deterministic, so the log can name some of them. */
static int
indicator_domain(char *out, size_t n, uint64_t i)
{
    static const char *const tlds[] = {"com", "net", "info", "org", "xyz", "top"};
    uint64_t h = i * 0x9e3779b97f4a7c15ull;
    return snprintf(out, n, "c2-%llx.%s%llu.%s", (unsigned long long)(h >> 40),
                    (i & 1) ? "cdn" : "update", (unsigned long long)(i % 9973), tlds[i % 6]);
}

struct gen {
    size_t n, ndomains;
};

/* The indicators as text, generated before the clock starts: id and pattern. */
struct indicator_text {
    char id[48];
    char *pattern;
};

static struct indicator_text *
make_indicators(size_t total, size_t *ndomains, size_t *nexact)
{
    char pat[256], id[64];
    struct indicator_text *out = calloc(total, sizeof *out);
    size_t nd = total * 60 / 100, n4 = total * 15 / 100, n6 = total * 3 / 100,
           ncidr = total * 2 / 100, nre = total >= 100000 ? 1000 : total / 100;
    size_t nhash = total - nd - n4 - n6 - ncidr - nre;
    *ndomains = nd;
    *nexact = nd + n4 + n6 + nhash;
    for (size_t i = 0; i < total; i++) {
        uint64_t r = next_rand();
        snprintf(id, sizeof id, "indicator--%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(r >> 32),
                 (unsigned)(r >> 16) & 0xffff, (unsigned)(r >> 4) & 0xfff, (unsigned)(i & 0xfff),
                 (unsigned long long)(i & 0xffffffffffffull));
        size_t k = i;
        if (k < nd) {
            char d[128];
            indicator_domain(d, sizeof d, k);
            snprintf(pat, sizeof pat, "[domain-name:value = '%s']", d);
        } else if ((k -= nd) < n4) {
            snprintf(pat, sizeof pat, "[ipv4-addr:value = '%u.%u.%u.%u']", (unsigned)(11 + k % 200),
                     (unsigned)((k >> 8) & 255), (unsigned)((k >> 16) & 255), (unsigned)(k & 255));
        } else if ((k -= n4) < n6) {
            snprintf(pat, sizeof pat, "[ipv6-addr:value = '2001:db8:%x:%x::%x']",
                     (unsigned)(k >> 16), (unsigned)(k & 0xffff), (unsigned)(r & 0xffff));
        } else if ((k -= n6) < ncidr) {
            snprintf(pat, sizeof pat, "[ipv4-addr:value ISSUBSET '%u.%u.%u.0/%u']",
                     (unsigned)(100 + k % 50), (unsigned)((k >> 7) & 255),
                     (unsigned)((k * 7) & 255), 20 + (unsigned)(k % 5));
        } else if ((k -= ncidr) < nhash) {
            if (k & 1)
                snprintf(pat, sizeof pat, "[file:hashes.MD5 = '%016llx%016llx']",
                         (unsigned long long)r, (unsigned long long)next_rand());
            else
                snprintf(pat, sizeof pat,
                         "[file:hashes.'SHA-256' = '%016llx%016llx%016llx%016llx']",
                         (unsigned long long)r, (unsigned long long)next_rand(),
                         (unsigned long long)next_rand(), (unsigned long long)next_rand());
        } else {
            k -= nhash;
            if (k & 1)
                snprintf(pat, sizeof pat, "[domain-name:value LIKE '%%.t%llu-%llx.example']",
                         (unsigned long long)k, (unsigned long long)(r & 0xfff));
            else
                snprintf(pat, sizeof pat, "[domain-name:value MATCHES '^dga%llu[a-z]{%u}\\\\.']",
                         (unsigned long long)k, 4 + (unsigned)(k % 5));
        }
        memcpy(out[i].id, id, sizeof out[i].id);
        out[i].pattern = strdup(pat);
    }
    return out;
}

/* Whether the i-th generated indicator is an exact one (not a network, LIKE or MATCHES). */
static bool
is_exact(const struct indicator_text *ind)
{
    return !strstr(ind->pattern, "ISSUBSET") && !strstr(ind->pattern, " LIKE ") &&
           !strstr(ind->pattern, " MATCHES ");
}

/*
 * Memory per exact indicator, alone: a child process builds an index of only those and
 * reports its RSS growth per indicator through a pipe.
 */
static double
exact_only_bytes(const struct indicator_text *ind, size_t total, size_t *n_out)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        malloc_trim(0);
        long r0 = rss_bytes();
        struct sol_match_index *idx = sol_match_index_new();
        size_t n = 0;
        sol_match_index_reserve(idx, total);
        for (size_t i = 0; i < total; i++) {
            if (!is_exact(&ind[i]))
                continue;
            const char *pat = ind[i].pattern;
            if (sol_match_index_add(idx, ind[i].id, NULL, pat, strlen(pat), 0, 0, NULL) == 0)
                n++;
        }
        sol_match_index_build(idx, NULL);
        malloc_trim(0);
        double per[2] = {(double)(rss_bytes() - r0) / (double)(n ? n : 1), (double)n};
        ssize_t w = write(p[1], per, sizeof per);
        _exit(w == (ssize_t)sizeof per ? 0 : 1);
    }
    close(p[1]);
    double per[2] = {-1, 0};
    if (pid < 0 || read(p[0], per, sizeof per) != (ssize_t)sizeof per)
        per[0] = -1;
    close(p[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    *n_out = (size_t)per[1];
    return per[0];
}

static int
build_index(struct sol_match_index *idx, const struct indicator_text *ind, size_t total)
{
    struct sol_error err;
    if (sol_match_index_reserve(idx, total) != 0)
        return -1;
    for (size_t i = 0; i < total; i++) {
        const char *pat = ind[i].pattern;
        if (sol_match_index_add(idx, ind[i].id, NULL, pat, strlen(pat), 0, 0, &err) != 0) {
            fprintf(stderr, "bench_scan: %s: %s\n", pat, err.msg);
            return -1;
        }
    }
    return sol_match_index_build(idx, &err);
}

/* A Zeek-like dns.log line in JSON; every 50th names an indicator domain. */
static size_t
log_line(char *out, size_t cap, uint64_t i, size_t ndomains)
{
    char q[160];
    uint64_t r = next_rand();
    if (i % 50 == 7 && ndomains)
        indicator_domain(q, sizeof q, r % ndomains);
    else
        snprintf(q, sizeof q, "host%llu.%s.example", (unsigned long long)(r % 100000),
                 (r >> 20) & 1 ? "corp" : "cdn");
    double ts = 1718000000.0 + (double)i * 0.001;
    int n = snprintf(out, cap,
                     "{\"ts\":%.6f,\"uid\":\"C%012llx\",\"id.orig_h\":\"10.%u.%u.%u\","
                     "\"id.orig_p\":%u,\"id.resp_h\":\"192.168.1.1\",\"id.resp_p\":53,"
                     "\"proto\":\"udp\",\"trans_id\":%u,\"rtt\":0.0%u,\"query\":\"%s\","
                     "\"qclass\":1,\"qclass_name\":\"C_INTERNET\",\"qtype\":1,\"qtype_name\":\"A\","
                     "\"rcode\":0,\"rcode_name\":\"NOERROR\",\"AA\":false,\"TC\":false,"
                     "\"RD\":true,\"RA\":true,\"Z\":0,\"answers\":[\"172.%u.%u.%u\"],"
                     "\"TTLs\":[300.0],\"rejected\":false}\n",
                     ts, (unsigned long long)(r & 0xffffffffffffull), (unsigned)(r >> 56),
                     (unsigned)(r >> 48) & 255, (unsigned)(r >> 40) & 255,
                     1024 + (unsigned)(r % 60000), (unsigned)(r >> 8) & 0xffff,
                     (unsigned)(r % 90) + 10, q, 16 + (unsigned)(r >> 24) % 16,
                     (unsigned)(r >> 32) & 255, (unsigned)(r >> 12) & 255);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

struct run {
    const char *path;
    uint64_t start, end; /* parse only: a range of the file; end 0: all of it */
    const struct sol_match_index *idx;
    bool scan; /* false: parse only */
    uint64_t events, hits, bytes;
    double secs, cpu;
};

/* Parse only: the same file, the same JSON layer, one document per line (the lines that
   start in [start, end) when end is not 0). */
static void
parse_only(struct run *r)
{
    FILE *f = fopen(r->path, "rb");
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    size_t cap = 1 << 20, have = 0;
    char *buf = malloc(cap + 1);
    double t0 = now_s(), c0 = cpu_s();
    uint64_t left = r->end ? r->end - r->start : UINT64_MAX;
    if (r->start) {
        /* The first line that starts at or after start. */
        fseek(f, (long)r->start - 1, SEEK_SET);
        int c;
        while ((c = fgetc(f)) != EOF && c != '\n')
            left--;
    }
    for (;;) {
        size_t want = cap - have;
        if (want > left)
            want = (size_t)left;
        size_t k = fread(buf + have, 1, want, f);
        left -= k;
        if (k == 0 && have == 0)
            break;
        have += k;
        size_t at = 0;
        for (;;) {
            char *nl = memchr(buf + at, '\n', have - at);
            if (!nl)
                break;
            const struct sol_json *root;
            if (sol_json_parse(doc, buf + at, (size_t)(nl - (buf + at)), &root, NULL) == 0)
                r->events++;
            at = (size_t)(nl - buf) + 1;
        }
        r->bytes += at;
        memmove(buf, buf + at, have - at);
        have -= at;
        if (k == 0 || left == 0) {
            /* The last line of the range, read to its newline. */
            int c;
            while (left == 0 && (c = fgetc(f)) != EOF && have < cap) {
                buf[have++] = (char)c;
                if (c == '\n')
                    break;
            }
            const struct sol_json *root;
            if (have && sol_json_parse(doc, buf, have - (buf[have - 1] == '\n'), &root, NULL) == 0)
                r->events++;
            r->bytes += have;
            break;
        }
    }
    r->secs = now_s() - t0;
    r->cpu = cpu_s() - c0;
    free(buf);
    sol_json_doc_free(doc);
    fclose(f);
}

static void
scan(struct run *r)
{
    FILE *f = fopen(r->path, "rb");
    struct sol_log_reader *rd = NULL;
    struct sol_match_scanner *sc = sol_match_scanner_new(r->idx);
    double t0 = now_s(), c0 = cpu_s();
    if (sol_log_reader_open(f, r->path, SOL_LOG_ZEEK_JSON, NULL, &rd, NULL) == 0) {
        const struct sol_obs *obs;
        int rc;
        while ((rc = sol_log_reader_next(rd, &obs, NULL)) != SOL_EEOF) {
            if (rc)
                continue;
            r->events++;
            r->hits += sol_match_scan(sc, obs);
        }
        r->bytes = sol_log_reader_bytes(rd);
        sol_log_reader_free(rd);
    }
    r->secs = now_s() - t0;
    r->cpu = cpu_s() - c0;
    sol_match_scanner_free(sc);
    fclose(f);
}

static void *
run_main(void *arg)
{
    struct run *r = arg;
    if (r->scan)
        scan(r);
    else
        parse_only(r);
    return NULL;
}

static double
load_average(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

/* Parse only on n threads, each its part of the file: events/s (wall), and by the CPU
   time of the busiest thread. */
static void
parse_parts(const char *path, int n, double *eps_wall, double *eps_cpu)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    uint64_t size = (uint64_t)ftell(f);
    fclose(f);
    struct run rs[64];
    pthread_t th[64];
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        memset(&rs[i], 0, sizeof rs[i]);
        rs[i].path = path;
        rs[i].start = size / (uint64_t)n * (uint64_t)i;
        rs[i].end = i + 1 == n ? size : size / (uint64_t)n * (uint64_t)(i + 1);
        pthread_create(&th[i], NULL, run_main, &rs[i]);
    }
    uint64_t ev = 0;
    double busiest = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        ev += rs[i].events;
        if (rs[i].cpu > busiest)
            busiest = rs[i].cpu;
    }
    *eps_wall = (double)ev / (now_s() - t0);
    *eps_cpu = (double)ev / busiest;
}

/* A scan as `solidarity scan` makes it (sol_scan_run(): parts of the log on threads, the
   sightings bundle with its detection context). */
static int
scan_run(const char *const *logs, size_t nlogs, const struct sol_match_index *idx, unsigned threads,
         bool per_file, double *wall, double *cpu, struct sol_scan_result *res)
{
    struct sol_scan_options o = {
        .index = idx,
        .logs = logs,
        .n_logs = nlogs,
        .format = SOL_LOG_ZEEK_JSON,
        .identity = "identity--11111111-2222-4333-8444-555555555555",
        .threads = threads,
        .per_file = per_file,
        .context = 10,
    };
    struct sol_error err;
    double t0 = now_s(), c0 = process_cpu_s();
    int rc = sol_scan_run(&o, res, &err);
    *wall = now_s() - t0;
    *cpu = process_cpu_s() - c0; /* correlation and the bundle included */
    if (rc)
        fprintf(stderr, "bench_scan: %s\n", err.msg);
    return rc;
}

/*
 * One log on every core: sol_scan_run() with one thread and with one per core, next to
 * parse-only on every core (each thread its part of the file). On a machine others
 * share, the wall clock says little of what more cores give; the CPU time of the busiest
 * thread (the critical path) says it whatever the load, so both are printed.
 */
static void
all_cores(const char *path, const struct sol_match_index *idx, int cores, double parse_1)
{
    const char *logs[] = {path};
    struct sol_scan_result r1, rn;
    double w1, wn, c1, cn, pw, pc;
    if (scan_run(logs, 1, idx, 1, false, &w1, &c1, &r1) ||
        scan_run(logs, 1, idx, (unsigned)cores, false, &wn, &cn, &rn))
        return;
    double e1 = (double)r1.events;
    printf("scan: one log, 1 thread: %9.0f events/s (wall) %9.0f events/s per CPU second; "
           "%d threads: %9.0f events/s (wall), %9.0f by the busiest thread's CPU; %zu sighted\n",
           e1 / w1, e1 / r1.cpu_busiest, cores, (double)rn.events / wn,
           (double)rn.events / rn.cpu_busiest, rn.nhits);
    printf("scan: one log on %d cores: speed-up %.2fx by the critical path (CPU of the busiest "
           "thread; target >= 1.8 on 2 cores), %.2fx by the wall clock of this run (load: "
           "%.1f); CPU in all %.2f s vs %.2f s on one thread\n",
           cores, r1.cpu_busiest / rn.cpu_busiest, w1 / wn, load_average(), cn, c1);
    parse_parts(path, cores, &pw, &pc);
    printf("scan: %d cores: parse only %9.0f events/s by the busiest thread's CPU | scan "
           "%9.0f | ratio %.2f (target >= 0.6); 1 core: ratio %.2f\n",
           cores, pc, (double)rn.events / rn.cpu_busiest, (double)rn.events / rn.cpu_busiest / pc,
           e1 / r1.cpu_busiest / parse_1);
    sol_scan_result_free(&r1);
    sol_scan_result_free(&rn);
}

/*
 * Zeek-like dns, conn and http logs of one period (JSON lines), and an index with 1e5
 * simple indicators and 1,000 patterns that pair a lookup in dns with a connection in
 * conn: the scan of the logs as one time-ordered stream (the default) next to each log
 * scanned on its own.
 */
static void
multi_log(const char *dir, int cores)
{
    size_t mb = getenv("SCAN_BENCH_MULTI_MB") ? (size_t)atol(getenv("SCAN_BENCH_MULTI_MB")) : 40;
    char paths[3][512];
    static const char *const kind[] = {"dns", "conn", "http"};
    FILE *f[3];
    for (int i = 0; i < 3; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/solidarity-scan-bench-%d-%s.json", dir,
                 (int)getpid(), kind[i]);
        f[i] = fopen(paths[i], "wb");
    }
    size_t written = 0;
    char line[1024];
    for (uint64_t i = 0; written < mb * 3000000; i++) {
        double ts = 1718000000.0 + (double)i * 0.003;
        uint64_t r = next_rand();
        int k = (int)(i % 3), n;
        char host[64];
        snprintf(host, sizeof host, "h%llu.example", (unsigned long long)(r % 50000));
        if (i % 997 == 0)
            snprintf(host, sizeof host, "c2-%llu.example", (unsigned long long)(r % 1000));
        if (k == 0)
            n = snprintf(line, sizeof line,
                         "{\"ts\":%.6f,\"uid\":\"D%llx\",\"id.orig_h\":\"10.0.%u.%u\","
                         "\"id.orig_p\":%u,\"id.resp_h\":\"192.168.1.1\",\"id.resp_p\":53,"
                         "\"proto\":\"udp\",\"query\":\"%s\",\"answers\":[\"172.16.%u.%u\"]}\n",
                         ts, (unsigned long long)i, (unsigned)(r >> 8) & 255, (unsigned)r & 255,
                         1024 + (unsigned)(r % 60000), host, (unsigned)(r >> 16) & 255,
                         (unsigned)(r >> 24) & 255);
        else if (k == 1)
            n = snprintf(line, sizeof line,
                         "{\"ts\":%.6f,\"uid\":\"C%llx\",\"id.orig_h\":\"10.0.%u.%u\","
                         "\"id.orig_p\":%u,\"id.resp_h\":\"203.0.%u.%u\",\"id.resp_p\":%u,"
                         "\"proto\":\"tcp\",\"duration\":1.5}\n",
                         ts, (unsigned long long)i, (unsigned)(r >> 8) & 255, (unsigned)r & 255,
                         1024 + (unsigned)(r % 60000),
                         /* one connection in 200 to the C2 network the patterns name */
                         (r >> 50) % 200 ? 100u + (unsigned)((r >> 32) & 3)
                                         : (unsigned)(r >> 32) & 3,
                         (unsigned)(r >> 40) & 255, (r & 7) ? 443u : 449u);
        else
            n = snprintf(line, sizeof line,
                         "{\"ts\":%.6f,\"uid\":\"H%llx\",\"id.orig_h\":\"10.0.%u.%u\","
                         "\"id.orig_p\":%u,\"id.resp_h\":\"198.51.100.%u\",\"id.resp_p\":80,"
                         "\"method\":\"GET\",\"host\":\"%s\",\"uri\":\"/p/%llu\","
                         "\"user_agent\":\"bench\"}\n",
                         ts, (unsigned long long)i, (unsigned)(r >> 8) & 255, (unsigned)r & 255,
                         1024 + (unsigned)(r % 60000), (unsigned)(r >> 16) & 255, host,
                         (unsigned long long)(r % 100000));
        fwrite(line, 1, (size_t)n, f[k]);
        written += (size_t)n;
    }
    for (int i = 0; i < 3; i++)
        fclose(f[i]);
    struct sol_match_index *idx = sol_match_index_new();
    char id[64], pat[256];
    for (size_t i = 0; i < 100000; i++) {
        snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012zx", i);
        snprintf(pat, sizeof pat, "[domain-name:value = 'ioc-%zu.example']", i);
        sol_match_index_add(idx, id, NULL, pat, strlen(pat), 0, 0, NULL);
    }
    for (size_t i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "indicator--00000000-0000-4000-9000-%012zx", i);
        snprintf(pat, sizeof pat,
                 "([domain-name:value = 'c2-%zu.example'] FOLLOWEDBY [ipv4-addr:value = "
                 "'203.0.%zu.%zu']) WITHIN 600 SECONDS",
                 i, i & 3, i & 255);
        sol_match_index_add(idx, id, NULL, pat, strlen(pat), 0, 0, NULL);
    }
    sol_match_index_build(idx, NULL);
    const char *logs[3] = {paths[0], paths[1], paths[2]};
    struct sol_scan_result merged, apart, one;
    double wm, wa, cm, ca, cpu_sep = 0;
    uint64_t ev_sep = 0;
    size_t sighted_sep = 0;
    if (scan_run(logs, 3, idx, (unsigned)cores, false, &wm, &cm, &merged) == 0 &&
        scan_run(logs, 3, idx, (unsigned)cores, true, &wa, &ca, &apart) == 0) {
        for (int i = 0; i < 3; i++) {
            double w, c;
            if (scan_run(&logs[i], 1, idx, (unsigned)cores, false, &w, &c, &one) == 0) {
                cpu_sep += c;
                ev_sep += one.events;
                sighted_sep += one.nhits;
                sol_scan_result_free(&one);
            }
        }
        double em = (double)merged.events / cm, es = (double)ev_sep / cpu_sep;
        printf("scan: dns+conn+http of one period (%.0f MB, %llu events), %d threads, per CPU "
               "second: as one time-ordered stream %9.0f events/s (%zu sighted) | each log "
               "scanned on its own %9.0f events/s (%zu sighted) | ratio %.2f; --per-file %9.0f "
               "events/s (%zu sighted)\n",
               (double)written / 1e6, (unsigned long long)merged.events, cores, em, merged.nhits,
               es, sighted_sep, em / es, (double)apart.events / ca, apart.nhits);
        (void)wm;
        (void)wa;
        sol_scan_result_free(&merged);
        sol_scan_result_free(&apart);
    }
    sol_match_index_free(idx);
    for (int i = 0; i < 3; i++)
        unlink(paths[i]);
}

int
main(void)
{
    const char *e;
    size_t mb = (e = getenv("SCAN_BENCH_MB")) ? (size_t)atol(e) : 300;
    size_t total = (e = getenv("SCAN_BENCH_INDICATORS")) ? (size_t)atol(e) : 1000000;
    const char *dir = (e = getenv("SCAN_BENCH_DIR")) ? e : "/tmp";
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    if (cores > 64)
        cores = 64;

    /* The index. */
    size_t ndomains, nexact;
    struct indicator_text *ind = make_indicators(total, &ndomains, &nexact);
    malloc_trim(0);
    long rss0 = rss_bytes();
    size_t nexact_only = 0;
    double exact_per = exact_only_bytes(ind, total, &nexact_only);
    malloc_trim(0);
    rss0 = rss_bytes();
    struct sol_match_index *idx = sol_match_index_new();
    double t0 = now_s(), bc0 = cpu_s(), pc0 = process_cpu_s();
    if (!idx || build_index(idx, ind, total) != 0) {
        fprintf(stderr, "bench_scan: cannot build the index\n");
        return 1;
    }
    double build = now_s() - t0, build_cpu = cpu_s() - bc0, build_all = process_cpu_s() - pc0;
    malloc_trim(0);
    long rss1 = rss_bytes();
    for (size_t i = 0; i < total; i++)
        free(ind[i].pattern);
    free(ind);
    struct sol_match_index_stats st;
    sol_match_index_stats(idx, &st);
    double per = (double)(rss1 - rss0) / (double)total;
    printf("scan: index of %zu indicators (%zu exact keys, %zu networks, %zu LIKE/MATCHES) "
           "built in %.2f s of wall clock; CPU %.2f s on the building thread, %.2f s in all "
           "(Vectorscan compiles on every core) (target <= 2 s)\n",
           st.indicators, st.exact_keys, st.cidr_prefixes, st.regex_terms, build, build_cpu,
           build_all);
    printf("scan: memory: %.1f bytes per exact indicator (RSS growth of an index of the %zu "
           "exact ones alone; target <= 80)\n",
           exact_per, nexact_only);
    printf("scan: memory: %.1f bytes per indicator for the whole index, networks and the "
           "1,000 LIKE/MATCHES (their compiled databases and patterns) included (RSS growth "
           "%.1f MB; the index's own count of its tables: %.1f bytes per indicator)\n",
           per, (double)(rss1 - rss0) / 1e6, (double)st.bytes / (double)total);

    /* The log. */
    char path[512];
    snprintf(path, sizeof path, "%s/solidarity-scan-bench-%d.jsonl", dir, (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return 1;
    }
    char line[1024];
    size_t written = 0;
    uint64_t lines = 0;
    t0 = now_s();
    while (written < mb * 1000000) {
        size_t n = log_line(line, sizeof line, lines++, ndomains);
        fwrite(line, 1, n, f);
        written += n;
    }
    fclose(f);
    printf("scan: log of %llu lines, %.0f MB, written in %.1f s\n", (unsigned long long)lines,
           (double)written / 1e6, now_s() - t0);

    /* Warm the page cache and the allocator once, then measure. */
    struct run warm = {.path = path, .idx = idx, .scan = false};
    parse_only(&warm);

    struct run p1 = {.path = path, .idx = idx, .scan = false};
    parse_only(&p1);
    struct run s1 = {.path = path, .idx = idx, .scan = true};
    scan(&s1);
    double pe = (double)p1.events / p1.cpu, se = (double)s1.events / s1.cpu;
    printf("scan: 1 core (per CPU second): parse only %9.0f events/s %7.1f MB/s | scan %9.0f "
           "events/s %7.1f MB/s | ratio %.2f (target >= 0.6); %llu hits (%.1f %% of events)\n",
           pe, (double)p1.bytes / 1e6 / p1.cpu, se, (double)s1.bytes / 1e6 / s1.cpu, se / pe,
           (unsigned long long)s1.hits, 100.0 * (double)s1.hits / (double)s1.events);
    printf("scan: 1 core (wall clock): parse only %9.0f events/s | scan %9.0f events/s\n",
           (double)p1.events / p1.secs, (double)s1.events / s1.secs);
    all_cores(path, idx, cores, (double)p1.events / p1.cpu);
    multi_log(dir, cores);
    unlink(path);
    sol_match_index_free(idx);
    return 0;
}
