/*
 * fuzz_scan.c — one log reader (FUZZ_FORMAT, set by the file that includes this one) and the scanner
 * on outside bytes: the reader must count bad lines and go on, never crash, and the
 * scanner must take whatever observation comes out.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "solidarity/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char indicators[] =
    "[domain-name:value = 'evil.example']\n"
    "[ipv4-addr:value ISSUBSET '10.0.0.0/8']\n"
    "[file:hashes.'SHA-256' = 'e38d7ba21a48ad32963bfe6cb0203afe0839eca9a73268a67422109da282eae3']\n"
    "[domain-name:value LIKE '%.duckdns.org']\n"
    "[url:value MATCHES '^http://[^/]+/api']\n"
    "[network-traffic:dst_port = 443 AND network-traffic:dst_ref.value = '10.1.1.1']\n"
    "[domain-name:value = 'a.example'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.1']\n";

static const char mapping[] = "ts -> time\nhost -> domain-name:value\nip -> ipv4-addr:value\n"
                              "url -> url:value\nmd5 -> file:hashes.MD5\nsrc -> network-traffic:src_ref\n";

static struct sol_match_index *idx;
static struct sol_match_scanner *sc;
static struct sol_log_mapping *map;

static void
setup(void)
{
    idx = sol_match_index_new();
    const char *p = indicators;
    int i = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        char id[64];
        snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", i++);
        sol_match_index_add(idx, id, NULL, p, (size_t)(nl - p), 0, 0, NULL);
        p = nl + 1;
    }
    sol_match_index_build(idx, NULL);
    sc = sol_match_scanner_new(idx);
    sol_log_mapping_parse(mapping, sizeof mapping - 1, &map, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!idx)
        setup();
    int fd = memfd_create("log", 0);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    lseek(fd, 0, SEEK_SET);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return 0;
    }
    struct sol_log_reader *r = NULL;
    struct sol_error err;
    if (sol_log_reader_open(f, "fuzz", FUZZ_FORMAT, map, &r, &err) == 0) {
        const struct sol_obs *obs;
        for (int n = 0; n < 100000; n++) {
            int rc = sol_log_reader_next(r, &obs, &err);
            if (rc == SOL_EEOF || (rc && rc != SOL_ESYNTAX))
                break;
            if (rc == 0)
                sol_match_scan(sc, obs);
        }
        sol_log_reader_free(r);
    }
    fclose(f);
    return 0;
}
