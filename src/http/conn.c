/*
 * conn.c — the connection policy (conn.h): a list of the open connections, each with its
 * phase and deadline, and a count of connections per address, under one mutex; a thread
 * that closes connections past their deadline.
 *
 * A connection goes NEW (accepted) -> HEADERS (request line seen) -> BODY (headers whole)
 * -> WORK (request whole, being answered and sent) -> IDLE (kept alive) -> HEADERS ...
 * NEW and HEADERS share the deadline set when the connection opened or went idle, plus
 * header_timeout once the request line is there; BODY's moves with the bytes that arrive;
 * WORK has none (libmicrohttpd's idle timeout still closes a client that stops reading).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "http/conn.h"
#include "solidarity/alloc.h"

#define ADDR_BUCKETS 1024

enum phase { PHASE_NEW, PHASE_HEADERS, PHASE_BODY, PHASE_WORK, PHASE_IDLE };

/* An address (IPv4, or the /64 of an IPv6 address) and how many connections it holds. */
struct address {
    struct address *next;
    uint8_t key[17]; /* family byte, then 4 or 8 bytes */
    unsigned count;
};

struct sol__conn {
    struct sol__conn *prev, *next;
    struct address *addr;
    int fd;
    enum phase phase;
    int64_t opened_ms;     /* when the connection or its current wait began */
    int64_t deadline_ms;   /* 0: none */
    int64_t body_start_ms; /* when the headers were whole */
    uint64_t body_bytes;
    bool authenticated;
    bool closing;
};

struct sol__conn_policy {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool thread_running, stop, draining, tls;
    struct sol__conn_limits lim;
    struct sol__conn *head;
    struct address *buckets[ADDR_BUCKETS];
    struct sol__conn_stats st;
};

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The key an address is counted under: IPv4 (mapped IPv6 included) or an IPv6 /64. */
static void
address_key(const struct sockaddr *sa, uint8_t key[17])
{
    memset(key, 0, 17);
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            key[0] = 4;
            memcpy(key + 1, a->s6_addr + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, a->s6_addr, 8);
        }
    }
}

static unsigned
address_hash(const uint8_t key[17])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % ADDR_BUCKETS;
}

static struct address *
address_find(struct sol__conn_policy *p, const uint8_t key[17], bool create)
{
    unsigned h = address_hash(key);
    for (struct address *a = p->buckets[h]; a; a = a->next)
        if (memcmp(a->key, key, 17) == 0)
            return a;
    if (!create)
        return NULL;
    struct address *a = sol_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    memcpy(a->key, key, 17);
    a->next = p->buckets[h];
    p->buckets[h] = a;
    p->st.addresses++;
    return a;
}

static void
address_release(struct sol__conn_policy *p, struct address *a)
{
    if (--a->count)
        return;
    struct address **pp = &p->buckets[address_hash(a->key)];
    while (*pp != a)
        pp = &(*pp)->next;
    *pp = a->next;
    p->st.addresses--;
    sol_free(a);
}

/* conn.h */
struct sol__conn_policy *
sol__conn_policy_new(const struct sol__conn_limits *l, bool tls)
{
    struct sol__conn_policy *p = sol_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    p->lim = *l;
    p->tls = tls;
    return p;
}

/*
 * Close c now: for a request that did not arrive in time, a 408 first (plain HTTP only:
 * on TLS the bytes would have to go through the session, which libmicrohttpd owns).
 * Called with the lock held.
 */
