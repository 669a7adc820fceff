/*
 * conf.h — configuration files (solidarity.conf(5)): one setting per line,
 *
 *     # a comment, on a line of its own
 *     listen 0.0.0.0:8443
 *     title "Example CERT: indicators for partners"
 *
 * a key (lower-case letters, digits and '-') and, after blanks, its value: the rest of the
 * line without the blanks around it, or a string in double quotes (\" and \\ inside) when
 * the value has blanks at its ends or a '#' at its start. Blank lines and comments are
 * skipped. What each key means is the caller's: the parser hands every setting over.
 *
 * Ownership: the key and value handed to the callback are valid during the call only.
 */
#ifndef SOLIDARITY_CONF_H
#define SOLIDARITY_CONF_H

#include <stddef.h>

#include "solidarity/api.h"
#include "solidarity/error.h"

/* The longest line, in bytes. */
#define SOL_CONF_MAX_LINE 4096
/* The largest file, in bytes. */
#define SOL_CONF_MAX_FILE (1 << 20)

/*
 * Called for each setting, with its line number (from 1); returns 0 to go on, or a
 * negative code with err saying what is wrong with it (the parser adds the line).
 */
typedef int (*sol_conf_fn)(void *ud, const char *key, const char *value, unsigned line,
                           struct sol_error *err);

/*
 * Parse n bytes of text, calling fn for each setting in order. Returns 0, fn's code, or
 * SOL_ESYNTAX; err then says which line (err->line) and what.
 */
SOL_API int sol_conf_parse(const char *text, size_t n, sol_conf_fn fn, void *ud,
                           struct sol_error *err);

/* Read the file at path and parse it; errors name the file: "PATH:LINE: what". */
SOL_API int sol_conf_read(const char *path, sol_conf_fn fn, void *ud, struct sol_error *err);

#endif
