/*
 * ioc.c — plain lists of indicators, as they arrive in reports and e-mails: one value a
 * line, often defanged ("hxxp://evil[.]com"), with comments and stray text.
 *
 * In: each line is trimmed; blank lines are skipped; a line starting with '#', '//' or
 * ';' is a comment; otherwise its first word, refanged, is the value, and what follows it
 * may only be a comment ('#' or '//'), which becomes the indicator's description. The kind
 * of the value is detected (sol_ioc_detect()) unless the options force one. Anything else
 * is a junk line, reported with its line number: never silently dropped, never guessed.
 *
 * Out: one value a line, of every indicator whose pattern is a disjunction of values of
 * the kinds a plain list can name (not OTHER: a bare value must say what it is).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/formats.h"
#include "solidarity/alloc.h"

/* Defanging tokens and what they stand for (compared without regard to case). */
static const struct {
    const char *from, *to;
} fangs[] = {
    {"[://]", "://"}, {"[:]", ":"},       {"[.]", "."},     {"(.)", "."},
    {"{.}", "."},     {"[dot]", "."},     {"(dot)", "."},   {"{dot}", "."},
    {"[at]", "@"},    {"(at)", "@"},      {"{at}", "@"},    {"[@]", "@"},
    {"[/]", "/"},     {"hxxps", "https"}, {"hxxp", "http"}, {"fxp", "ftp"},
};

/* formats.h: refang. */
void
sol_ioc_refang(const char *s, size_t n, struct sol_buf *out)
{
    for (size_t i = 0; i < n;) {
        bool done = false;
        for (size_t k = 0; k < sizeof fangs / sizeof *fangs && !done; k++) {
            size_t l = strlen(fangs[k].from);
            bool word = isalpha((unsigned char)fangs[k].from[0]);
            /* scheme spellings only at the start of the value */
            if (word && i != 0)
                continue;
            if (l <= n - i && strncasecmp(s + i, fangs[k].from, l) == 0) {
                sol_buf_puts(out, fangs[k].to);
                i += l;
                done = true;
            }
        }
        if (!done)
            sol_buf_putc(out, s[i++]);
    }
}

static bool
all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return n > 0;
}

/* An address, optionally "/prefix": 4 or 6, else 0. */
static int
ip_kind(const char *s, size_t n, bool *network)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash) {
        char *end;
        *slash = 0;
        if (!isdigit((unsigned char)slash[1]))
            return 0;
        prefix = strtol(slash + 1, &end, 10);
        if (*end || end - (slash + 1) > 3)
            return 0;
    }
    unsigned char a[16];
    int fam = 0;
    if (inet_pton(AF_INET, buf, a) == 1)
        fam = prefix <= 32 ? 4 : 0;
    else if (inet_pton(AF_INET6, buf, a) == 1)
        fam = prefix <= 128 ? 6 : 0;
    *network = fam && slash;
    return fam;
}

/* RFC 1035 §2.3.1 (with underscores, which real names carry): labels, a letter TLD. */
static bool
is_domain(const char *s, size_t n)
{
    if (n && s[n - 1] == '.')
        n--;
    if (n == 0 || n > 253)
        return false;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            char c = s[i];
            if (!isalnum((unsigned char)c) && c != '-' && c != '_')
                return false;
            continue;
        }
        size_t len = i - start;
        if (len == 0 || len > 63 || s[start] == '-' || s[i - 1] == '-')
            return false;
        labels++;
        if (i == n) {
            /* the TLD: letters, or an A-label */
            bool alpha = len >= 2;
            for (size_t k = start; k < i && alpha; k++)
                alpha = isalpha((unsigned char)s[k]);
            if (!alpha && !(len > 4 && strncasecmp(s + start, "xn--", 4) == 0))
                return false;
        }
        start = i + 1;
    }
    return labels >= 2;
}

/* formats.h: the kind of one plain value. */
int
sol_ioc_detect(const char *s, size_t n, bool *network)
{
    bool net = false;
    if (network)
        *network = false;
    if (n == 0)
        return -1;
    int fam = ip_kind(s, n, &net);
    if (fam) {
        if (network)
            *network = net;
        return fam == 4 ? SOL_ATOM_IPV4 : SOL_ATOM_IPV6;
    }
    const char *colon = memchr(s, ':', n);
    if (colon && (size_t)(colon - s) + 2 < n && colon[1] == '/' && colon[2] == '/') {
        bool scheme = colon > s && isalpha((unsigned char)s[0]);
        for (const char *p = s; p < colon && scheme; p++)
            scheme = isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.';
        for (size_t i = 0; i < n && scheme; i++)
            scheme = (unsigned char)s[i] > ' ' && s[i] != 0x7f;
        if (scheme && (size_t)(colon - s) + 3 < n)
            return SOL_ATOM_URL;
        return -1;
    }
    if (all_hex(s, n)) {
        switch (n) {
        case 32:
            return SOL_ATOM_MD5;
        case 40:
            return SOL_ATOM_SHA1;
        case 64:
            return SOL_ATOM_SHA256;
        case 128:
            return SOL_ATOM_SHA512;
        }
    }
    const char *at = memchr(s, '@', n);
    if (at) {
        size_t local = (size_t)(at - s);
        if (local == 0 || local > 64 || memchr(at + 1, '@', n - local - 1))
            return -1;
        for (size_t i = 0; i < local; i++)
            if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == ',' || s[i] == '<' ||
                s[i] == '>')
                return -1;
        return is_domain(at + 1, n - local - 1) ? SOL_ATOM_EMAIL : -1;
    }
    return is_domain(s, n) ? SOL_ATOM_DOMAIN : -1;
}

