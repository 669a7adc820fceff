/*
 * client.c — the TAXII 2.1 client of federation, on libcurl (sync_internal.h).
 *
 * One easy handle per peer sync, reused for every request (keep-alive). Requests carry
 * Accept: application/taxii+json;version=2.1 (TAXII 2.1 §1.6.8) and the peer's
 * credentials (Basic, §1.6.9 HTTP Basic, or Bearer). Network errors, 5xx and 429 are
 * retried with exponential backoff up to a bound; 429 and 503 honour Retry-After
 * (seconds) within the longest backoff.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "solidarity/alloc.h"
#include "solidarity/taxii.h"
#include "sync/sync_internal.h"

/* The largest reply body read (a page of 1000 large objects fits easily). */
#define MAX_REPLY ((size_t)256 << 20)

struct sol__taxii_client {
    CURL *h;
    struct curl_slist *headers, *post_headers;
    char *base, *api_root;
    unsigned max_attempts, backoff_ms, max_backoff_ms;
    long timeout_s;
    bool (*should_stop)(void *);
    void *stop_ud;
    char errbuf[CURL_ERROR_SIZE];
};

static void (*sleep_hook)(unsigned ms);

/* sync_internal.h: tests replace the sleep. */
void
sol_sync_set_sleep_hook(void (*fn)(unsigned ms))
{
    sleep_hook = fn;
}

void
sol__sleep_ms(unsigned ms)
{
    if (sleep_hook) {
        sleep_hook(ms);
        return;
    }
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* curl's progress callback: a non-zero answer aborts the transfer. */
static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const struct sol__taxii_client *cl = ud;
    return cl->should_stop && cl->should_stop(cl->stop_ud) ? 1 : 0;
}

