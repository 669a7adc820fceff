/*
 * error.h — error codes and error reports of libsolidarity.
 *
 * Every library function that can fail returns an int: 0 on success, or one of the
 * negative SOL_E* codes below. The codes come from one X-macro table, which also
 * yields sol_strerror() and sol_err_name().
 *
 * Functions that can say more than a code take a struct sol_error *, which may be
 * NULL. The caller owns the struct; the library fills it on failure only.
 */
#ifndef SOLIDARITY_ERROR_H
#define SOLIDARITY_ERROR_H

#include <stddef.h>

#include "solidarity/api.h"

/* X(name, message): the one table of error codes. Append only: the numbers are stable. */
#define SOL_ERRNO_MAP(X)                                                                           \
    X(NOMEM, "out of memory")                                                                      \
    X(INVAL, "invalid argument")                                                                   \
    X(IO, "input/output error")                                                                    \
    X(SYNTAX, "syntax error")                                                                      \
    X(LIMIT, "limit exceeded")                                                                     \
    X(NOTFOUND, "not found")                                                                       \
    X(EXISTS, "already exists")                                                                    \
    X(INVALID, "invalid object")                                                                   \
    X(TYPE, "wrong type")                                                                          \
    X(RANGE, "value out of range")                                                                 \
    X(UNSUPPORTED, "not supported")                                                                \
    X(DENIED, "permission denied")                                                                 \
    X(AUTH, "authentication required")                                                             \
    X(CONFLICT, "conflict")                                                                        \
    X(STORE, "store error")                                                                        \
    X(NET, "network error")                                                                        \
    X(TIMEOUT, "timed out")                                                                        \
    X(CRYPTO, "cryptographic failure")                                                             \
    X(SIGNATURE, "bad signature")                                                                  \
    X(BUSY, "busy")                                                                                \
    X(EOF, "end of input")                                                                         \
    X(INTERNAL, "internal error")

enum sol_errno {
    SOL_OK = 0,
#define SOL__ERR_ENUM(name, msg) SOL_E##name,
    SOL__ERR_FIRST = -1000,
    SOL_ERRNO_MAP(SOL__ERR_ENUM) SOL__ERR_LAST
#undef SOL__ERR_ENUM
};

/*
 * A report of what went wrong and where. offset, line and column are 0 when they do
 * not apply; line and column count from 1 and column counts bytes. path is a JSON path
 * ("objects[12].pattern") when the error is about a part of a JSON document, else "".
 */
struct sol_error {
    int code;
    size_t offset;
    unsigned line;
    unsigned column;
    char path[256];
    char msg[512];
};

/* The message for a code ("out of memory"); "unknown error" for anything else. */
SOL_API const char *sol_strerror(int code);

/* The code's name ("SOL_ENOMEM"); "SOL_E?" for anything else. */
SOL_API const char *sol_err_name(int code);

/*
 * Fill err (when not NULL) with code and a printf-style message, clearing where it
 * happened. Returns code, so that callers can write `return sol_error_set(err, ...)`.
 */
SOL_API int sol_error_set(struct sol_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#if defined(__clang_analyzer__) && !defined(SOL_ERROR_C)
/* For clang-tidy's analyzer, which cannot see into error.c: the result is code, so a
 * failure path that sets an error is never taken for a success. */
#define sol_error_set(err, code, ...) (sol_error_set((err), (code), __VA_ARGS__), (code))
#endif

/* Reset err (when not NULL) to "no error". */
SOL_API void sol_error_clear(struct sol_error *err);

/*
 * Format err for a person: "line 3, column 7: expected ','" or "objects[2].type: ...".
 * Writes at most n bytes including the NUL into buf and returns buf.
 */
SOL_API char *sol_error_format(const struct sol_error *err, char *buf, size_t n);

#endif
