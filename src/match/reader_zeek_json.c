/*
 * reader_zeek_json.c — Zeek's logs written as JSON lines (LogAscii::use_json), read by
 * the JSON-lines engine through the built-in Zeek mapping (reader_zeek.c).
 */
#include "match/reader.h"

/* A "ts" and one of the members every Zeek log of interest has. */
static int
detect(const struct sol__mfirst *first)
{
    const struct sol_json *o = first->json;
    if (!o || !sol_json_get(o, "ts"))
        return 0;
    return sol_json_get(o, "uid") || sol_json_get(o, "id.orig_h") || sol_json_get(o, "_path") ||
                   sol_json_get(o, "fuid") || sol_json_get(o, "certificate.subject")
               ? 80
               : 0;
}

const struct sol__mlog_format sol__mlog_zeek_json = {
    .id = SOL_LOG_ZEEK_JSON,
    .name = "zeek-json",
    .mapping = &sol__mzeek,
    .detect = detect,
    .open = sol__mjson_open,
    .splittable = true,
    .next = sol__mjson_next,
    .free = sol__mjson_free,
};
