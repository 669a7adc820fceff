/*
 * server.c — libmicrohttpd in front of the TAXII server.
 *
 * A request arrives in several calls of on_request(): the first with its headers (the
 * body's declared length is checked against the cap then), then one per piece of body,
 * then a last one with no data, where the request is answered. Each request borrows a
 * store handle from a small pool (SQLite handles belong to one thread at a time) for
 * the duration of its answer.
 *
 * Slow and hostile clients are the connection policy's (conn.h: deadlines per request,
 * limits per address, slots kept for authenticated clients); libmicrohttpd only applies
 * an idle timeout and a memory cap per connection. Over the limits of a request, the
 * answer is a TAXII error: a target over SOL_HTTP_MAX_URI 414, header fields over
 * SOL_HTTP_MAX_HEADERS 431, a body over its cap 413, bodies in memory over a budget 503.
 * What does not fit in the connection's memory at all (SOL_HTTP_CONNECTION_MEMORY, four
 * times those limits) gets libmicrohttpd's own 414 or 431 and the connection is closed.
 *
 * A stop (sol_http_stop()) lets the requests in progress finish: no more connections are
 * accepted, idle ones are closed, answers carry "Connection: close", and what is still
 * running when the stop timeout ends is cut.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/conn.h"
#include "solidarity/access.h"
#include "solidarity/alloc.h"
#include "solidarity/formats.h"
#include "solidarity/http.h"
#include "solidarity/log.h"
#include "solidarity/store.h"
#include "solidarity/taxii.h"

#define POOL_MAX 64

/* Counters for /metrics (Prometheus text format 0.0.4). */
struct metrics {
    _Atomic uint64_t by_status[600];
    _Atomic uint64_t bytes_out;
    _Atomic uint64_t micros_sum;
    _Atomic uint64_t requests;
    _Atomic int64_t in_flight;
    _Atomic uint64_t rejected_busy;
};

/*
 * The TAXII server in use, counted: a reload (sol_http_reload()) puts a new one in place
 * while requests still hold the old one, which goes when the last of them lets go.
 */
struct taxii_ref {
    struct sol_taxii_server *taxii;
    _Atomic unsigned refs;
};

struct sol_http_server {
    struct MHD_Daemon *daemon;
    pthread_mutex_t taxii_lock;
    struct taxii_ref *taxii;
    struct sol__conn_policy *policy;
    char *store_url;
    char *listen;
    int listen_fd;
    bool ipv6;
    _Atomic bool quiet;
    _Atomic bool draining;
    _Atomic unsigned stop_timeout;
    bool tls;
    unsigned threads, timeout;
    struct sol__conn_limits limits;
    struct sol_taxii_config taxii_cfg; /* as given to sol_http_listen(); strings borrowed */
    size_t max_body;
    _Atomic size_t body_bytes; /* bodies held in memory now, against SOL_HTTP_BODY_BUDGET */
    pthread_mutex_t pool_lock;
    struct sol_store *pool[POOL_MAX];
    size_t n_pool;
    unsigned port;
    sol_time_t started;
    char *tls_cert, *tls_key;
    char id_prefix[9]; /* request ids: this process's random prefix, then a count */
    _Atomic uint64_t request_seq;
    struct metrics m;
};

/* One request in progress. */
struct request_state {
    struct sol_buf body;
    size_t counted; /* bytes of body counted against the budget */
    int64_t content_length;
    size_t uri_n; /* the request target's length, path and query */
    bool truncated, over_budget, answered, started;
    struct timespec start;
    char id[32]; /* X-Request-Id */
    char remote[INET6_ADDRSTRLEN];
    struct sol__conn *conn;
};

static struct taxii_ref *
taxii_take(struct sol_http_server *srv)
{
    pthread_mutex_lock(&srv->taxii_lock);
    struct taxii_ref *r = srv->taxii;
    if (r)
        atomic_fetch_add(&r->refs, 1);
    pthread_mutex_unlock(&srv->taxii_lock);
    return r;
}

static void
taxii_give(struct taxii_ref *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
        sol_taxii_server_free(r->taxii);
        sol_free(r);
    }
}

/* Put taxii in use (ownership passes to the server); the one before goes when unused. */
static int
taxii_install(struct sol_http_server *srv, struct sol_taxii_server *taxii)
{
    struct taxii_ref *r = sol_calloc(1, sizeof *r);
    if (!r) {
        sol_taxii_server_free(taxii);
        return SOL_ENOMEM;
    }
    r->taxii = taxii;
    atomic_store(&r->refs, 1);
    pthread_mutex_lock(&srv->taxii_lock);
    struct taxii_ref *old = srv->taxii;
    srv->taxii = r;
    pthread_mutex_unlock(&srv->taxii_lock);
    taxii_give(old);
    return 0;
}

