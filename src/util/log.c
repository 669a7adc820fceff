/*
 * log.c — the process's one log (log.h): a descriptor (stderr or an appended file) and a
 * style, behind a mutex that also keeps lines whole. A line is built in a buffer and
 * written with one write(2); a string field longer than FIELD_MAX is cut there (a
 * 64 KiB request line must not make a 64 KiB log line).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "solidarity/alloc.h"
#include "solidarity/log.h"
#include "solidarity/util.h"

#define FIELD_MAX 2048

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1; /* -1: stderr */
static char *log_path;
static enum sol_logger_style log_style = SOL_LOGGER_TEXT;

static int
open_file(const char *path, struct sol_error *err)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return sol_error_set(err, SOL_EIO, "%s: %s", path, strerror(errno));
    return fd;
}

/* log.h */
int
sol_logger_open(const char *path, enum sol_logger_style style, struct sol_error *err)
{
    int fd = -1;
    char *copy = NULL;
    if (path && *path && strcmp(path, "-") != 0) {
        fd = open_file(path, err);
        if (fd < 0)
            return fd;
        copy = sol_strdup(path);
        if (!copy) {
            close(fd);
            return sol_error_set(err, SOL_ENOMEM, "out of memory");
        }
    }
    pthread_mutex_lock(&lock);
    if (log_fd >= 0)
        close(log_fd);
    sol_free(log_path);
    log_fd = fd;
    log_path = copy;
    log_style = style;
    pthread_mutex_unlock(&lock);
    return 0;
}

/* log.h */
int
sol_logger_reopen(struct sol_error *err)
{
    pthread_mutex_lock(&lock);
    int rc = 0;
    if (log_path) {
        int fd = open_file(log_path, err);
        if (fd >= 0) {
            close(log_fd);
            log_fd = fd;
        } else {
            rc = fd;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/* log.h */
void
sol_logger_close(void)
{
    pthread_mutex_lock(&lock);
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    sol_free(log_path);
    log_path = NULL;
    log_style = SOL_LOGGER_TEXT;
    pthread_mutex_unlock(&lock);
}

/* log.h */
enum sol_logger_style
sol_logger_style(void)
{
    pthread_mutex_lock(&lock);
    enum sol_logger_style s = log_style;
    pthread_mutex_unlock(&lock);
    return s;
}

/* Write the line in b (a newline is added) to the log, whole. */
static void
emit(struct sol_buf *b)
{
    sol_buf_putc(b, '\n');
    if (b->oom)
        return;
    pthread_mutex_lock(&lock);
    int fd = log_fd >= 0 ? log_fd : STDERR_FILENO;
    size_t off = 0;
    while (off < b->n) {
        ssize_t k = write(fd, b->p + off, b->n - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break; /* nowhere to say it: the log is lost, the server goes on */
        off += (size_t)k;
    }
    pthread_mutex_unlock(&lock);
}

/* s as a JSON string (RFC 8259 §7), cut at FIELD_MAX bytes on a UTF-8 boundary. */
static void
put_json_string(struct sol_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n > FIELD_MAX) {
        n = FIELD_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    sol_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            sol_buf_putc(b, '\\');
            sol_buf_putc(b, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            sol_buf_printf(b, "\\u%04x", c);
        } else {
            sol_buf_putc(b, (char)c);
        }
    }
    sol_buf_putc(b, '"');
}

/* {"time":"...","level":"...","event":"..." — the head of every JSON line. */
static void
json_head(struct sol_buf *b, enum sol_logger_level level, const char *event)
{
    static const char *const names[] = {"info", "warning", "error"};
    char when[40];
    sol_time_format(sol_time_now(), 6, when);
    sol_buf_printf(b, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":", when,
                   names[(unsigned)level < 3 ? level : 0]);
    put_json_string(b, event);
}

/* log.h */
void
sol_logger_msg(enum sol_logger_level level, const char *where, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): a false positive, va_start is above */
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    struct sol_buf b;
    sol_buf_init(&b);
    if (sol_logger_style() == SOL_LOGGER_JSON) {
        json_head(&b, level, "message");
        sol_buf_puts(&b, ",\"where\":");
        put_json_string(&b, where);
        sol_buf_puts(&b, ",\"msg\":");
        put_json_string(&b, msg);
        sol_buf_putc(&b, '}');
    } else {
        sol_buf_printf(&b, "solidarity: %s: %s", where, msg);
    }
    emit(&b);
    sol_buf_free(&b);
}

/* log.h */
void
sol_logger_event(const char *event, const char *text, const struct sol_log_field *f, size_t n)
{
    struct sol_buf b;
    sol_buf_init(&b);
    if (sol_logger_style() == SOL_LOGGER_JSON) {
        json_head(&b, SOL_LOGGER_INFO, event);
        for (size_t i = 0; i < n; i++) {
            if (!f[i].is_num && !f[i].s)
                continue;
            sol_buf_putc(&b, ',');
            put_json_string(&b, f[i].key);
            sol_buf_putc(&b, ':');
            if (!f[i].is_num)
                put_json_string(&b, f[i].s);
            else if (f[i].num == (double)(long long)f[i].num)
                sol_buf_printf(&b, "%lld", (long long)f[i].num);
            else
                sol_buf_printf(&b, "%.3f", f[i].num);
        }
        sol_buf_putc(&b, '}');
    } else {
        sol_buf_puts(&b, text ? text : event);
    }
    emit(&b);
    sol_buf_free(&b);
}