static void
close_conn(struct sol__conn_policy *p, struct sol__conn *c, int status)
{
    if (c->closing)
        return;
    c->closing = true;
    const char *title = status == 408 ? "Request Timeout" : "Service Unavailable";
    const char *why = status == 408 ? "the request did not arrive in time"
                                    : "no connection slot is free; try again in a moment";
    if ((status == 408 || status == 503) && !p->tls) {
        char body[256], msg[512];
        int bn = snprintf(body, sizeof body,
                          "{\"title\":\"%s\",\"description\":\"%s\",\"http_status\":\"%d\"}\n",
                          title, why, status);
        int n = snprintf(msg, sizeof msg,
                         "HTTP/1.1 %d %s\r\nContent-Type: application/taxii+json;version=2.1\r\n"
                         "%sConnection: close\r\nContent-Length: %d\r\n\r\n%s",
                         status, title, status == 503 ? "Retry-After: 5\r\n" : "", bn, body);
        if (n > 0 && (size_t)n < sizeof msg)
            (void)send(c->fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    shutdown(c->fd, SHUT_RDWR);
}

static bool
in_request(const struct sol__conn *c)
{
    return c->phase == PHASE_HEADERS || c->phase == PHASE_BODY || c->phase == PHASE_WORK;
}

/* Close every connection past its deadline. Called with the lock held. */
static void
enforce_deadlines(struct sol__conn_policy *p, int64_t now)
{
    for (struct sol__conn *c = p->head; c; c = c->next) {
        if (c->closing || !c->deadline_ms || now < c->deadline_ms)
            continue;
        if (c->phase == PHASE_BODY && c->body_bytes) {
            /* The deadline moves with the body: body_timeout, then min_body_rate. */
            unsigned rate = p->lim.min_body_rate ? p->lim.min_body_rate : 1;
            int64_t due = c->body_start_ms + (int64_t)p->lim.body_timeout * 1000 +
                          (int64_t)(c->body_bytes * 1000 / rate);
            if (now < due) {
                c->deadline_ms = due;
                continue;
            }
        }
        switch (c->phase) {
        case PHASE_IDLE:
            p->st.idle_timeouts++;
            close_conn(p, c, 0);
            break;
        case PHASE_BODY:
            p->st.body_timeouts++;
            close_conn(p, c, 408);
            break;
        default:
            p->st.header_timeouts++;
            close_conn(p, c, 408);
            break;
        }
    }
}

static void *
deadline_thread(void *arg)
{
    struct sol__conn_policy *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        enforce_deadlines(p, now_ms());
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->wake, &p->lock, &ts);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* conn.h */
int
sol__conn_policy_start(struct sol__conn_policy *p)
{
    int rc = pthread_create(&p->thread, NULL, deadline_thread, p);
    if (rc) {
        errno = rc;
        return -1;
    }
    p->thread_running = true;
    return 0;
}

/* conn.h */
void
sol__conn_policy_free(struct sol__conn_policy *p)
{
    if (!p)
        return;
    if (p->thread_running) {
        pthread_mutex_lock(&p->lock);
        p->stop = true;
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
    }
    while (p->head) {
        struct sol__conn *c = p->head;
        p->head = c->next;
        sol_free(c);
    }
    for (size_t i = 0; i < ADDR_BUCKETS; i++)
        while (p->buckets[i]) {
            struct address *a = p->buckets[i];
            p->buckets[i] = a->next;
            sol_free(a);
        }
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    sol_free(p);
}

/* conn.h */
void
sol__conn_policy_set_limits(struct sol__conn_policy *p, const struct sol__conn_limits *l)
{
    pthread_mutex_lock(&p->lock);
    p->lim = *l;
    pthread_mutex_unlock(&p->lock);
}

/* conn.h */
void
sol__conn_policy_stats(struct sol__conn_policy *p, struct sol__conn_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->st;
    out->in_request = 0;
    for (struct sol__conn *c = p->head; c; c = c->next)
        out->in_request += in_request(c);
    pthread_mutex_unlock(&p->lock);
}

/* conn.h */
bool
sol__conn_admit(struct sol__conn_policy *p, const struct sockaddr *addr)
{
    uint8_t key[17];
    address_key(addr, key);
    pthread_mutex_lock(&p->lock);
    struct address *a = address_find(p, key, false);
    bool ok = !p->draining && (!a || a->count < p->lim.per_address);
    if (!ok && !p->draining)
        p->st.refused_per_address++;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

/*
 * The connection to close for a newcomer from address `mine`: of those that have not
 * authenticated and are waiting for a request or its headers, the oldest from the
 * address holding the most connections; NULL when there is none, or when that address
 * holds fewer than the newcomer's (then the newcomer is the one refused). Lock held.
 */
static struct sol__conn *
pick_victim(struct sol__conn_policy *p, const struct sol__conn *newcomer)
{
    struct sol__conn *best = NULL;
    for (struct sol__conn *c = p->head; c; c = c->next) {
        if (c == newcomer || c->closing || c->authenticated ||
            !(c->phase == PHASE_NEW || c->phase == PHASE_HEADERS || c->phase == PHASE_IDLE))
            continue;
        if (!best || c->addr->count > best->addr->count ||
            (c->addr->count == best->addr->count && c->opened_ms < best->opened_ms))
            best = c;
    }
    if (best && best->addr->count < newcomer->addr->count)
        return NULL;
    return best;
}

/* conn.h */
struct sol__conn *
sol__conn_opened(struct sol__conn_policy *p, int fd, const struct sockaddr *addr)
{
    struct sol__conn *c = sol_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    uint8_t key[17];
    address_key(addr, key);
    pthread_mutex_lock(&p->lock);
    c->addr = address_find(p, key, true);
    if (!c->addr) {
        pthread_mutex_unlock(&p->lock);
        sol_free(c);
        return NULL;
    }
    c->addr->count++;
    c->fd = fd;
    c->phase = PHASE_NEW;
    c->opened_ms = now_ms();
    c->deadline_ms = c->opened_ms + (int64_t)p->lim.header_timeout * 1000;
    c->next = p->head;
    if (p->head)
        p->head->prev = c;
    p->head = c;
    p->st.open++;
    p->st.opened++;
    if (p->draining) {
        close_conn(p, c, 503);
    } else if (c->addr->count > p->lim.per_address) {
        p->st.refused_per_address++;
        close_conn(p, c, 503);
    } else {
        unsigned open = 0, unauthenticated = 0;
        for (struct sol__conn *o = p->head; o; o = o->next)
            if (!o->closing) {
                open++;
                unauthenticated += !o->authenticated;
            }
        unsigned reserve = p->lim.reserve < p->lim.max_connections ? p->lim.reserve : 0;
        if (open > p->lim.max_connections || unauthenticated > p->lim.max_connections - reserve) {
            struct sol__conn *victim = pick_victim(p, c);
            if (victim) {
                p->st.evicted++;
                close_conn(p, victim, 503);
            } else {
                p->st.refused_full++;
                close_conn(p, c, 503);
            }
        }
    }
    pthread_mutex_unlock(&p->lock);
    return c;
}

/* conn.h */
void
sol__conn_closed(struct sol__conn_policy *p, struct sol__conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&p->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        p->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    p->st.open--;
    if (c->authenticated)
        p->st.authenticated--;
    address_release(p, c->addr);
    pthread_mutex_unlock(&p->lock);
    sol_free(c);
}

/* conn.h */
void
sol__conn_request_line(struct sol__conn_policy *p, struct sol__conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&p->lock);
    if (c->phase == PHASE_IDLE) {
        /* A kept-alive connection: its headers from now on. */
        c->opened_ms = now_ms();
        c->deadline_ms = c->opened_ms + (int64_t)p->lim.header_timeout * 1000;
    }
    c->phase = PHASE_HEADERS;
    pthread_mutex_unlock(&p->lock);
}

/* conn.h */
void
sol__conn_headers_done(struct sol__conn_policy *p, struct sol__conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&p->lock);
    c->phase = PHASE_BODY;
    c->body_start_ms = now_ms();
    c->body_bytes = 0;
    c->deadline_ms = c->body_start_ms + (int64_t)p->lim.body_timeout * 1000;
    pthread_mutex_unlock(&p->lock);
}

/* conn.h */
void
sol__conn_body(struct sol__conn_policy *p, struct sol__conn *c, size_t n)
{
    if (!c)
        return;
    pthread_mutex_lock(&p->lock);
    c->body_bytes += n;
    pthread_mutex_unlock(&p->lock);
}

/* conn.h */
void
sol__conn_working(struct sol__conn_policy *p, struct sol__conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&p->lock);
    c->phase = PHASE_WORK;
    c->deadline_ms = 0;
    pthread_mutex_unlock(&p->lock);
}