/* The connection policy's record of conn (NULL when it has none). */
static struct sol__conn *
conn_record(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static struct sol_store *
pool_take(struct sol_http_server *srv)
{
    struct sol_store *s = NULL;
    pthread_mutex_lock(&srv->pool_lock);
    if (srv->n_pool)
        s = srv->pool[--srv->n_pool];
    pthread_mutex_unlock(&srv->pool_lock);
    if (!s && sol_store_open(srv->store_url, &s, NULL) < 0)
        s = NULL;
    return s;
}

static void
pool_give(struct sol_http_server *srv, struct sol_store *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&srv->pool_lock);
    if (srv->n_pool < POOL_MAX) {
        srv->pool[srv->n_pool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&srv->pool_lock);
    sol_store_close(s);
}

static void
free_body(void *p)
{
    sol_free(p);
}

static double
elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 +
           (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/*
 * Send status with body (ownership of body passes to libmicrohttpd) and the headers
 * given as name/value pairs ending with NULL; log and count it. Every answer carries
 * the request's id (X-Request-Id, also in the log line), and "Connection: close" once
 * the server is stopping.
 */
static enum MHD_Result
respond(struct sol_http_server *srv, struct MHD_Connection *conn, const char *method,
        const char *url, struct request_state *st, int status, const char *content_type, char *body,
        size_t n, const char *principal, const char *const *headers)
{
    struct MHD_Response *r =
        body ? MHD_create_response_from_buffer_with_free_callback(n, body, free_body)
             : MHD_create_response_from_buffer(0, (void *)(uintptr_t) "", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        sol_free(body);
        return MHD_NO;
    }
    if (content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Request-Id", st->id);
    if (atomic_load(&srv->draining))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    for (size_t i = 0; headers && headers[i]; i += 2)
        if (headers[i + 1] && *headers[i + 1])
            MHD_add_response_header(r, headers[i], headers[i + 1]);
    bool authenticated = principal && *principal && strcmp(principal, "-") != 0;
    sol__conn_answered(srv->policy, st->conn, authenticated);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    st->answered = true;
    double ms = elapsed_ms(&st->start);
    if (status >= 100 && status < 600)
        atomic_fetch_add(&srv->m.by_status[status], 1);
    atomic_fetch_add(&srv->m.requests, 1);
    atomic_fetch_add(&srv->m.bytes_out, n);
    atomic_fetch_add(&srv->m.micros_sum, (uint64_t)(ms * 1000));
    if (!atomic_load(&srv->quiet)) {
        /* Text: method, path, status, bytes, milliseconds, who, the request's id. */
        char line[1200];
        snprintf(line, sizeof line, "%s %.1024s %d %zu %.1fms %s %s", method, url, status, n, ms,
                 authenticated ? principal : "-", st->id);
        const struct sol_log_field f[] = {
            SOL_LOG_STR("request_id", st->id),
            SOL_LOG_STR("remote", st->remote),
            SOL_LOG_STR("method", method),
            SOL_LOG_STR("path", url),
            SOL_LOG_NUM("status", status),
            SOL_LOG_NUM("bytes", n),
            SOL_LOG_NUM("ms", ms),
            SOL_LOG_STR("user", authenticated ? principal : NULL),
        };
        sol_logger_event("request", line, f, sizeof f / sizeof f[0]);
    }
    return ok;
}

/* A TAXII error (§3.6.1) from the HTTP layer itself, with Retry-After when not NULL. */
static enum MHD_Result
respond_error(struct sol_http_server *srv, struct MHD_Connection *conn, const char *method,
              const char *url, struct request_state *st, int status, const char *retry_after,
              const char *description)
{
    struct sol_taxii_response resp;
    sol_taxii_response_init(&resp);
    sol_taxii_error_response(&resp, status, description);
    size_t n = 0;
    char *body = sol_buf_steal(&resp.body, &n);
    const char *h[] = {MHD_HTTP_HEADER_RETRY_AFTER, retry_after, NULL};
    enum MHD_Result rc =
        body ? respond(srv, conn, method, url, st, status, SOL_TAXII_MEDIA_TYPE, body, n, NULL, h)
             : MHD_NO;
    sol_taxii_response_clear(&resp);
    return rc;
}

/* The placeholder page at "/": honest about what is (not yet) there. */
static const char home_page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>solidarity node</title></head><body>\n"
    "<h1>solidarity</h1>\n"
    "<p>This is a node of a network of partners who share cyber threat intelligence. "
    "It serves TAXII 2.1 to partners' tools (taxii2-client, OpenCTI, MISP).</p>\n"
    "<ul>\n<li><a href=\"/taxii2/\">/taxii2/</a>: TAXII 2.1 discovery</li>\n"
    "<li>/feeds/&lt;collection&gt;/zeek-intel, rpz, csv, list, misp, suricata/&lt;file&gt;: "
    "indicators for sensors (credentials as for TAXII)</li>\n"
    "<li><a href=\"/healthz\">/healthz</a>: health check</li>\n"
    "<li><a href=\"/metrics\">/metrics</a>: Prometheus metrics</li>\n</ul>\n"
    "<p>The analysts' web page is not part of this build yet.</p>\n"
    "</body></html>\n";

static char *
dup_bytes(const char *p, size_t n)
{
    char *d = sol_malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

static enum MHD_Result
serve_metrics(struct sol_http_server *srv, struct MHD_Connection *conn, const char *method,
              const char *url, struct request_state *st)
{
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_puts(&b, "# HELP solidarity_http_requests_total HTTP requests answered, by status.\n"
                     "# TYPE solidarity_http_requests_total counter\n");
    for (int code = 100; code < 600; code++) {
        uint64_t v = atomic_load(&srv->m.by_status[code]);
        if (v)
            sol_buf_printf(&b, "solidarity_http_requests_total{code=\"%d\"} %llu\n", code,
                           (unsigned long long)v);
    }
    sol_buf_printf(&b,
                   "# HELP solidarity_http_response_bytes_total Bytes of response bodies sent.\n"
                   "# TYPE solidarity_http_response_bytes_total counter\n"
                   "solidarity_http_response_bytes_total %llu\n"
                   "# HELP solidarity_http_request_duration_seconds Time to answer requests.\n"
                   "# TYPE solidarity_http_request_duration_seconds summary\n"
                   "solidarity_http_request_duration_seconds_sum %.6f\n"
                   "solidarity_http_request_duration_seconds_count %llu\n"
                   "# HELP solidarity_http_requests_in_flight Requests being answered now.\n"
                   "# TYPE solidarity_http_requests_in_flight gauge\n"
                   "solidarity_http_requests_in_flight %lld\n"
                   "# HELP solidarity_http_body_budget_rejections_total Requests refused "
                   "because request bodies in memory were over budget.\n"
                   "# TYPE solidarity_http_body_budget_rejections_total counter\n"
                   "solidarity_http_body_budget_rejections_total %llu\n"
                   "# HELP solidarity_uptime_seconds Seconds since the server started.\n"
                   "# TYPE solidarity_uptime_seconds gauge\n"
                   "solidarity_uptime_seconds %.3f\n",
                   (unsigned long long)atomic_load(&srv->m.bytes_out),
                   (double)atomic_load(&srv->m.micros_sum) / 1e6,
                   (unsigned long long)atomic_load(&srv->m.requests),
                   (long long)atomic_load(&srv->m.in_flight),
                   (unsigned long long)atomic_load(&srv->m.rejected_busy),
                   (double)(sol_time_now() - srv->started) / 1e6);
    struct sol_access_guard_stats gs;
    struct taxii_ref *t = taxii_take(srv);
    sol_access_guard_stats(sol_taxii_server_guard(t->taxii), &gs);
    taxii_give(t);
    sol_buf_printf(&b,
                   "# HELP solidarity_login_remembered_total Password logins answered from "
                   "memory, without hashing.\n"
                   "# TYPE solidarity_login_remembered_total counter\n"
                   "solidarity_login_remembered_total %llu\n"
                   "# HELP solidarity_login_password_checks_total Passwords checked (argon2id).\n"
                   "# TYPE solidarity_login_password_checks_total counter\n"
                   "solidarity_login_password_checks_total %llu\n"
                   "# HELP solidarity_login_failures_total Failed password logins.\n"
                   "# TYPE solidarity_login_failures_total counter\n"
                   "solidarity_login_failures_total %llu\n"
                   "# HELP solidarity_login_refused_total Password logins refused unchecked: "
                   "too many failures (429) or no free check (503).\n"
                   "# TYPE solidarity_login_refused_total counter\n"
                   "solidarity_login_refused_total{reason=\"failures\"} %llu\n"
                   "solidarity_login_refused_total{reason=\"busy\"} %llu\n",
                   (unsigned long long)gs.remembered, (unsigned long long)gs.checked,
                   (unsigned long long)gs.failed, (unsigned long long)gs.limited,
                   (unsigned long long)gs.busy);
    struct sol__conn_stats cs;
    sol__conn_policy_stats(srv->policy, &cs);
    sol_buf_printf(
        &b,
        "# HELP solidarity_http_connections Connections open now: all, those that made an "
        "authenticated request, those with a request under way.\n"
        "# TYPE solidarity_http_connections gauge\n"
        "solidarity_http_connections{state=\"open\"} %u\n"
        "solidarity_http_connections{state=\"authenticated\"} %u\n"
        "solidarity_http_connections{state=\"in_request\"} %u\n"
        "# HELP solidarity_http_client_addresses Client addresses (IPv6: /64) with connections.\n"
        "# TYPE solidarity_http_client_addresses gauge\n"
        "solidarity_http_client_addresses %u\n"
        "# HELP solidarity_http_connections_opened_total Connections accepted.\n"
        "# TYPE solidarity_http_connections_opened_total counter\n"
        "solidarity_http_connections_opened_total %llu\n"
        "# HELP solidarity_http_connections_refused_total Connections refused: their address "
        "had its share, or no slot could be freed.\n"
        "# TYPE solidarity_http_connections_refused_total counter\n"
        "solidarity_http_connections_refused_total{reason=\"per_address\"} %llu\n"
        "solidarity_http_connections_refused_total{reason=\"full\"} %llu\n"
        "# HELP solidarity_http_connections_evicted_total Idle unauthenticated connections "
        "closed to make room for a newcomer.\n"
        "# TYPE solidarity_http_connections_evicted_total counter\n"
        "solidarity_http_connections_evicted_total %llu\n"
        "# HELP solidarity_http_connections_timed_out_total Connections closed at a deadline: "
        "request line and headers, body, or waiting kept alive.\n"
        "# TYPE solidarity_http_connections_timed_out_total counter\n"
        "solidarity_http_connections_timed_out_total{phase=\"headers\"} %llu\n"
        "solidarity_http_connections_timed_out_total{phase=\"body\"} %llu\n"
        "solidarity_http_connections_timed_out_total{phase=\"idle\"} %llu\n",
        cs.open, cs.authenticated, cs.in_request, cs.addresses, (unsigned long long)cs.opened,
        (unsigned long long)cs.refused_per_address, (unsigned long long)cs.refused_full,
        (unsigned long long)cs.evicted, (unsigned long long)cs.header_timeouts,
        (unsigned long long)cs.body_timeouts, (unsigned long long)cs.idle_timeouts);
    if (b.oom) {
        sol_buf_free(&b);
        return MHD_NO;
    }
    size_t n;
    char *p = sol_buf_steal(&b, &n);
    return respond(srv, conn, method, url, st, 200, "text/plain; version=0.0.4; charset=utf-8", p,
                   n, NULL, NULL);
}

/*
 * /metrics answers the node's admins only (access.h "Policy": every door asks who is
 * asking): the counters of what was answered, and when, tell about others' requests. A
 * scraper uses an admin's token (Prometheus: authorization credentials).
 */
static enum MHD_Result
metrics_allowed(struct sol_http_server *srv, struct MHD_Connection *conn, const char *method,
                const char *url, struct request_state *st)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    struct sol_store *s = pool_take(srv);
    struct sol_principal who;
    unsigned wait = 0;
    struct taxii_ref *t = taxii_take(srv);
    int rc = s ? sol_access_authenticate_from(s, sol_taxii_server_guard(t->taxii), auth,
                                              st->remote, &who, &wait)
               : SOL_ESTORE;
    taxii_give(t);
    pool_give(srv, s);
    if (rc == 0 && who.is_admin)
        return serve_metrics(srv, conn, method, url, st);
    int status = rc == 0 ? 403 : rc == SOL_EAUTH ? 401 : rc == SOL_ELIMIT ? 429 : 503;
    const char *msg = status == 403   ? "the metrics are for the node's admins\n"
                      : status == 401 ? "the metrics need an admin's credentials\n"
                                      : "try again in a moment\n";
    const char *h401[] = {MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                          "Basic realm=\"solidarity\", Bearer realm=\"solidarity\"", NULL};
    return respond(srv, conn, method, url, st, status, "text/plain; charset=utf-8",
                   dup_bytes(msg, strlen(msg)), strlen(msg), rc == 0 ? who.name : NULL,
                   status == 401 ? h401 : NULL);
}

static enum MHD_Result
serve_own(struct sol_http_server *srv, struct MHD_Connection *conn, const char *method,
          const char *url, struct request_state *st)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!get) {
        static const char msg[] = "method not allowed\n";
        const char *h[] = {MHD_HTTP_HEADER_ALLOW, "GET, HEAD", NULL};
        return respond(srv, conn, method, url, st, 405, "text/plain; charset=utf-8",
                       dup_bytes(msg, sizeof(msg) - 1), sizeof(msg) - 1, NULL, h);
    }
    if (strcmp(url, "/") == 0)
        return respond(srv, conn, method, url, st, 200, "text/html; charset=utf-8",
                       dup_bytes(home_page, sizeof(home_page) - 1), sizeof(home_page) - 1, NULL,
                       NULL);
    if (strcmp(url, "/metrics") == 0)
        return metrics_allowed(srv, conn, method, url, st);
    /* /healthz: the store answers. */
    struct sol_store *s = pool_take(srv);
    bool ok = s && sol_store_schema_version(s) > 0;
    pool_give(srv, s);
    const char *text = ok ? "{\"status\":\"ok\"}\n" : "{\"status\":\"store unavailable\"}\n";
    return respond(srv, conn, method, url, st, ok ? 200 : 503, "application/json",
                   dup_bytes(text, strlen(text)), strlen(text), NULL, NULL);
}

static enum MHD_Result
add_argument(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct sol_buf *q = cls;
    if (q->n)
        sol_buf_putc(q, '&');
    sol_buf_puts(q, key);
    if (value) {
        sol_buf_putc(q, '=');
        sol_buf_puts(q, value);
    }
    return MHD_YES;
}

/* RFC 9110 §5.3: several Accept fields are one comma-separated list. */
static enum MHD_Result
add_accept(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct sol_buf *b = cls;
    if (value && strcasecmp(key, MHD_HTTP_HEADER_ACCEPT) == 0) {
        if (b->n)
            sol_buf_puts(b, ", ");
        sol_buf_puts(b, value);
    }
    return MHD_YES;
}

/* The client's address as text ("" when libmicrohttpd cannot tell), for the login guard. */
static void
client_address(struct MHD_Connection *conn, char *out, size_t n)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

static enum MHD_Result
answer_taxii(struct sol_http_server *srv, struct MHD_Connection *conn, const char *method,
             const char *url, struct request_state *st)
{
    struct sol_taxii_request req = {
        .method = method,
        .path = url,
        .content_type =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .authorization =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .body = st->body.p,
        .body_n = st->body.n,
        .content_length = st->content_length,
        .body_truncated = st->truncated,
        .remote_addr = st->remote,
    };
    /* The unescape callback keeps the path and the arguments raw: TAXII reads the query
     * string itself, so we put it back together in the order it came. */
    struct sol_buf q;
    sol_buf_init(&q);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_argument, &q);
    req.query = q.n ? q.p : NULL;
    struct sol_buf accept;
    sol_buf_init(&accept);
    if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT)) {
        MHD_get_connection_values(conn, MHD_HEADER_KIND, add_accept, &accept);
        req.accept = accept.p ? accept.p : "";
    }
    struct sol_taxii_response resp;
    sol_taxii_response_init(&resp);
    struct sol_store *s = pool_take(srv);
    if (!s) {
        sol_taxii_response_clear(&resp);
        sol_buf_free(&q);
        sol_buf_free(&accept);
        return respond_error(srv, conn, method, url, st, 503, "5", "the store cannot be opened");
    }
    struct taxii_ref *t = taxii_take(srv);
    (void)sol_taxii_handle(t->taxii, s, &req, &resp);
    taxii_give(t);
    pool_give(srv, s);
    size_t n = 0;
    char *body = NULL;
    if (!resp.no_body) {
        body = sol_buf_steal(&resp.body, &n);
        if (!body)
            body = dup_bytes("", 0);
    }
    const char *h[] = {"X-TAXII-Date-Added-First",
                       resp.date_added_first,
                       "X-TAXII-Date-Added-Last",
                       resp.date_added_last,
                       MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                       resp.www_authenticate,
                       MHD_HTTP_HEADER_ALLOW,
                       resp.allow,
                       MHD_HTTP_HEADER_RETRY_AFTER,
                       resp.retry_after,
                       NULL};
    enum MHD_Result rc = respond(srv, conn, method, url, st, resp.status, resp.content_type, body,
                                 n, resp.principal, h);
    sol_taxii_response_clear(&resp);
    sol_buf_free(&q);
    sol_buf_free(&accept);
    return rc;
}

