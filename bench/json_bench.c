/*
 * json_bench.c — JSON-lines parse throughput: our reader (simdjson + conversion to
 * the node array) against simdjson's own parse of the same lines, in the same run.
 *
 * The input is generated: Zeek-like DNS log records, one per line, about 32 MB.
 * Prints MB/s of each (ours also without the duplicate-key check), and the ratio
 * (ours / simdjson alone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "solidarity/json.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Zeek dns.log records as JSON lines, into b (with simdjson's padding after). */
static void
generate(struct sol_buf *b, size_t bytes)
{
    static const char *const qtypes[] = {"A", "AAAA", "MX", "TXT", "PTR"};
    unsigned x = 12345;
    for (size_t i = 0; b->n < bytes; i++) {
        x = x * 1103515245u + 12345u;
        sol_buf_printf(
            b,
            "{\"ts\":%zu.%06u,\"uid\":\"C%08xAbCdEf\",\"id.orig_h\":\"10.%u.%u.%u\","
            "\"id.orig_p\":%u,\"id.resp_h\":\"192.168.1.1\",\"id.resp_p\":53,"
            "\"proto\":\"udp\",\"trans_id\":%u,\"rtt\":0.0%u,\"query\":\"host%u.example%u.com\","
            "\"qclass\":1,\"qclass_name\":\"C_INTERNET\",\"qtype\":1,\"qtype_name\":\"%s\","
            "\"rcode\":0,\"rcode_name\":\"NOERROR\",\"AA\":false,\"TC\":false,\"RD\":true,"
            "\"RA\":true,\"Z\":0,\"answers\":[\"93.184.%u.%u\"],\"TTLs\":[%u.0],"
            "\"rejected\":false}\n",
            1591367999 + i, x % 1000000, x, (x >> 8) & 255, (x >> 16) & 255, x & 255,
            1024 + x % 60000, x % 65536, x % 1000, x % 100000, x % 97, qtypes[x % 5],
            (x >> 4) & 255, (x >> 12) & 255, x % 86400);
    }
    sol_buf_reserve(b, SOL__JSON_PADDING);
    memset(b->p + b->n, ' ', SOL__JSON_PADDING);
}

int
main(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    generate(&b, (size_t)32 << 20);
    if (b.oom) {
        fprintf(stderr, "json_bench: out of memory\n");
        return 1;
    }
    double mb = (double)b.n / 1e6;
    double best_base = 1e9, best_ours = 1e9, best_dups = 1e9;
    size_t lines_base = 0, lines_ours = 0;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    for (int round = 0; round < 3; round++) {
        /* Baseline: split on newlines, simdjson parses each line in place. */
        double t0 = now();
        lines_base = 0;
        for (const char *p = b.p, *end = b.p + b.n; p < end;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (sol__json_parse_simdjson_only(doc, p, n) == 0)
                lines_base++;
            p += n + 1;
        }
        double t1 = now();
        /* Ours: the reader, which also converts to the node array. */
        struct sol_json_reader *r = sol_json_reader_new_mem(b.p, b.n, NULL);
        const struct sol_json *root;
        lines_ours = 0;
        int rc;
        while ((rc = sol_json_reader_next(r, &root, NULL, NULL)) != SOL_EEOF)
            if (rc == 0)
                lines_ours++;
        sol_json_reader_free(r);
        double t2 = now();
        /* Ours without the duplicate-key check (limits.allow_dup_keys), as a scan may run. */
        struct sol_json_limits lim = {0, 0, true};
        r = sol_json_reader_new_mem(b.p, b.n, &lim);
        while (sol_json_reader_next(r, &root, NULL, NULL) != SOL_EEOF)
            ;
        sol_json_reader_free(r);
        double t3 = now();
        if (t3 - t2 < best_dups)
            best_dups = t3 - t2;
        if (t1 - t0 < best_base)
            best_base = t1 - t0;
        if (t2 - t1 < best_ours)
            best_ours = t2 - t1;
    }
    sol_json_doc_free(doc);
    sol_buf_free(&b);
    if (lines_base != lines_ours) {
        fprintf(stderr, "json_bench: %zu lines against %zu\n", lines_ours, lines_base);
        return 1;
    }
    printf("json lines parse (reader, to nodes): %8.1f MB/s  (%zu lines, %.1f MB)\n",
           mb / best_ours, lines_ours, mb);
    printf("same, duplicate keys allowed:        %8.1f MB/s\n", mb / best_dups);
    printf("baseline simdjson DOM parse alone:   %8.1f MB/s\n", mb / best_base);
    printf("ratio: %.2f\n", best_base / best_ours);
    return 0;
}
