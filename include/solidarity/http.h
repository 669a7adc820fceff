/*
 * http.h — the node's HTTP server: libmicrohttpd (TLS through GnuTLS) in front of the
 * TAXII 2.1 server (taxii.h), the placeholder page at "/", "/healthz" and "/metrics".
 *
 * Ownership: sol_http_listen() copies what it needs from its options; the server owns
 * its socket, its threads and its store handles (one per worker thread at a time, opened
 * from store_url) until sol_http_stop(), which lets requests in progress finish.
 */
#ifndef SOLIDARITY_HTTP_H
#define SOLIDARITY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/taxii.h"

/* Defaults of the limits below (solidarity-serve(1) and solidarity.conf(5) explain them). */
#define SOL_HTTP_DEFAULT_LISTEN     "127.0.0.1:8400"
#define SOL_HTTP_THREADS            2
#define SOL_HTTP_MAX_CONNECTIONS    1024
#define SOL_HTTP_PER_IP_CONNECTIONS 64 /* per IPv4 address, per IPv6 /64 */
#define SOL_HTTP_RESERVED           64 /* of the connections: for authenticated clients */
#define SOL_HTTP_TIMEOUT            30 /* seconds a kept-alive connection waits for a request */
#define SOL_HTTP_HEADER_TIMEOUT     10 /* seconds for a request line and its headers */
#define SOL_HTTP_BODY_TIMEOUT       30 /* seconds before a body must keep SOL_HTTP_MIN_BODY_RATE */
#define SOL_HTTP_MIN_BODY_RATE      (16 << 10)  /* bytes per second, on average */
#define SOL_HTTP_STOP_TIMEOUT       30          /* seconds requests in progress get at a stop */
#define SOL_HTTP_MAX_URI            (64 << 10)  /* a request's target, path and query: 414 */
#define SOL_HTTP_MAX_HEADERS        (64 << 10)  /* the request's header fields: 431 */
#define SOL_HTTP_CONNECTION_MEMORY  (256 << 10) /* per connection: request line and headers */
#define SOL_HTTP_BODY_BUDGET        ((size_t)512 << 20) /* request bodies in memory at once */

struct sol_http_options {
    const char *store_url; /* required: what sol_store_open() takes */
    const char
        *listen; /* "ADDR:PORT", "[ADDR]:PORT"; NULL = SOL_HTTP_DEFAULT_LISTEN; port 0 = any */
    const char *tls_cert; /* PEM files; both or neither */
    const char *tls_key;
    bool allow_plain_http;         /* serve plain HTTP on a non-loopback address */
    bool quiet;                    /* no request log */
    unsigned threads;              /* 0 = SOL_HTTP_THREADS */
    unsigned max_connections;      /* 0 = SOL_HTTP_MAX_CONNECTIONS */
    unsigned per_ip_connections;   /* 0 = SOL_HTTP_PER_IP_CONNECTIONS */
    unsigned reserved_connections; /* 0 = SOL_HTTP_RESERVED */
    unsigned timeout;              /* seconds; 0 = SOL_HTTP_TIMEOUT */
    unsigned header_timeout;       /* seconds; 0 = SOL_HTTP_HEADER_TIMEOUT */
    unsigned body_timeout;         /* seconds; 0 = SOL_HTTP_BODY_TIMEOUT */
    unsigned min_body_rate;        /* bytes/s; 0 = SOL_HTTP_MIN_BODY_RATE */
    unsigned stop_timeout;         /* seconds; 0 = SOL_HTTP_STOP_TIMEOUT */
    size_t max_body; /* largest body read; 0 = the store's default max_content_length */
    struct sol_taxii_config taxii;
};

struct sol_http_server;

/*
 * Check the options, bind the listening socket and read the TLS certificate and key:
 * what may need privileges (a port under 1024, a key only root reads), before the
 * program drops them. Nothing is served yet. Refuses (SOL_EDENIED) a non-loopback address
 * without TLS unless allow_plain_http. Returns 0 or a negative code with err saying why.
 */
SOL_API int sol_http_listen(const struct sol_http_options *o, struct sol_http_server **out,
                            struct sol_error *err);

/*
 * Open a first store handle (creating the cursor key if needed) and start answering on
 * the socket sol_http_listen() bound: libmicrohttpd's threads and the connection
 * policy's. Returns 0 or a negative code with err saying why (the server is then still
 * to be stopped with sol_http_stop()).
 */
SOL_API int sol_http_run(struct sol_http_server *srv, struct sol_error *err);

/* sol_http_listen() then sol_http_run(); on failure nothing is left. */
SOL_API int sol_http_start(const struct sol_http_options *o, struct sol_http_server **out,
                           struct sol_error *err);

/*
 * Apply reloaded options to a running server: the connection limits and timeouts, the
 * stop timeout, quiet, and what discovery says (o->taxii). What needs a new socket or new
 * threads (listen, TLS, threads) is not changed. Returns 0 or a negative code with err.
 */
SOL_API int sol_http_reload(struct sol_http_server *srv, const struct sol_http_options *o,
                            struct sol_error *err);

/* The port the server listens on (useful with port 0). */
SOL_API unsigned sol_http_port(const struct sol_http_server *srv);

/* Whether the server speaks TLS. */
SOL_API bool sol_http_tls(const struct sol_http_server *srv);

/*
 * Stop: accept no more connections, close those waiting for a request, let the requests
 * in progress (a body still arriving included) finish and their answers go out (each with
 * "Connection: close") for up to the stop timeout, then close what is left, and free the
 * server. Returns how many requests were cut by the timeout (0: a clean stop). NULL: 0.
 */
SOL_API unsigned sol_http_stop(struct sol_http_server *srv);

/*
 * Parse "ADDR:PORT" ("127.0.0.1:8400", "[::1]:8400", "localhost:8400") into a socket
 * address (out must hold a struct sockaddr_storage) and tell whether it is a loopback
 * address. Returns 0 or SOL_ESYNTAX with err saying why.
 */
SOL_API int sol_http_parse_listen(const char *s, void *out, unsigned *out_len, bool *loopback,
                                  struct sol_error *err);

#endif