/*
 * /feeds/<collection>/<format>[/<part>]: the exports for sensors (formats.h), behind the
 * same authentication and policy as TAXII, with ETag / If-None-Match.
 */
static enum MHD_Result
answer_feed(struct sol_http_server *srv, struct MHD_Connection *conn, const char *method,
            const char *url, struct request_state *st)
{
    struct sol_buf q;
    sol_buf_init(&q);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_argument, &q);
    struct sol_feed_request req = {
        .method = method,
        .path = url,
        .query = q.n ? q.p : NULL,
        .authorization =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .if_none_match =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH),
    };
    struct sol_feed_response resp;
    sol_feed_response_init(&resp);
    struct sol_store *s = pool_take(srv);
    if (s) {
        (void)sol_feed_handle(s, &req, &resp);
        pool_give(srv, s);
    } else {
        resp.status = 503;
        resp.content_type = "text/plain; charset=utf-8";
        sol_buf_puts(&resp.body, "the store cannot be opened\n");
    }
    sol_buf_free(&q);
    size_t n = 0;
    char *body = resp.status == 304 ? NULL : sol_buf_steal(&resp.body, &n);
    if (!body && resp.status != 304)
        body = dup_bytes("", 0);
    const char *h[] = {
        MHD_HTTP_HEADER_ETAG, resp.etag, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
        resp.challenge ? "Basic realm=\"solidarity\", Bearer realm=\"solidarity\", Token" : NULL,
        NULL};
    enum MHD_Result rc =
        respond(srv, conn, method, url, st, resp.status,
                resp.status == 304 ? NULL : resp.content_type, body, n, resp.principal, h);
    sol_feed_response_clear(&resp);
    return rc;
}

