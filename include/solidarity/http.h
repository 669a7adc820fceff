/*
 * http.h — the node's HTTP server: libmicrohttpd (TLS through GnuTLS) in front of the
 * TAXII 2.1 server (taxii.h), the placeholder page at "/", "/healthz" and "/metrics".
 *
 * Ownership: sol_http_start() copies what it needs from its options; the server owns
 * its threads and its store handles (one per worker thread at a time, opened from
 * store_url) until sol_http_stop(), which waits for requests in progress to finish.
 */
#ifndef SOLIDARITY_HTTP_H
#define SOLIDARITY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/taxii.h"

/* Defaults of the limits below. */
#define SOL_HTTP_DEFAULT_LISTEN     "127.0.0.1:8400"
#define SOL_HTTP_THREADS            2
#define SOL_HTTP_MAX_CONNECTIONS    256
#define SOL_HTTP_PER_IP_CONNECTIONS 64
#define SOL_HTTP_TIMEOUT            30         /* seconds a connection may stay idle */
#define SOL_HTTP_HEADER_MEMORY      (32 << 10) /* per connection: request line and headers */
#define SOL_HTTP_BODY_BUDGET        ((size_t)512 << 20) /* request bodies in memory at once */

struct sol_http_options {
    const char *store_url; /* required: what sol_store_open() takes */
    const char
        *listen; /* "ADDR:PORT", "[ADDR]:PORT"; NULL = SOL_HTTP_DEFAULT_LISTEN; port 0 = any */
    const char *tls_cert; /* PEM files; both or neither */
    const char *tls_key;
    bool allow_plain_http;       /* serve plain HTTP on a non-loopback address */
    bool quiet;                  /* no request log on stderr */
    unsigned threads;            /* 0 = SOL_HTTP_THREADS */
    unsigned max_connections;    /* 0 = SOL_HTTP_MAX_CONNECTIONS */
    unsigned per_ip_connections; /* 0 = SOL_HTTP_PER_IP_CONNECTIONS */
    unsigned timeout;            /* seconds; 0 = SOL_HTTP_TIMEOUT */
    size_t max_body;             /* largest body read; 0 = the store's default max_content_length */
    struct sol_taxii_config taxii;
};

struct sol_http_server;

/*
 * Check the options, open a first store handle (creating the cursor key if needed) and
 * start listening. Refuses (SOL_EDENIED) a non-loopback address without TLS unless
 * allow_plain_http. Returns 0 or a negative code with err saying why.
 */
SOL_API int sol_http_start(const struct sol_http_options *o, struct sol_http_server **out,
                           struct sol_error *err);

/* The port the server listens on (useful with port 0). */
SOL_API unsigned sol_http_port(const struct sol_http_server *srv);

/* Whether the server speaks TLS. */
SOL_API bool sol_http_tls(const struct sol_http_server *srv);

/* Stop listening, finish the requests in progress, close the store handles. NULL: nothing. */
SOL_API void sol_http_stop(struct sol_http_server *srv);

/*
 * Parse "ADDR:PORT" ("127.0.0.1:8400", "[::1]:8400", "localhost:8400") into a socket
 * address (out must hold a struct sockaddr_storage) and tell whether it is a loopback
 * address. Returns 0 or SOL_ESYNTAX with err saying why.
 */
SOL_API int sol_http_parse_listen(const char *s, void *out, unsigned *out_len, bool *loopback,
                                  struct sol_error *err);

#endif
