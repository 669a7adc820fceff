/*
 * error.c — TAXII error resources (TAXII 2.1 §3.6.1) and the response lifecycle.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "solidarity/json.h"
#include "taxii/taxii.h"

/* An empty response: status 500 until an endpoint sets it, the TAXII media type. */
void
sol_taxii_response_init(struct sol_taxii_response *r)
{
    memset(r, 0, sizeof(*r));
    sol_buf_init(&r->body);
    r->content_type = SOL_TAXII_MEDIA_TYPE;
    r->status = 500;
}

/* Free the body and make r empty again (reusable); NULL does nothing. */
void
sol_taxii_response_clear(struct sol_taxii_response *r)
{
    if (!r)
        return;
    sol_buf_free(&r->body);
    sol_taxii_response_init(r);
}

/* RFC 9110 §15: the reason phrase of each status we send, used as the error's title. */
static const char *
status_title(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

/*
 * TAXII 2.1 §3.6.1: title (required), description, http_status as a string equal to
 * the response's status. Every error carries the TAXII media type (§3.1).
 */
int
sol__taxii_error(struct sol_taxii_response *resp, int status, const char *fmt, ...)
{
    char desc[768];
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): a false positive, va_start is above */
    vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    char code[8];
    snprintf(code, sizeof(code), "%d", status);
    resp->status = status;
    resp->content_type = SOL_TAXII_MEDIA_TYPE;
    resp->no_body = false;
    resp->date_added_first[0] = resp->date_added_last[0] = '\0';
    sol_buf_reset(&resp->body);
    struct sol_json_writer w;
    sol_jw_init(&w, &resp->body, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "title");
    sol_jw_string(&w, status_title(status));
    sol_jw_key(&w, "description");
    sol_jw_string(&w, desc);
    sol_jw_key(&w, "http_status");
    sol_jw_string(&w, code);
    sol_jw_object_end(&w);
    return 0;
}

/* taxii.h: an error resource for the HTTP layer's own refusals. */
int
sol_taxii_error_response(struct sol_taxii_response *resp, int status, const char *description)
{
    return sol__taxii_error(resp, status, "%s", description);
}