/* Keep the path and the query arguments as they came (TAXII decodes them itself). */
static size_t
keep_raw(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

static bool
is_own_path(const char *url)
{
    return strcmp(url, "/") == 0 || strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0;
}

/*
 * The request line has arrived (libmicrohttpd's URI log callback): the request's state
 * begins here, with its id and its target's length, and the connection policy learns
 * that a request is under way. The result becomes the request's *con_cls.
 */
static void *
on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct sol_http_server *srv = cls;
    struct request_state *st = sol_calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    sol_buf_init(&st->body);
    clock_gettime(CLOCK_MONOTONIC, &st->start);
    st->content_length = -1;
    st->uri_n = uri ? strlen(uri) : 0;
    snprintf(st->id, sizeof st->id, "%s-%llu", srv->id_prefix,
             (unsigned long long)atomic_fetch_add(&srv->request_seq, 1) + 1);
    client_address(conn, st->remote, sizeof st->remote);
    st->conn = conn_record(conn);
    sol__conn_request_line(srv->policy, st->conn);
    atomic_fetch_add(&srv->m.in_flight, 1);
    return st;
}

/*
 * The first call of a request, its headers whole: the limits on its target, its header
 * fields and its declared body, each answered with a TAXII error.
 */
static enum MHD_Result
on_headers(struct sol_http_server *srv, struct MHD_Connection *conn, const char *url,
           const char *method, struct request_state *st)
{
    st->started = true;
    sol__conn_headers_done(srv->policy, st->conn);
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(cl, &end, 10);
        st->content_length = errno || !end || *end || v > INT64_MAX ? INT64_MAX : (int64_t)v;
    }
    const union MHD_ConnectionInfo *hi =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    size_t header_n = hi ? hi->header_size : 0;
    header_n = header_n > st->uri_n ? header_n - st->uri_n : 0;
    if (st->uri_n > SOL_HTTP_MAX_URI || header_n > SOL_HTTP_MAX_HEADERS) {
        /* The body, if any, is not read: the answer goes now, and the connection closes. */
        sol__conn_working(srv->policy, st->conn);
        char why[160];
        bool uri = st->uri_n > SOL_HTTP_MAX_URI;
        snprintf(why, sizeof why, "the request's %s over %u bytes",
                 uri ? "target (path and query) is" : "header fields are together",
                 uri ? SOL_HTTP_MAX_URI : SOL_HTTP_MAX_HEADERS);
        return respond_error(srv, conn, method, url, st, uri ? 414 : 431, NULL, why);
    }
    /* A body declared over the cap is not read: answer now (TAXII says 413, or 401/404
     * first when the asker may not post here at all). */
    if (st->content_length > (int64_t)srv->max_body) {
        st->truncated = true;
        sol__conn_working(srv->policy, st->conn);
        if (is_own_path(url) || strncmp(url, "/feeds/", 7) == 0)
            return respond_error(srv, conn, method, url, st, 413, NULL,
                                 "the request's body is larger than this server reads");
        return answer_taxii(srv, conn, method, url, st);
    }
    return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct sol_http_server *srv = cls;
    struct request_state *st = *con_cls;
    if (!st)
        return MHD_NO; /* no memory for it when its request line came */
    if (!st->started)
        return on_headers(srv, conn, url, method, st);
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        sol__conn_body(srv->policy, st->conn, n);
        if (st->answered || st->truncated || st->over_budget)
            return MHD_YES;
        if (st->body.n + n > srv->max_body) {
            st->truncated = true; /* discard the rest; 413 at the end */
            sol_buf_free(&st->body);
            sol_buf_init(&st->body);
            atomic_fetch_sub(&srv->body_bytes, st->counted);
            st->counted = 0;
            return MHD_YES;
        }
        size_t now = atomic_fetch_add(&srv->body_bytes, n) + n;
        st->counted += n;
        if (now > SOL_HTTP_BODY_BUDGET) {
            st->over_budget = true;
            return MHD_YES;
        }
        sol_buf_append(&st->body, upload_data, n);
        return MHD_YES;
    }
    if (st->answered)
        return MHD_YES;
    sol__conn_working(srv->policy, st->conn);
    if (st->over_budget || st->body.oom) {
        atomic_fetch_add(&srv->m.rejected_busy, 1);
        return respond_error(srv, conn, method, url, st, 503, "5",
                             "too many large requests at once; try again in a moment");
    }
    if (is_own_path(url))
        return serve_own(srv, conn, method, url, st);
    if (strncmp(url, "/feeds/", 7) == 0)
        return answer_feed(srv, conn, method, url, st);
    return answer_taxii(srv, conn, method, url, st);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct sol_http_server *srv = cls;
    struct request_state *st = *con_cls;
    if (!st)
        return;
    sol__conn_completed(srv->policy, conn_record(conn));
    atomic_fetch_sub(&srv->body_bytes, st->counted);
    atomic_fetch_sub(&srv->m.in_flight, 1);
    sol_buf_free(&st->body);
    sol_free(st);
    *con_cls = NULL;
}