/* sync_internal.h: whether the caller asked the sync to stop. */
bool
sol__client_stopping(const struct sol__taxii_client *cl)
{
    return cl && cl->should_stop && cl->should_stop(cl->stop_ud);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void
curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *
dup_str(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = sol_malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

/* sync_internal.h: a client for one peer. */
int
sol__client_new(const struct sol_peer_config *c, const struct sol_sync_options *o,
                struct sol__taxii_client **out, struct sol_error *err)
{
    *out = NULL;
    pthread_once(&curl_once, curl_start);
    struct sol__taxii_client *cl = sol_calloc(1, sizeof *cl);
    if (!cl)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    cl->max_attempts = o && o->max_attempts ? o->max_attempts : 6;
    cl->backoff_ms = o && o->backoff_ms ? o->backoff_ms : 500;
    cl->max_backoff_ms = o && o->max_backoff_ms ? o->max_backoff_ms : 30000;
    cl->timeout_s = o && o->timeout_s ? o->timeout_s : 60;
    cl->should_stop = o ? o->should_stop : NULL;
    cl->stop_ud = o ? o->stop_ud : NULL;
    cl->base = dup_str(c->url);
    cl->api_root = dup_str(c->api_root);
    cl->h = curl_easy_init();
    if (!cl->base || !cl->api_root || !cl->h) {
        sol__client_free(cl);
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    }
    struct sol_buf auth;
    sol_buf_init(&auth);
    if (c->token) {
        sol_buf_printf(&auth, "Authorization: Bearer %s", c->token);
    } else if (c->user) {
        struct sol_buf up;
        sol_buf_init(&up);
        sol_buf_printf(&up, "%s:%s", c->user, c->password ? c->password : "");
        sol_buf_puts(&auth, "Authorization: Basic ");
        sol_base64_encode(&auth, up.p, up.n);
        sol_buf_free(&up);
    }
    cl->headers = curl_slist_append(NULL, "Accept: " SOL_TAXII_MEDIA_TYPE);
    if (cl->headers && auth.n)
        cl->headers = curl_slist_append(cl->headers, auth.p);
    cl->post_headers = curl_slist_append(NULL, "Accept: " SOL_TAXII_MEDIA_TYPE);
    if (cl->post_headers)
        cl->post_headers =
            curl_slist_append(cl->post_headers, "Content-Type: " SOL_TAXII_MEDIA_TYPE);
    if (cl->post_headers && auth.n)
        cl->post_headers = curl_slist_append(cl->post_headers, auth.p);
    /* Expect: 100-continue costs a round trip on every POST for nothing here. */
    if (cl->post_headers)
        cl->post_headers = curl_slist_append(cl->post_headers, "Expect:");
    bool oom = auth.oom;
    sol_buf_free(&auth);
    if (oom || !cl->headers || !cl->post_headers) {
        sol__client_free(cl);
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    }
    curl_easy_setopt(cl->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cl->h, CURLOPT_ERRORBUFFER, cl->errbuf);
    curl_easy_setopt(cl->h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(cl->h, CURLOPT_TIMEOUT, cl->timeout_s);
    curl_easy_setopt(cl->h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(cl->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(cl->h, CURLOPT_USERAGENT, "solidarity/" SOLIDARITY_VERSION);
    curl_easy_setopt(cl->h, CURLOPT_ACCEPT_ENCODING, "");
    if (cl->should_stop) {
        curl_easy_setopt(cl->h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(cl->h, CURLOPT_XFERINFODATA, cl);
        curl_easy_setopt(cl->h, CURLOPT_NOPROGRESS, 0L);
    }
    *out = cl;
    return 0;
}

/* sync_internal.h: free a client. */
void
sol__client_free(struct sol__taxii_client *cl)
{
    if (!cl)
        return;
    if (cl->h)
        curl_easy_cleanup(cl->h);
    curl_slist_free_all(cl->headers);
    curl_slist_free_all(cl->post_headers);
    sol_free(cl->base);
    sol_free(cl->api_root);
    sol_free(cl);
}

void
sol__reply_init(struct sol__taxii_reply *r)
{
    memset(r, 0, sizeof *r);
    sol_buf_init(&r->body);
    r->retry_after_s = -1;
}

void
sol__reply_free(struct sol__taxii_reply *r)
{
    sol_buf_free(&r->body);
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sol__taxii_reply *r = ud;
    size_t n = size * nmemb;
    if (r->body.n + n > MAX_REPLY)
        return 0; /* curl reports a write error: the reply is too large */
    sol_buf_append(&r->body, p, n);
    return r->body.oom ? 0 : n;
}

/* Copy a header's value (after "Name:"), trimmed, into out. */
static bool
header_value(const char *line, size_t n, const char *name, char *out, size_t out_n)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return false;
    const char *v = line + k + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t len = (size_t)(end - v);
    if (len >= out_n)
        len = out_n - 1;
    memcpy(out, v, len);
    out[len] = 0;
    return true;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sol__taxii_reply *r = ud;
    size_t n = size * nmemb;
    char tmp[64];
    header_value(p, n, "X-TAXII-Date-Added-Last", r->date_added_last, sizeof r->date_added_last);
    header_value(p, n, "Content-Type", r->content_type, sizeof r->content_type);
    if (header_value(p, n, "Retry-After", tmp, sizeof tmp)) {
        /* RFC 9110 §10.2.3: delay-seconds (an HTTP-date is taken as "soon"). */
        char *end = NULL;
        long s = strtol(tmp, &end, 10);
        r->retry_after_s = (end && end != tmp && *end == 0 && s >= 0) ? s : 1;
    }
    return n;
}

static bool
retryable_status(long st)
{
    return st == 429 || st == 408 || (st >= 500 && st <= 599 && st != 501);
}

/* sync_internal.h: one request with retries. */
int
sol__client_request(struct sol__taxii_client *cl, const char *url, const char *body, size_t n,
                    struct sol__taxii_reply *r, size_t *retries, struct sol_error *err)
{
    unsigned wait = cl->backoff_ms;
    for (unsigned attempt = 1;; attempt++) {
        sol_buf_reset(&r->body);
        r->status = 0;
        r->date_added_last[0] = 0;
        r->content_type[0] = 0;
        r->retry_after_s = -1;
        cl->errbuf[0] = 0;
        curl_easy_setopt(cl->h, CURLOPT_URL, url);
        curl_easy_setopt(cl->h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(cl->h, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(cl->h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(cl->h, CURLOPT_HEADERDATA, r);
        if (body) {
            curl_easy_setopt(cl->h, CURLOPT_HTTPHEADER, cl->post_headers);
            curl_easy_setopt(cl->h, CURLOPT_POST, 1L);
            curl_easy_setopt(cl->h, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(cl->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
        } else {
            curl_easy_setopt(cl->h, CURLOPT_HTTPHEADER, cl->headers);
            curl_easy_setopt(cl->h, CURLOPT_HTTPGET, 1L);
        }
        CURLcode cc = curl_easy_perform(cl->h);
        if (cc == CURLE_ABORTED_BY_CALLBACK || sol__client_stopping(cl))
            return sol_error_set(err, SOL_EBUSY, "stopped");
        if (r->body.oom)
            return sol_error_set(err, SOL_ENOMEM, "out of memory");
        bool retry = false;
        int code = 0;
        char why[CURL_ERROR_SIZE + 64];
        if (cc == CURLE_WRITE_ERROR) {
            return sol_error_set(err, SOL_ELIMIT, "%s: the reply is larger than %zu MiB", url,
                                 MAX_REPLY >> 20);
        } else if (cc != CURLE_OK) {
            retry = true;
            code = cc == CURLE_OPERATION_TIMEDOUT ? SOL_ETIMEOUT : SOL_ENET;
            snprintf(why, sizeof why, "%s", cl->errbuf[0] ? cl->errbuf : curl_easy_strerror(cc));
        } else {
            curl_easy_getinfo(cl->h, CURLINFO_RESPONSE_CODE, &r->status);
            if (!retryable_status(r->status))
                return 0;
            retry = true;
            code = SOL_ENET;
            snprintf(why, sizeof why, "HTTP %ld", r->status);
        }
        if (!retry || attempt >= cl->max_attempts) {
            if (r->status && !retry)
                return 0;
            if (r->status)
                return 0; /* the last answer stands: the caller reports the status */
            return sol_error_set(err, code, "%s: %s (after %u attempts)", url, why, attempt);
        }
        unsigned ms = wait;
        if (r->retry_after_s >= 0) {
            unsigned long ra = (unsigned long)r->retry_after_s * 1000UL;
            ms = ra > cl->max_backoff_ms ? cl->max_backoff_ms : (unsigned)ra;
        }
        if (ms > cl->max_backoff_ms)
            ms = cl->max_backoff_ms;
        if (retries)
            (*retries)++;
        /* wait in slices, so a stop request is heard within a tenth of a second */
        for (unsigned left = ms; left > 0;) {
            unsigned slice = left > 100 && cl->should_stop ? 100 : left;
            sol__sleep_ms(slice);
            left -= slice;
            if (sol__client_stopping(cl))
                return sol_error_set(err, SOL_EBUSY, "stopped");
        }
        wait = wait > cl->max_backoff_ms / 2 ? cl->max_backoff_ms : wait * 2;
    }
}

/* sync_internal.h: the title and description of a TAXII error (§3.6.1). */
void
sol__reply_error_text(const struct sol__taxii_reply *r, char *out, size_t n)
{
    out[0] = 0;
    if (!r->body.n)
        return;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    if (doc && sol_json_parse(doc, r->body.p, r->body.n, &root, NULL) == 0) {
        struct sol_str t = sol_json_str(sol_json_get(root, "title"));
        struct sol_str d = sol_json_str(sol_json_get(root, "description"));
        if (t.p && d.p)
            snprintf(out, n, "%.*s: %.*s", (int)t.n, t.p, (int)d.n, d.p);
        else if (t.p)
            snprintf(out, n, "%.*s", (int)t.n, t.p);
    }
    sol_json_doc_free(doc);
}

/* RFC 3986 §2.3: unreserved characters stay, everything else is %XX. */
static void
percent_encode(struct sol_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            sol_buf_putc(out, (char)c);
        } else {
            sol_buf_putc(out, '%');
            sol_buf_putc(out, hex[c >> 4]);
            sol_buf_putc(out, hex[c & 15]);
        }
    }
}

/* sync.h: the URL of a TAXII endpoint. */
void
sol_sync_url(struct sol_buf *out, const char *base, const char *api_root, const char *const *parts,
             size_t n_parts, const char *const *query, size_t n_query)
{
    size_t bn = strlen(base);
    while (bn && base[bn - 1] == '/')
        bn--;
    sol_buf_append(out, base, bn);
    sol_buf_putc(out, '/');
    if (api_root && *api_root) {
        percent_encode(out, api_root);
        sol_buf_putc(out, '/');
    }
    for (size_t i = 0; i < n_parts; i++) {
        percent_encode(out, parts[i]);
        sol_buf_putc(out, '/');
    }
    char sep = '?';
    for (size_t i = 0; i < n_query; i++) {
        const char *k = query[2 * i], *v = query[2 * i + 1];
        if (!k || !v)
            continue;
        sol_buf_putc(out, sep);
        sep = '&';
        /* keys are ours ("match[id]"): brackets stay readable, as TAXII 2.1 §3.4 writes them */
        sol_buf_puts(out, k);
        sol_buf_putc(out, '=');
        percent_encode(out, v);
    }
}
