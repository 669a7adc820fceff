/*
 * taxii.h — the TAXII 2.1 server's protocol logic, without sockets: a request struct
 * goes in, a response struct comes out. src/http/ turns HTTP connections into these
 * calls; tests and the fuzzer call sol_taxii_handle() directly.
 *
 * Ownership: a struct sol_taxii_server is created and freed by its caller and only read
 * while handling requests, so one server may serve many threads at once, each with its
 * own store handle. A request's strings are borrowed for the duration of the call. A
 * response owns its body and header values until sol_taxii_response_clear(), after which
 * it can be reused.
 *
 * Sections cited ("§5.4") are those of TAXII Version 2.1, OASIS Standard, 10 June 2021.
 */
#ifndef SOLIDARITY_TAXII_H
#define SOLIDARITY_TAXII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/access.h"
#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/util.h"

struct sol_store;

/* TAXII 2.1 §1.6.8: the one media type of every response, errors included. */
#define SOL_TAXII_MEDIA_TYPE "application/taxii+json;version=2.1"

/* Defaults of the limits below. */
#define SOL_TAXII_DEFAULT_PAGE 100        /* objects per page when the client sends no limit */
#define SOL_TAXII_MAX_PAGE     1000       /* the most objects per page, whatever the client asks */
#define SOL_TAXII_MAX_CONTENT  (10 << 20) /* max_content_length of a POST body, in bytes */
#define SOL_TAXII_MAX_OBJECTS  10000      /* objects per POST */

/* What a node's TAXII server says about itself and which limits it applies. */
struct sol_taxii_config {
    /* What discovery says (§4.1). NULL: the node's setting (store.h: taxii.title,
       taxii.description, taxii.contact, taxii.public_url), read at each discovery, else
       "solidarity TAXII 2.1 server" for the title and nothing for the others. */
    const char *title;
    const char *description;
    const char *contact;
    const char *public_url;     /* the URL clients reach the node at, behind a reverse proxy:
                                   discovery lists absolute URLs under it (sol_taxii_public_url()) */
    size_t default_page;        /* 0 = SOL_TAXII_DEFAULT_PAGE */
    size_t max_page;            /* 0 = SOL_TAXII_MAX_PAGE */
    int64_t max_content_length; /* used when an API root does not set one; 0 = default */
    size_t max_objects;         /* 0 = SOL_TAXII_MAX_OBJECTS */
    bool private_discovery;     /* true: GET /taxii2/ needs credentials like everything else */
    struct sol_access_guard_options guard; /* the login guard (access.h); zeros: defaults */
};

struct sol_taxii_server;

/*
 * Create a server for the store s: copies cfg (NULL = defaults) and loads the node's
 * cursor key from the store settings ("taxii.cursor_key"), creating it on first use, so
 * that `next` cursors survive restarts and are shared by every process on one store.
 * s is only used during the call. Returns 0 or a negative SOL_E* code.
 */
SOL_API int sol_taxii_server_new(struct sol_store *s, const struct sol_taxii_config *cfg,
                                 struct sol_taxii_server **out, struct sol_error *err);
SOL_API void sol_taxii_server_free(struct sol_taxii_server *srv);

/*
 * Check a public URL and append it to out as discovery uses it: http:// or https://, a
 * host, an optional path, no blank, query or fragment; exactly one '/' at the end
 * ("https://cti.example.org/taxii" gives "https://cti.example.org/taxii/", and the API
 * root intel is then "https://cti.example.org/taxii/intel/"). Returns 0, SOL_ESYNTAX
 * with err saying why, or SOL_ENOMEM.
 */
SOL_API int sol_taxii_public_url(const char *url, struct sol_buf *out, struct sol_error *err);

/*
 * The server's login guard (access.h), for the other doors of the same process that take
 * passwords, so that one guard counts every attempt.
 */
SOL_API struct sol_access_guard *sol_taxii_server_guard(const struct sol_taxii_server *srv);

/* The max_content_length applied to an API root that does not set its own. */
SOL_API int64_t sol_taxii_max_content_length(const struct sol_taxii_server *srv);

/*
 * One HTTP request as the HTTP layer received it. path is the raw (percent-encoded)
 * path without the query; query is what followed '?', or NULL. Header values are NULL
 * when the header is absent. content_length is the declared length or -1; when
 * body_truncated is set, the HTTP layer stopped reading the body because it exceeded
 * its own cap (the request then gets 413).
 */
struct sol_taxii_request {
    const char *method;
    const char *path;
    const char *query;
    const char *accept;
    const char *content_type;
    const char *authorization;
    const char *body;
    size_t body_n;
    int64_t content_length;
    bool body_truncated;
    const char *remote_addr; /* the client's address as text, or NULL (failed logins are
                                limited per address and per name, access.h) */
};

/* The answer. Header values that are empty strings are not sent. */
struct sol_taxii_response {
    int status;
    const char *content_type; /* static; SOL_TAXII_MEDIA_TYPE on every TAXII response */
    struct sol_buf body;
    bool no_body;                 /* a 200 to DELETE: no body at all */
    char date_added_first[32];    /* X-TAXII-Date-Added-First (§3.2) */
    char date_added_last[32];     /* X-TAXII-Date-Added-Last */
    const char *www_authenticate; /* static; set on 401 */
    const char *allow;            /* static; set on 405 */
    char retry_after[12];         /* Retry-After seconds, on 429 and 503 */
    char principal[128];          /* who made the request, for the log ("-" if nobody) */
};

SOL_API void sol_taxii_response_init(struct sol_taxii_response *r);
SOL_API void sol_taxii_response_clear(struct sol_taxii_response *r);

/*
 * Make resp a TAXII error resource (§3.6.1) with status and description, in the TAXII
 * media type: for what the HTTP layer refuses before TAXII sees the request (a target
 * too long, a stop in progress). Returns 0.
 */
SOL_API int sol_taxii_error_response(struct sol_taxii_response *resp, int status,
                                     const char *description);

/*
 * Answer one request: route it, negotiate the media type, authenticate the
 * Authorization header through the access layer, apply the policy and run the
 * endpoint against the store s (a handle owned by the calling thread). Always fills
 * resp, errors included (as TAXII error resources, §3.6.1). Returns 0, or a negative
 * SOL_E* code only when even an error response could not be built (no memory).
 */
SOL_API int sol_taxii_handle(const struct sol_taxii_server *srv, struct sol_store *s,
                             const struct sol_taxii_request *req, struct sol_taxii_response *resp);

#endif