/* Whether the connection policy lets a client from addr in (its address's limit). */
static enum MHD_Result
on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    struct sol_http_server *srv = cls;
    return sol__conn_admit(srv->policy, addr) ? MHD_YES : MHD_NO;
}

/* A connection opens or closes: the connection policy keeps its record in the socket
 * context. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
    struct sol_http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ad =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        struct sol__conn *c =
            fd ? sol__conn_opened(srv->policy, fd->connect_fd, ad ? ad->client_addr : NULL) : NULL;
        if (!c && fd)
            shutdown(fd->connect_fd, SHUT_RDWR);
        *socket_context = c;
    } else {
        sol__conn_closed(srv->policy, *socket_context);
        *socket_context = NULL;
    }
}

/*
 * ADDR:PORT, [ADDR]:PORT or localhost:PORT into a socket address, with whether it is a
 * loopback address (127.0.0.0/8, ::1). Numeric addresses only, apart from localhost:
 * the server must not depend on name resolution to decide what it exposes.
 */
int
sol_http_parse_listen(const char *s, void *out, unsigned *out_len, bool *loopback,
                      struct sol_error *err)
{
    if (!s || !*s)
        return sol_error_set(err, SOL_ESYNTAX, "empty listen address");
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || !colon[1])
        return sol_error_set(err, SOL_ESYNTAX, "'%s' is not ADDR:PORT", s);
    char host[256];
    size_t hn = (size_t)(colon - s);
    if (s[0] == '[') {
        if (hn < 2 || s[hn - 1] != ']')
            return sol_error_set(err, SOL_ESYNTAX, "'%s': an IPv6 address goes in [brackets]", s);
        s++;
        hn -= 2;
    } else if (memchr(s, ':', hn)) {
        return sol_error_set(err, SOL_ESYNTAX, "'%s': an IPv6 address goes in [brackets]", s);
    }
    if (hn >= sizeof(host))
        return sol_error_set(err, SOL_ESYNTAX, "the address of '%s' is too long", s);
    memcpy(host, s, hn);
    host[hn] = '\0';
    char *end = NULL;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || port > 65535)
        return sol_error_set(err, SOL_ESYNTAX, "'%s' is not a port number", colon + 1);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | (strcmp(host, "localhost") == 0 ? 0 : AI_NUMERICHOST);
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return sol_error_set(err, SOL_ESYNTAX,
                             "'%s' is not an IP address (give a numeric address or localhost)",
                             host);
    struct sockaddr_storage *ss = out;
    memset(ss, 0, sizeof(*ss));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *out_len = (unsigned)res->ai_addrlen;
    freeaddrinfo(res);
    if (ss->ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_port = htons((uint16_t)port);
        *loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
        in6->sin6_port = htons((uint16_t)port);
        *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return 0;
}

