/*
 * log.h — the server's log: one line per event, as text for a person or as JSON lines for
 * a SIEM, on stderr or in a file that logrotate may move away (sol_logger_reopen()).
 *
 * Every line of the process goes through one logger, so that the format is the same for
 * the HTTP server, background sync and every other job of serve. Text lines are what
 * they always were ("solidarity: serve: ..." for messages; "GET /taxii2/ 200 ..." for
 * requests); a JSON line is one object with "time" (RFC 3339, UTC, microseconds),
 * "level", "event" and the event's fields.
 *
 * Ownership: the logger copies the path it is given; the fields of an event are borrowed
 * for the duration of the call. All functions are thread-safe: a line is written with
 * one write(2), whole or not at all, and lines of several threads never mix.
 */
#ifndef SOLIDARITY_LOG_H
#define SOLIDARITY_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"

enum sol_logger_style {
    SOL_LOGGER_TEXT = 0, /* lines for a person (the default) */
    SOL_LOGGER_JSON,     /* one JSON object per line */
};

enum sol_logger_level { SOL_LOGGER_INFO = 0, SOL_LOGGER_WARNING, SOL_LOGGER_ERROR };

/* One field of an event: a string (s, may be NULL: the field is left out) or a number. */
struct sol_log_field {
    const char *key;
    const char *s;
    double num;
    bool is_num;
};

#define SOL_LOG_STR(k, v) ((struct sol_log_field){.key = (k), .s = (v)})
#define SOL_LOG_NUM(k, v) ((struct sol_log_field){.key = (k), .num = (double)(v), .is_num = true})

/*
 * Send the log to path (appended to, created owner-only; NULL or "-": stderr) in style.
 * Replaces what was set before; the file stays open until the next call or
 * sol_logger_close(). Returns 0 or SOL_EIO with err naming the file.
 */
SOL_API int sol_logger_open(const char *path, enum sol_logger_style style, struct sol_error *err);

/*
 * Open the log's file again under the same name (after logrotate moved it away): the new
 * file is used from the next line on. Nothing to do on stderr. On failure the old file
 * stays in use, and SOL_EIO is returned with err saying why.
 */
SOL_API int sol_logger_reopen(struct sol_error *err);

/* Back to stderr, text; closes the file. */
SOL_API void sol_logger_close(void);

/* The style in use. */
SOL_API enum sol_logger_style sol_logger_style(void);

/*
 * A message: text "solidarity: WHERE: MESSAGE"; JSON {"event":"message","where":...,
 * "msg":...} at level.
 */
SOL_API void sol_logger_msg(enum sol_logger_level level, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * An event: in text, the line text as given (without its newline); in JSON, the event's
 * name and its n fields.
 */
SOL_API void sol_logger_event(const char *event, const char *text, const struct sol_log_field *f,
                              size_t n);

#endif
