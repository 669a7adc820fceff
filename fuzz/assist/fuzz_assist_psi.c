/*
 * fuzz_assist_psi.c — outside bytes as a PSI message (psi.h), as the server reads a check
 * and the client reads an answer or a set: parse, and hold the invariants a reader relies
 * on: a message that parses writes back to the same bytes, its items fit in it, the tags
 * of a set ascend; the points of a request are evaluated (or refused) without harm.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/psi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sol_psi_key key;
    static bool ready;
    if (!ready) {
        if (sol_psi_key_new(1, &key) != 0)
            abort();
        ready = true;
    }
    struct sol_psi_msg m;
    if (sol_psi_msg_parse(data, size, &m, NULL) != 0)
        return 0;
    struct sol_buf back;
    sol_buf_init(&back);
    uint64_t *tags = NULL;
    if (m.type == SOL_PSI_SET) {
        tags = malloc((m.count ? m.count : 1) * sizeof *tags);
        if (!tags)
            abort();
        for (size_t i = 0; i < m.count; i++) {
            tags[i] = sol_psi_msg_tag(&m, i);
            if (i && tags[i] <= tags[i - 1])
                abort();
        }
        m.tags = tags;
    }
    sol_psi_msg_write(&back, &m);
    if (back.n != size || memcmp(back.p, data, size) != 0)
        abort();
    if (m.type != SOL_PSI_SET && m.count <= 64) {
        uint8_t out[64 * SOL_PSI_POINT];
        size_t bad = SIZE_MAX;
        int rc = sol_psi_evaluate(&key, m.points, m.count, out, &bad);
        if ((rc == 0) != (bad == SIZE_MAX) || (rc != 0 && bad >= m.count))
            abort();
    }
    free(tags);
    sol_buf_free(&back);
    return 0;
}