static void log_mhd(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
    struct sol_http_server *srv = cls;
    if (atomic_load(&srv->quiet))
        return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    sol_logger_msg(SOL_LOGGER_WARNING, "serve", "%s", msg);
}

/* The connection policy's limits from the options, defaults filled in. */
static void
limits_of(const struct sol_http_options *o, struct sol__conn_limits *l)
{
    l->max_connections = o->max_connections ? o->max_connections : SOL_HTTP_MAX_CONNECTIONS;
    l->per_address = o->per_ip_connections ? o->per_ip_connections : SOL_HTTP_PER_IP_CONNECTIONS;
    l->reserve = o->reserved_connections ? o->reserved_connections : SOL_HTTP_RESERVED;
    if (l->reserve >= l->max_connections)
        l->reserve = l->max_connections / 2;
    l->header_timeout = o->header_timeout ? o->header_timeout : SOL_HTTP_HEADER_TIMEOUT;
    l->idle_timeout = o->timeout ? o->timeout : SOL_HTTP_TIMEOUT;
    l->body_timeout = o->body_timeout ? o->body_timeout : SOL_HTTP_BODY_TIMEOUT;
    l->min_body_rate = o->min_body_rate ? o->min_body_rate : SOL_HTTP_MIN_BODY_RATE;
}

