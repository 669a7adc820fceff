/*
 * test_conf.c — the configuration file's grammar (conf.h): each case is a text, the
 * settings it gives ("key=value;" each) or the error it makes, word for word.
 */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "solidarity/conf.h"
#include "solidarity/util.h"

struct conf_case {
    const char *text;
    const char *settings; /* "key=value;..." when it parses */
    const char *error;    /* the message when it does not */
};

static const struct conf_case cases[] = {
    {"", "", NULL},
    {"# only a comment\n\n   \t\n", "", NULL},
    {"listen 127.0.0.1:8400\n", "listen=127.0.0.1:8400;", NULL},
    {"  title   Example CERT  \t\r\n", "title=Example CERT;", NULL},
    {"title \"  padded  \"\n", "title=  padded  ;", NULL},
    {"title \"say \\\"hi\\\" \\\\ done\"  \n", "title=say \"hi\" \\ done;", NULL},
    {"title \"# not a comment\"\n", "title=# not a comment;", NULL},
    {"title a # b\n", "title=a # b;", NULL},
    {"a 1\nb 2", "a=1;b=2;", NULL},
    {"title café\n", "title=café;", NULL},
    {"listen\n", NULL, "line 1: listen needs a value"},
    {"\n\nListen 1\n", NULL, "line 3: a key is lower-case letters, digits and '-'"},
    {"title \"open\n", NULL, "line 1: a quoted value without its closing '\"'"},
    {"title \"a\" b\n", NULL, "line 1: text after a quoted value"},
    {"title \"a\\b\"\n", NULL, "line 1: in quotes, '\\' goes before '\"' or '\\' only"},
    {"title \x01\n", NULL, "line 1: a control character"},
    {"title \xff\n", NULL, "line 1: not UTF-8 text"},
    {"ok 1\nstop here\n", NULL, "line 2: stop is refused"},
};

/* Collect "key=value;" and refuse the key "stop", as a caller refuses what it does not know. */
static int
collect(void *ud, const char *key, const char *value, unsigned line, struct sol_error *err)
{
    (void)line;
    if (strcmp(key, "stop") == 0)
        return sol_error_set(err, SOL_ESYNTAX, "stop is refused");
    sol_buf_printf(ud, "%s=%s;", key, value);
    return 0;
}

static void
test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sol_buf got;
        sol_buf_init(&got);
        struct sol_error err;
        sol_error_clear(&err);
        int rc = sol_conf_parse(cases[i].text, strlen(cases[i].text), collect, &got, &err);
        if (cases[i].settings) {
            if (rc != 0 || strcmp(got.p ? got.p : "", cases[i].settings) != 0)
                HARNESS_FAIL("case %zu: rc %d, got '%s', expected '%s' (%s)", i, rc,
                             got.p ? got.p : "", cases[i].settings, err.msg);
        } else if (rc != SOL_ESYNTAX || strcmp(err.msg, cases[i].error) != 0) {
            HARNESS_FAIL("case %zu: rc %d, message '%s', expected '%s'", i, rc, err.msg,
                         cases[i].error);
        }
        sol_buf_free(&got);
    }
}

static void
test_long_line(void)
{
    struct sol_buf text;
    sol_buf_init(&text);
    sol_buf_puts(&text, "title ");
    for (int i = 0; i < 4100; i++)
        sol_buf_putc(&text, 'x');
    struct sol_error err;
    CHECK_INT(sol_conf_parse(text.p, text.n, collect, &text, &err), SOL_ESYNTAX);
    CHECK_STR(err.msg, "line 1: line longer than 4096 bytes");
    sol_buf_free(&text);
}

static void
test_file_names_itself(void)
{
    struct sol_error err;
    struct sol_buf got;
    sol_buf_init(&got);
    CHECK_INT(sol_conf_read("/nonexistent/solidarity.conf", collect, &got, &err), SOL_EIO);
    CHECK_STR(err.msg, "/nonexistent/solidarity.conf: cannot open: No such file or directory");
    char path[] = "/tmp/sol-conf-XXXXXX";
    int fd = mkstemp(path);
    const char text[] = "a 1\nb\n";
    CHECK(fd >= 0 && write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
    close(fd);
    CHECK_INT(sol_conf_read(path, collect, &got, &err), SOL_ESYNTAX);
    char want[128];
    snprintf(want, sizeof want, "%s:2: b needs a value", path);
    CHECK_STR(err.msg, want);
    CHECK_INT(err.line, 2);
    unlink(path);
    sol_buf_free(&got);
}

int
main(void)
{
    RUN(test_cases);
    RUN(test_long_line);
    RUN(test_file_names_itself);
    return harness_done();
}