/* Not JSON, not a CSV header: a list is the reader of last resort. */
int
sol__ioc_detect(const char *path, const char *head, size_t n)
{
    (void)path;
    size_t i = sol__skip_blank(head, n);
    if (i < n && (head[i] == '{' || head[i] == '['))
        return 0;
    return 10;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The checks of a forced kind: a value detected as another kind is not of this one. */
static bool
fits_kind(int forced, int detected)
{
    if (forced == SOL_ATOM_FILENAME || forced == SOL_ATOM_OTHER)
        return true;
    if (forced == SOL_ATOM_CERT_SHA1)
        return detected == SOL_ATOM_SHA1;
    return forced == detected;
}

/* The reader (see the top of this file). */
int
sol__ioc_read(const struct sol_format_input *in, const struct sol_import_options *o, void *imp,
              struct sol_error *err)
{
    (void)err;
    struct sol__import *im = imp;
    struct sol_buf val, desc;
    sol_buf_init(&val);
    sol_buf_init(&desc);
    const char *p = in->p, *end = in->p + in->n;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    int rc = 0;
    char where[512];
    for (size_t line = 1; p < end && rc == 0; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *a = p, *b = eol;
        p = eol + 1;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        if (a == b)
            continue;
        snprintf(where, sizeof where, "%s:%zu", in->name, line);
        if (*a == '#' || *a == ';' || (b - a >= 2 && a[0] == '/' && a[1] == '/')) {
            sol__note(im, SOL_NOTE_COMMENT, where, NULL, "a comment");
            continue;
        }
        const char *w = a;
        while (w < b && !is_space(*w))
            w++;
        const char *rest = w;
        while (rest < b && is_space(*rest))
            rest++;
        sol_buf_reset(&desc);
        sol_buf_reset(&val);
        sol_ioc_refang(a, (size_t)(w - a), &val);
        if (val.oom) {
            rc = SOL_ENOMEM;
            break;
        }
        bool network = false;
        int kind = sol_ioc_detect(val.p, val.n, &network);
        if (o->forced_kind >= 0 && fits_kind(o->forced_kind, kind))
            kind = o->forced_kind;
        else if (o->forced_kind >= 0)
            kind = -2;
        if (kind < 0) {
            int shown = (int)(b - a > 120 ? 120 : b - a);
            if (kind == -2)
                sol__note(im, SOL_NOTE_JUNK, where, NULL, "'%.*s' is not a %s", shown, a,
                          sol_atom_kind_word((enum sol_atom_kind)o->forced_kind));
            else
                sol__note(im, SOL_NOTE_JUNK, where, NULL,
                          "'%.*s' is not an indicator (an IP address or network, domain, URL, "
                          "e-mail address or MD5/SHA-1/SHA-256/SHA-512 digest)",
                          shown, a);
            continue;
        }
        if (rest < b) {
            if (*rest == '#')
                rest++;
            else if (b - rest >= 2 && rest[0] == '/' && rest[1] == '/')
                rest += 2;
            else {
                sol__note(im, SOL_NOTE_JUNK, where, NULL,
                          "'%.*s' is followed by text that is not a comment: '%.*s'",
                          (int)(w - a > 80 ? 80 : w - a), a, (int)(b - rest > 80 ? 80 : b - rest),
                          rest);
                continue;
            }
            while (rest < b && is_space(*rest))
                rest++;
            sol_buf_append(&desc, rest, (size_t)(b - rest));
            if (desc.oom) {
                rc = SOL_ENOMEM;
                break;
            }
        }
        struct sol__plain pl = {.kind = kind,
                                .value = val.p,
                                .value_n = val.n,
                                .network = network,
                                .description = desc.n ? desc.p : NULL,
                                .confidence = -1};
        rc = sol__emit_plain(im, &pl, where);
    }
    sol_buf_free(&val);
    sol_buf_free(&desc);
    return rc;
}

/* A plain list can name every kind but OTHER; lines cannot hold line breaks. */
static bool
list_accept(void *ud, const struct sol_atom *a, const char **why)
{
    (void)ud;
    if (a->kind == SOL_ATOM_OTHER) {
        *why = "a value of a kind a plain list cannot name";
        return false;
    }
    if (memchr(a->value.p, '\n', a->value.n) || memchr(a->value.p, '\r', a->value.n)) {
        *why = "a value with a line break";
        return false;
    }
    return true;
}

struct list_state {
    struct sol__out out;
    struct sol_export_report *rep;
};

static int
list_each(void *ud, const struct sol__indicator *ind)
{
    struct list_state *ls = ud;
    for (size_t i = 0; i < ind->n_atoms; i++) {
        sol__out_put(&ls->out, ind->atoms[i].value.p, ind->atoms[i].value.n);
        sol__out_put(&ls->out, "\n", 1);
        ls->rep->entries++;
    }
    return ls->out.rc;
}

/* The writer: values, one a line, in the order the store holds the indicators. */
int
sol__list_write(struct sol_store *s, const struct sol_object_filter *f,
                const struct sol_export_options *o, const struct sol_export_sink *out,
                struct sol_export_report *rep, struct sol_error *err)
{
    struct list_state ls = {.rep = rep};
    sol__out_init(&ls.out, out);
    sol__out_part(&ls.out, NULL);
    struct sol__walk wk = {
        .s = s, .f = f, .o = o, .rep = rep, .accept = list_accept, .each = list_each, .ud = &ls};
    int rc = sol__walk_indicators(&wk, err);
    int frc = sol__out_finish(&ls.out);
    return rc ? rc : frc;
}