/* A socket bound to addr and listening; -1 with err saying why. */
static int
bind_socket(const struct sockaddr_storage *addr, unsigned addr_len, const char *listen_at,
            struct sol_error *err)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return sol_error_set(err, SOL_ENET, "cannot make a socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (addr->ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)addr, addr_len) != 0) {
        int e = errno;
        close(fd);
        return sol_error_set(err, SOL_ENET, "cannot listen on %s: %s", listen_at,
                             e == EADDRINUSE ? "the port is in use" : strerror(e));
    }
    if (listen(fd, 1024) != 0) {
        int e = errno;
        close(fd);
        return sol_error_set(err, SOL_ENET, "cannot listen on %s: %s", listen_at, strerror(e));
    }
    return fd;
}

/* http.h: check the options, bind, read the TLS files. */
int
sol_http_listen(const struct sol_http_options *o, struct sol_http_server **out,
                struct sol_error *err)
{
    *out = NULL;
    if (!o->store_url)
        return sol_error_set(err, SOL_EINVAL, "no store given");
    if (!o->tls_cert != !o->tls_key)
        return sol_error_set(err, SOL_EINVAL, "--tls-cert and --tls-key go together");
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof(addr));
    unsigned addr_len = 0;
    bool loopback = false;
    const char *listen_at = o->listen ? o->listen : SOL_HTTP_DEFAULT_LISTEN;
    int rc = sol_http_parse_listen(listen_at, &addr, &addr_len, &loopback, err);
    if (rc < 0)
        return rc;
    bool tls = o->tls_cert != NULL;
    /* Plain HTTP only on loopback unless the operator insists: TAXII 2.1 §1.6.6 asks for
     * HTTPS, and credentials would cross the network in clear. */
    if (!tls && !loopback && !o->allow_plain_http)
        return sol_error_set(err, SOL_EDENIED,
                             "refusing to serve plain HTTP on the non-loopback address %s: "
                             "give --tls-cert and --tls-key, or --allow-plain-http",
                             listen_at);
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return sol_error_set(err, SOL_EUNSUPPORTED,
                             "this libmicrohttpd was built without TLS support");
    struct sol_http_server *srv = sol_calloc(1, sizeof(*srv));
    if (!srv)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    pthread_mutex_init(&srv->pool_lock, NULL);
    pthread_mutex_init(&srv->taxii_lock, NULL);
    srv->listen_fd = -1;
    atomic_store(&srv->quiet, o->quiet);
    atomic_store(&srv->stop_timeout, o->stop_timeout ? o->stop_timeout : SOL_HTTP_STOP_TIMEOUT);
    srv->tls = tls;
    srv->ipv6 = addr.ss_family == AF_INET6;
    srv->threads = o->threads ? o->threads : SOL_HTTP_THREADS;
    srv->timeout = o->timeout ? o->timeout : SOL_HTTP_TIMEOUT;
    srv->taxii_cfg = o->taxii;
    limits_of(o, &srv->limits);
    srv->max_body = o->max_body ? o->max_body : (size_t)SOL_DEFAULT_MAX_CONTENT_LENGTH;
    srv->store_url = sol_strdup(o->store_url);
    srv->listen = sol_strdup(listen_at);
    if (!srv->store_url || !srv->listen) {
        sol_http_stop(srv);
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    }
    if (tls) {
        struct sol_buf cert, key;
        sol_buf_init(&cert);
        sol_buf_init(&key);
        rc = sol_read_file(o->tls_cert, 1 << 20, &cert, err);
        if (rc == 0)
            rc = sol_read_file(o->tls_key, 1 << 20, &key, err);
        srv->tls_cert = sol_buf_steal(&cert, NULL);
        srv->tls_key = sol_buf_steal(&key, NULL);
        sol_buf_free(&cert);
        sol_buf_free(&key);
        if (rc < 0 || !srv->tls_cert || !srv->tls_key) {
            sol_http_stop(srv);
            return rc < 0 ? rc : sol_error_set(err, SOL_EIO, "empty TLS certificate or key");
        }
    }
    srv->listen_fd = bind_socket(&addr, addr_len, listen_at, err);
    if (srv->listen_fd < 0) {
        rc = srv->listen_fd;
        srv->listen_fd = -1;
        sol_http_stop(srv);
        return rc;
    }
    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof bound;
    if (getsockname(srv->listen_fd, (struct sockaddr *)&bound, &bound_len) == 0)
        srv->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                      : ((struct sockaddr_in *)&bound)->sin_port);
    *out = srv;
    return 0;
}

/* A TAXII server for the options in cfg, on a store handle from the pool. */
static int
make_taxii(struct sol_http_server *srv, const struct sol_taxii_config *cfg, struct sol_error *err)
{
    struct sol_store *s = NULL;
    int rc = sol_store_open(srv->store_url, &s, err);
    if (rc < 0)
        return rc;
    struct sol_taxii_config tcfg = *cfg;
    if (tcfg.max_content_length <= 0 || tcfg.max_content_length > (int64_t)srv->max_body)
        tcfg.max_content_length = (int64_t)srv->max_body;
    struct sol_taxii_server *taxii = NULL;
    rc = sol_taxii_server_new(s, &tcfg, &taxii, err);
    pool_give(srv, s);
    if (rc < 0)
        return rc;
    rc = taxii_install(srv, taxii);
    return rc < 0 ? sol_error_set(err, rc, "out of memory") : 0;
}

