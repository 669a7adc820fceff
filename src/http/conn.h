/*
 * conn.h — the HTTP server's connection policy: who gets a connection slot, and how long
 * a request may take to arrive. server.c reports what libmicrohttpd does with each
 * connection; this module decides and closes (shutdown(2) on the socket, which
 * libmicrohttpd then notices and cleans up).
 *
 * The rules, against slow and hostile clients (the "slowloris" that opens many
 * connections and sends a byte every few seconds):
 *   - deadlines per request, not only an idle timeout: a new connection has header_timeout
 *     seconds to send its request line and headers; a kept-alive one idle_timeout seconds
 *     to start its next request, then header_timeout to finish its headers; a body must
 *     have arrived at min_body_rate bytes/s on average once body_timeout seconds have
 *     passed. A connection past its deadline gets 408 (plain HTTP) and is closed.
 *   - per address (an IPv4 address, an IPv6 /64): at most per_address connections.
 *   - max_connections in all, of which `reserve` only for connections that have made an
 *     authenticated request. When a newcomer finds no free slot, the oldest connection
 *     that has not authenticated and is not in the middle of a request's body or answer,
 *     from the address holding the most connections, makes room for it; when there is
 *     none, the newcomer gets 503 and is closed.
 *
 * Ownership and threads: the policy is created and freed by server.c; it owns a thread
 * that enforces the deadlines (every 100 ms). Every function may be called from any
 * libmicrohttpd thread; a struct sol__conn is owned by the policy from sol__conn_opened()
 * until sol__conn_closed(), which libmicrohttpd calls before it closes the socket, so
 * that the policy never shuts down a descriptor that has been reused.
 */
#ifndef SOL_HTTP_CONN_H
#define SOL_HTTP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sol__conn_limits {
    unsigned max_connections;
    unsigned per_address;
    unsigned reserve;        /* of max_connections, for authenticated connections */
    unsigned header_timeout; /* seconds */
    unsigned idle_timeout;   /* seconds */
    unsigned body_timeout;   /* seconds */
    unsigned min_body_rate;  /* bytes per second */
};

/* What the policy did, for /metrics. */
struct sol__conn_stats {
    uint64_t opened;
    uint64_t refused_per_address;
    uint64_t refused_full;
    uint64_t evicted;
    uint64_t header_timeouts;
    uint64_t idle_timeouts;
    uint64_t body_timeouts;
    unsigned open;          /* connections now */
    unsigned authenticated; /* of them, having made an authenticated request */
    unsigned in_request;    /* of them, with a request under way */
    unsigned addresses;     /* distinct addresses (IPv6: /64 prefixes) now */
};

struct sol__conn_policy;
struct sol__conn;

/* A policy with limits l; tls: never write a plain 408/503 on the socket. NULL: no memory. */
struct sol__conn_policy *sol__conn_policy_new(const struct sol__conn_limits *l, bool tls);
/* Start the deadline thread. Returns 0 or -1 (errno set). */
int sol__conn_policy_start(struct sol__conn_policy *p);
/* Stop the thread and free; connections still registered are forgotten. NULL: nothing. */
void sol__conn_policy_free(struct sol__conn_policy *p);
/* New limits from now on (a reloaded configuration); existing connections keep theirs. */
void sol__conn_policy_set_limits(struct sol__conn_policy *p, const struct sol__conn_limits *l);
void sol__conn_policy_stats(struct sol__conn_policy *p, struct sol__conn_stats *out);

/* Whether a connection from addr may be accepted at all (its address's limit). */
bool sol__conn_admit(struct sol__conn_policy *p, const struct sockaddr *addr);
/*
 * A connection was accepted on fd from addr: register it, making room or refusing it as
 * the rules say. Returns its record (NULL: no memory; the connection is then closed).
 */
struct sol__conn *sol__conn_opened(struct sol__conn_policy *p, int fd, const struct sockaddr *addr);
/* The connection is about to be closed. NULL does nothing. */
void sol__conn_closed(struct sol__conn_policy *p, struct sol__conn *c);

/* A request line has arrived. */
void sol__conn_request_line(struct sol__conn_policy *p, struct sol__conn *c);
/* Its headers are complete; a body may follow. */
void sol__conn_headers_done(struct sol__conn_policy *p, struct sol__conn *c);
/* n bytes of its body arrived. */
void sol__conn_body(struct sol__conn_policy *p, struct sol__conn *c, size_t n);
/* The request is whole and being answered: no deadline until it is answered. */
void sol__conn_working(struct sol__conn_policy *p, struct sol__conn *c);
/* The answer is queued; authenticated: the request proved who made it. */
void sol__conn_answered(struct sol__conn_policy *p, struct sol__conn *c, bool authenticated);
/* The answer went out; the connection waits for its next request (kept alive). */
void sol__conn_completed(struct sol__conn_policy *p, struct sol__conn *c);

/*
 * Stopping: close every connection without a request under way, and from now on each one
 * as soon as its request is answered. Returns how many have a request under way.
 */
unsigned sol__conn_drain(struct sol__conn_policy *p);
/* Close every connection still open (the stop's time is up). */
void sol__conn_close_all(struct sol__conn_policy *p);

#endif