/* conn.h */
void
sol__conn_answered(struct sol__conn_policy *p, struct sol__conn *c, bool authenticated)
{
    if (!c)
        return;
    pthread_mutex_lock(&p->lock);
    c->phase = PHASE_WORK;
    c->deadline_ms = 0;
    if (authenticated && !c->authenticated) {
        c->authenticated = true;
        p->st.authenticated++;
    }
    pthread_mutex_unlock(&p->lock);
}

/* conn.h */
void
sol__conn_completed(struct sol__conn_policy *p, struct sol__conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&p->lock);
    c->phase = PHASE_IDLE;
    c->opened_ms = now_ms();
    c->deadline_ms = c->opened_ms + (int64_t)p->lim.idle_timeout * 1000;
    if (p->draining)
        close_conn(p, c, 0);
    pthread_mutex_unlock(&p->lock);
}

/* conn.h */
unsigned
sol__conn_drain(struct sol__conn_policy *p)
{
    unsigned busy = 0;
    pthread_mutex_lock(&p->lock);
    p->draining = true;
    for (struct sol__conn *c = p->head; c; c = c->next) {
        if (c->closing)
            continue;
        if (c->phase == PHASE_NEW || c->phase == PHASE_IDLE)
            close_conn(p, c, 0);
        else
            busy++;
    }
    pthread_mutex_unlock(&p->lock);
    return busy;
}

/* conn.h */
void
sol__conn_close_all(struct sol__conn_policy *p)
{
    pthread_mutex_lock(&p->lock);
    for (struct sol__conn *c = p->head; c; c = c->next)
        close_conn(p, c, 0);
    pthread_mutex_unlock(&p->lock);
}