/* http.h: open the store, start answering. */
int
sol_http_run(struct sol_http_server *srv, struct sol_error *err)
{
    srv->started = sol_time_now();
    uint8_t r[4];
    randombytes_buf(r, sizeof r);
    snprintf(srv->id_prefix, sizeof srv->id_prefix, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
    int rc = make_taxii(srv, &srv->taxii_cfg, err);
    if (rc < 0)
        return rc;
    srv->policy = sol__conn_policy_new(&srv->limits, srv->tls);
    if (!srv->policy)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    if (sol__conn_policy_start(srv->policy) != 0)
        return sol_error_set(err, SOL_EINTERNAL, "cannot start a thread: %s", strerror(errno));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC; /* ITC: MHD_quiesce_daemon() at a stop */
    if (srv->ipv6)
        flags |= MHD_USE_IPv6;
    if (srv->tls)
        flags |= MHD_USE_TLS;
    /* libmicrohttpd's own limits stay above the policy's, which decides (conn.h). */
    unsigned mhd_limit = srv->limits.max_connections * 2 + 64;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_LISTEN_SOCKET, srv->listen_fd, NULL},
        {MHD_OPTION_THREAD_POOL_SIZE, srv->threads, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, mhd_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout, NULL},
        /* TAXII 2.1 filters are URL query parameters of a GET (§3.4), and a POST to
         * objects/ adds objects (§5.5): there is no query in a body, so a match[id] of
         * 1000 ids (about 48 KB) must fit in the request line. */
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, SOL_HTTP_CONNECTION_MEMORY, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_request_line, srv},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)keep_raw, NULL},
        {srv->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, srv->tls_cert},
        {srv->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, srv->tls_key},
        /* TAXII 2.1 §8.2.2: TLS 1.2 and 1.3, and none of RFC 7540's blacklisted TLS 1.2
         * suites: AEAD ciphers with ephemeral ECDH only. */
        {srv->tls ? MHD_OPTION_HTTPS_PRIORITIES : MHD_OPTION_END, 0,
         (void *)(uintptr_t) "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:"
                             "+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
                             "-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA"},
        {MHD_OPTION_END, 0, NULL},
    };
    /* the logger must come first, or libmicrohttpd logs the options before it its way */
    srv->daemon =
        MHD_start_daemon(flags, 0, on_accept, srv, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
                         log_mhd, srv, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!srv->daemon)
        return sol_error_set(err, SOL_ENET, "cannot serve on %s", srv->listen);
    srv->listen_fd = -1; /* libmicrohttpd's now */
    return 0;
}

/* http.h: listen, then run. */
int
sol_http_start(const struct sol_http_options *o, struct sol_http_server **out,
               struct sol_error *err)
{
    int rc = sol_http_listen(o, out, err);
    if (rc == 0 && (rc = sol_http_run(*out, err)) < 0) {
        sol_http_stop(*out);
        *out = NULL;
    }
    return rc;
}

/* http.h: what a reloaded configuration changes in a running server. */
int
sol_http_reload(struct sol_http_server *srv, const struct sol_http_options *o,
                struct sol_error *err)
{
    int rc = make_taxii(srv, &o->taxii, err);
    if (rc < 0)
        return rc;
    srv->taxii_cfg = o->taxii;
    limits_of(o, &srv->limits);
    if (srv->policy)
        sol__conn_policy_set_limits(srv->policy, &srv->limits);
    atomic_store(&srv->quiet, o->quiet);
    atomic_store(&srv->stop_timeout, o->stop_timeout ? o->stop_timeout : SOL_HTTP_STOP_TIMEOUT);
    return 0;
}

/* The bound port (the real one when the address asked for port 0). */
unsigned
sol_http_port(const struct sol_http_server *srv)
{
    return srv->port;
}

/* Whether the server was started with a certificate. */
bool
sol_http_tls(const struct sol_http_server *srv)
{
    return srv->tls;
}

/*
 * Let the requests in progress finish for up to the stop timeout (http.h); returns how
 * many were still under way when it ended.
 */
static unsigned
drain(struct sol_http_server *srv)
{
    atomic_store(&srv->draining, true);
    MHD_socket l = MHD_quiesce_daemon(srv->daemon);
    if (l != MHD_INVALID_SOCKET)
        close(l);
    sol__conn_drain(srv->policy);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    double limit_ms = (double)atomic_load(&srv->stop_timeout) * 1000.0;
    struct sol__conn_stats cs;
    for (;;) {
        sol__conn_policy_stats(srv->policy, &cs);
        if (cs.open == 0 || elapsed_ms(&start) >= limit_ms)
            break;
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (cs.open == 0)
        return 0;
    sol__conn_close_all(srv->policy);
    return cs.in_request;
}

/*
 * Stop (http.h): drain, stop libmicrohttpd, close the pooled store handles and wipe the
 * TLS key from memory. NULL does nothing.
 */
unsigned
sol_http_stop(struct sol_http_server *srv)
{
    if (!srv)
        return 0;
    unsigned cut = 0;
    if (srv->daemon) {
        cut = drain(srv);
        MHD_stop_daemon(srv->daemon);
    }
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    sol__conn_policy_free(srv->policy);
    for (size_t i = 0; i < srv->n_pool; i++)
        sol_store_close(srv->pool[i]);
    taxii_give(srv->taxii);
    pthread_mutex_destroy(&srv->pool_lock);
    pthread_mutex_destroy(&srv->taxii_lock);
    if (srv->tls_key) {
        memset(srv->tls_key, 0, strlen(srv->tls_key));
        sol_free(srv->tls_key);
    }
    sol_free(srv->tls_cert);
    sol_free(srv->store_url);
    sol_free(srv->listen);
    sol_free(srv);
    return cut;
}
