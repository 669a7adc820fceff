/*
 * zeek.c — the Zeek Intel framework's input file (Zeek's base/frameworks/intel): a
 * tab-separated table with a "#fields" header, read by the input framework's ASCII
 * reader, one indicator value a line:
 *
 *   #fields<TAB>indicator<TAB>indicator_type<TAB>meta.source<TAB>meta.desc<TAB>meta.url
 *
 * What Zeek can see exactly: addresses (Intel::ADDR) and networks (Intel::SUBNET), domain
 * names (Intel::DOMAIN), e-mail addresses (Intel::EMAIL), file names (Intel::FILE_NAME),
 * the MD5, SHA-1 and SHA-256 of files (Intel::FILE_HASH: the hashes its files framework
 * computes), certificate SHA-1 fingerprints (Intel::CERT_HASH), and http:// URLs, which
 * Zeek matches without their scheme (Intel::URL). An https:// URL is not seen in clear,
 * and a SHA-512 is never computed: such indicators are named as inexpressible.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "formats/formats.h"

struct zeek_state {
    struct sol__out out;
    struct sol_export_report *rep;
    const char *source;
};

static const char *
zeek_type(const struct sol_atom *a)
{
    switch (a->kind) {
    case SOL_ATOM_IPV4:
    case SOL_ATOM_IPV6:
        return a->network ? "Intel::SUBNET" : "Intel::ADDR";
    case SOL_ATOM_DOMAIN:
        return "Intel::DOMAIN";
    case SOL_ATOM_URL:
        return "Intel::URL";
    case SOL_ATOM_EMAIL:
        return "Intel::EMAIL";
    case SOL_ATOM_MD5:
    case SOL_ATOM_SHA1:
    case SOL_ATOM_SHA256:
        return "Intel::FILE_HASH";
    case SOL_ATOM_FILENAME:
        return "Intel::FILE_NAME";
    case SOL_ATOM_CERT_SHA1:
        return "Intel::CERT_HASH";
    default:
        return NULL;
    }
}

static bool
zeek_accept(void *ud, const struct sol_atom *a, const char **why)
{
    (void)ud;
    if (!zeek_type(a)) {
        *why = a->kind == SOL_ATOM_SHA512 ? "Zeek computes no SHA-512 of files"
                                          : "a value Zeek's Intel framework has no type for";
        return false;
    }
    for (size_t i = 0; i < a->value.n; i++)
        if ((unsigned char)a->value.p[i] < 0x20) {
            *why = "a value with a tab or a line break";
            return false;
        }
    if (a->value.n == 0 || sol_str_eqc(a->value, "-") || sol_str_eqc(a->value, "(empty)")) {
        *why = "a value Zeek reads as unset";
        return false;
    }
    if (a->kind == SOL_ATOM_URL &&
        (a->value.n <= 7 || strncasecmp(a->value.p, "http://", 7) != 0)) {
        *why = "Zeek sees URLs in clear HTTP only (http://)";
        return false;
    }
    return true;
}

/* Meta text: no tabs or line breaks, and never empty (Zeek's unset is "-"). */
static void
zeek_text(struct sol__out *o, struct sol_str s)
{
    if (!s.n) {
        sol__out_put(o, "-", 1);
        return;
    }
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if ((unsigned char)c < 0x20)
            c = ' ';
        sol__out_put(o, &c, 1);
    }
}

static int
zeek_each(void *ud, const struct sol__indicator *ind)
{
    struct zeek_state *z = ud;
    struct sol_str url = {NULL, 0};
    const struct sol_json *refs = sol_json_get(ind->obj, "external_references");
    struct sol_json_iter it;
    const struct sol_json *r;
    sol_json_iter_init(&it, refs);
    while (!url.p && sol_json_iter_next(&it, NULL, &r))
        url = sol_json_str(sol_json_get(r, "url"));
    for (size_t i = 0; i < ind->n_atoms; i++) {
        const struct sol_atom *a = &ind->atoms[i];
        struct sol_str v = a->value;
        if (a->kind == SOL_ATOM_URL)
            v.p += 7, v.n -= 7;
        bool lower = a->kind == SOL_ATOM_DOMAIN || a->kind == SOL_ATOM_MD5 ||
                     a->kind == SOL_ATOM_SHA1 || a->kind == SOL_ATOM_SHA256 ||
                     a->kind == SOL_ATOM_CERT_SHA1;
        if (a->kind == SOL_ATOM_DOMAIN && v.n > 1 && v.p[v.n - 1] == '.')
            v.n--;
        for (size_t k = 0; k < v.n; k++) {
            char c = v.p[k];
            if (lower)
                c = (char)tolower((unsigned char)c);
            sol__out_put(&z->out, &c, 1);
        }
        sol__out_put(&z->out, "\t", 1);
        sol__out_puts(&z->out, zeek_type(a));
        sol__out_put(&z->out, "\t", 1);
        zeek_text(&z->out, sol_str_c(z->source));
        sol__out_put(&z->out, "\t", 1);
        zeek_text(&z->out, ind->name.n ? ind->name : ind->id);
        sol__out_put(&z->out, "\t", 1);
        zeek_text(&z->out, url);
        sol__out_put(&z->out, "\n", 1);
        z->rep->entries++;
    }
    return z->out.rc;
}

int
sol__zeek_write(struct sol_store *s, const struct sol_object_filter *f,
                const struct sol_export_options *o, const struct sol_export_sink *out,
                struct sol_export_report *rep, struct sol_error *err)
{
    struct zeek_state z = {.rep = rep, .source = o->source ? o->source : "solidarity"};
    sol__out_init(&z.out, out);
    sol__out_part(&z.out, NULL);
    sol__out_puts(&z.out, "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n");
    struct sol__walk wk = {
        .s = s, .f = f, .o = o, .rep = rep, .accept = zeek_accept, .each = zeek_each, .ud = &z};
    int rc = sol__walk_indicators(&wk, err);
    int frc = sol__out_finish(&z.out);
    return rc ? rc : frc;
}
