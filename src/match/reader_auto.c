/*
 * reader_auto.c — auto-detection of a log's format from its first line that is not
 * blank: every format of the table says how sure it is (its detect()), and the surest
 * wins; the line is parsed as JSON once, for all of them. The line stays for the
 * format's first next().
 */
#include <ctype.h>
#include <string.h>

#include "match/match.h"
#include "match/reader.h"
#include "solidarity/error.h"

int
sol__mlog_detect(struct sol_log_reader *r, struct sol_error *err)
{
    do {
        if (!sol__mreader_line(r)) {
            if (r->ioerr)
                return sol_error_set(err, SOL_EIO, "%s: read error", r->name);
            /* Empty input: any format reads nothing from it. */
            r->fmt = sol__mlog_format(r->map ? SOL_LOG_JSONL : SOL_LOG_ZEEK_JSON);
            return 0;
        }
    } while (r->line_n == 0);
    r->have_peeked = true;
    struct sol__mfirst first = {r->line, r->line_n, NULL, r->map != NULL};
    while (first.n && isspace((unsigned char)*first.s)) {
        first.s++;
        first.n--;
    }
    const struct sol_json *root;
    if (first.n && first.s[0] == '{' &&
        sol_json_parse(r->doc, r->line, r->line_n, &root, NULL) == 0 &&
        root->type == SOL_JSON_OBJECT)
        first.json = root;
    int best = 0;
    for (int i = 1; i < SOL_LOG_NFORMATS; i++) {
        const struct sol__mlog_format *f = sol__mlog_format((enum sol_log_format)i);
        int sure = f->detect ? f->detect(&first) : 0;
        if (sure > best) {
            best = sure;
            r->fmt = f;
        }
    }
    if (best > 0)
        return 0;
    if (first.json)
        return sol_error_set(err, SOL_EINVAL,
                             "%s: JSON lines that are neither Zeek nor eve need a mapping "
                             "(--mapping FILE)",
                             r->name);
    return sol_error_set(err, SOL_ESYNTAX,
                         "%s: cannot tell the log format from its first line (give --format)",
                         r->name);
}
