/*
 * fuzz_json.c — the JSON parser on arbitrary bytes.
 *
 * Invariants: parsing never crashes; the C checker agrees with simdjson about what
 * is JSON (it names the error of every rejected text, and with duplicate keys
 * allowed the parser accepts exactly what it accepts); a parsed value written back
 * (compact and pretty) reparses equal; the canonical form reparses and is stable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "solidarity/json.h"

#define ALWAYS(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

static struct sol_json_doc *doc, *doc2, *lenient;
static struct sol_buf out, out2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!doc) {
        doc = sol_json_doc_new(NULL);
        doc2 = sol_json_doc_new(NULL);
        struct sol_json_limits lim = {0, 0, true};
        lenient = sol_json_doc_new(&lim);
    }
    const char *text = (const char *)data;
    const struct sol_json *root, *again;
    struct sol_error err;
    int rc = sol_json_parse(doc, text, size, &root, &err);
    struct sol__json_check c;
    memset(&c, 0, sizeof(c));
    c.max_depth = 128;
    c.dup_node = SIZE_MAX;
    int crc = sol__json_check(text, size, &c);
    /* With duplicate keys allowed, the parser accepts exactly what the checker does. */
    const struct sol_json *lenient_root;
    int lrc = sol_json_parse(lenient, text, size, &lenient_root, NULL);
    ALWAYS((lrc == 0) == (crc == 0));
    if (rc != 0) {
        ALWAYS(rc == SOL_ESYNTAX || rc == SOL_ELIMIT);
        ALWAYS(root == NULL);
        /* A located error: the checker found it (a duplicate key only the parser sees). */
        ALWAYS(strncmp(err.msg, "invalid JSON:", 13) != 0);
        ALWAYS(err.line >= 1 && err.column >= 1 && err.offset <= size);
        ALWAYS(crc != 0 || strncmp(err.msg, "duplicate key", 13) == 0);
        return 0;
    }
    ALWAYS(crc == 0);
    ALWAYS(root->skip >= 1);
    for (int pretty = 0; pretty < 2; pretty++) {
        sol_buf_reset(&out);
        struct sol_json_writer w;
        sol_jw_init(&w, &out, pretty);
        sol_jw_value(&w, root);
        ALWAYS(!out.oom);
        ALWAYS(sol_json_parse(doc2, out.p, out.n, &again, &err) == 0);
        ALWAYS(sol_json_equal(root, again));
        ALWAYS(sol_json_equal(again, root));
    }
    sol_buf_reset(&out);
    ALWAYS(sol_json_canonical(&out, root) == 0);
    ALWAYS(sol_json_parse(doc2, out.p, out.n, &again, &err) == 0);
    sol_buf_reset(&out2);
    ALWAYS(sol_json_canonical(&out2, again) == 0);
    ALWAYS(out.n == out2.n && memcmp(out.p, out2.p, out.n) == 0);
    return 0;
}
