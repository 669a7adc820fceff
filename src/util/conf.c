/*
 * conf.c — the configuration file's grammar (conf.h), one line at a time:
 *
 *     line    := blank* ( comment | setting )? blank* newline
 *     comment := '#' any*
 *     setting := key blank+ value
 *     key     := [a-z0-9-]+
 *     value   := '"' ( [^"\\] | '\\' ["\\] )* '"' blank* | bare
 *     bare    := any non-blank character, then the rest of the line
 *
 * Text must be UTF-8 without NUL or control characters other than tab.
 */
#include <stdio.h>
#include <string.h>

#include "solidarity/conf.h"
#include "solidarity/util.h"

static bool
blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Put prefix before err's message (cut at the buffer's end). */
static void
prefix_msg(struct sol_error *err, const char *prefix)
{
    size_t cap = sizeof err->msg, p = strlen(prefix), m = strlen(err->msg);
    if (p >= cap)
        p = cap - 1;
    if (p + m >= cap)
        m = cap - 1 - p;
    memmove(err->msg + p, err->msg, m);
    memcpy(err->msg, prefix, p);
    err->msg[p + m] = '\0';
}

static int
line_error(struct sol_error *err, unsigned line, const char *what)
{
    sol_error_set(err, SOL_ESYNTAX, "line %u: %s", line, what);
    if (err)
        err->line = line;
    return SOL_ESYNTAX;
}

/* One line (without its newline) of n bytes at p. */
static int
parse_line(const char *p, size_t n, unsigned line, sol_conf_fn fn, void *ud, struct sol_error *err)
{
    if (n > SOL_CONF_MAX_LINE)
        return line_error(err, line, "line longer than 4096 bytes");
    if (sol_utf8_check(p, n) != n)
        return line_error(err, line, "not UTF-8 text");
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
            return line_error(err, line, "a control character");
    size_t i = 0;
    while (i < n && blank(p[i]))
        i++;
    if (i == n || p[i] == '#')
        return 0;
    char key[64];
    size_t k = 0;
    while (i < n && !blank(p[i])) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return line_error(err, line, "a key is lower-case letters, digits and '-'");
        if (k + 1 >= sizeof key)
            return line_error(err, line, "key too long");
        key[k++] = c;
        i++;
    }
    key[k] = '\0';
    while (i < n && blank(p[i]))
        i++;
    if (i == n) {
        char what[128];
        snprintf(what, sizeof what, "%s needs a value", key);
        return line_error(err, line, what);
    }
    char value[SOL_CONF_MAX_LINE + 1];
    size_t v = 0;
    if (p[i] == '"') {
        i++;
        for (;;) {
            if (i == n)
                return line_error(err, line, "a quoted value without its closing '\"'");
            char c = p[i++];
            if (c == '"')
                break;
            if (c == '\\') {
                if (i == n || (p[i] != '"' && p[i] != '\\'))
                    return line_error(err, line, "in quotes, '\\' goes before '\"' or '\\' only");
                c = p[i++];
            }
            value[v++] = c;
        }
        while (i < n && blank(p[i]))
            i++;
        if (i < n)
            return line_error(err, line, "text after a quoted value");
    } else {
        size_t end = n;
        while (end > i && blank(p[end - 1]))
            end--;
        memcpy(value, p + i, end - i);
        v = end - i;
    }
    value[v] = '\0';
    int rc = fn(ud, key, value, line, err);
    if (rc < 0 && err) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "line %u: ", line);
        prefix_msg(err, prefix);
        err->line = line;
    }
    return rc;
}

/* conf.h */
int
sol_conf_parse(const char *text, size_t n, sol_conf_fn fn, void *ud, struct sol_error *err)
{
    if (n > SOL_CONF_MAX_FILE)
        return sol_error_set(err, SOL_ELIMIT, "larger than 1 MiB");
    unsigned line = 0;
    size_t at = 0;
    while (at < n) {
        line++;
        const char *nl = memchr(text + at, '\n', n - at);
        size_t len = nl ? (size_t)(nl - (text + at)) : n - at;
        size_t body = len && text[at + len - 1] == '\r' ? len - 1 : len;
        int rc = parse_line(text + at, body, line, fn, ud, err);
        if (rc < 0)
            return rc;
        at += len + (nl != NULL);
    }
    return 0;
}

/* conf.h */
int
sol_conf_read(const char *path, sol_conf_fn fn, void *ud, struct sol_error *err)
{
    struct sol_buf text;
    sol_buf_init(&text);
    int rc = sol_read_file(path, SOL_CONF_MAX_FILE, &text, err);
    if (rc == 0)
        rc = sol_conf_parse(text.p ? text.p : "", text.n, fn, ud, err);
    if (rc < 0 && err) {
        /* "line 3: ..." becomes "PATH:3: ..." */
        bool at_line = strncmp(err->msg, "line ", 5) == 0;
        if (at_line)
            memmove(err->msg, err->msg + 5, strlen(err->msg + 5) + 1);
        char prefix[4200];
        snprintf(prefix, sizeof prefix, "%s%s", path, at_line ? ":" : ": ");
        prefix_msg(err, prefix);
    }
    sol_buf_free(&text);
    return rc;
}
