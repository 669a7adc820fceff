/*
 * suricata.c — what Suricata (7.0 and later) loads to alert on shared indicators, as
 * several files beside one rules file (the rules name the others relative to themselves):
 *
 *   solidarity.rules      the rules below
 *   domains.lst           a string dataset (base64, one a line) of domain names, looked up
 *                         in DNS queries, TLS SNI and HTTP hosts (lower-cased first)
 *   certs.lst             a string dataset of TLS certificate SHA-1 fingerprints, in the
 *                         "aa:bb:..." form of tls.cert_fingerprint
 *   md5.lst sha1.lst sha256.lst
 *                         file hash lists (hex, one a line) for filemd5, filesha1, filesha256
 *   iprep-categories.txt  the IP reputation category (reputation-categories-file)
 *   iprep.list            addresses and networks, "ip,category,score" (reputation-files);
 *                         the score is the indicator's confidence (1..127, default 100)
 *
 * URLs (Suricata sees a host and a path in separate buffers), e-mail addresses, file names
 * and SHA-512 digests have no exact Suricata form: such indicators are named as
 * inexpressible.
 */
#include <ctype.h>
#include <string.h>

#include "formats/formats.h"

enum { P_RULES, P_DOMAINS, P_CERTS, P_MD5, P_SHA1, P_SHA256, P_CATEGORIES, P_IPREP, P_N };

struct suricata_state {
    struct sol_buf part[P_N];
    struct sol__strset seen;
    struct sol_export_report *rep;
};

static bool
suricata_accept(void *ud, const struct sol_atom *a, const char **why)
{
    (void)ud;
    switch (a->kind) {
    case SOL_ATOM_DOMAIN:
    case SOL_ATOM_IPV4:
    case SOL_ATOM_IPV6:
    case SOL_ATOM_MD5:
    case SOL_ATOM_SHA1:
    case SOL_ATOM_SHA256:
    case SOL_ATOM_CERT_SHA1:
        for (size_t i = 0; i < a->value.n; i++)
            if ((unsigned char)a->value.p[i] < 0x20 || a->value.p[i] == ',') {
                *why = "a value with a comma or a control character";
                return false;
            }
        return true;
    case SOL_ATOM_URL:
        *why = "Suricata sees a URL's host and path in separate buffers";
        return false;
    case SOL_ATOM_SHA512:
        *why = "Suricata's file hash keywords take MD5, SHA-1 and SHA-256 only";
        return false;
    default:
        *why = "a value Suricata has no list or dataset for";
        return false;
    }
}

static int
suricata_each(void *ud, const struct sol__indicator *ind)
{
    struct suricata_state *st = ud;
    char low[600];
    for (size_t i = 0; i < ind->n_atoms; i++) {
        const struct sol_atom *a = &ind->atoms[i];
        size_t n = a->value.n < sizeof low - 1 ? a->value.n : sizeof low - 1;
        for (size_t k = 0; k < n; k++)
            low[k] = (char)tolower((unsigned char)a->value.p[k]);
        if (a->kind == SOL_ATOM_DOMAIN && n > 1 && low[n - 1] == '.')
            n--;
        low[n] = 0;
        char key[620];
        snprintf(key, sizeof key, "%d %s", (int)a->kind, low);
        int added = sol__strset_add(&st->seen, key, strlen(key));
        if (added < 0)
            return added;
        if (!added)
            continue;
        struct sol_buf *b = NULL;
        switch (a->kind) {
        case SOL_ATOM_DOMAIN:
            b = &st->part[P_DOMAINS];
            sol_base64_encode(b, low, n);
            break;
        case SOL_ATOM_CERT_SHA1: {
            /* tls.cert_fingerprint: lower-case hex pairs joined by ':' */
            struct sol_buf fp;
            sol_buf_init(&fp);
            for (size_t k = 0; k < n; k++) {
                if (low[k] == ':')
                    continue;
                if (fp.n && (fp.n + 1) % 3 == 0)
                    sol_buf_putc(&fp, ':');
                sol_buf_putc(&fp, low[k]);
            }
            b = &st->part[P_CERTS];
            sol_base64_encode(b, fp.p ? fp.p : "", fp.n);
            sol_buf_free(&fp);
            break;
        }
        case SOL_ATOM_MD5:
        case SOL_ATOM_SHA1:
        case SOL_ATOM_SHA256:
            b = &st->part[a->kind == SOL_ATOM_MD5    ? P_MD5
                          : a->kind == SOL_ATOM_SHA1 ? P_SHA1
                                                     : P_SHA256];
            sol_buf_append(b, low, n);
            break;
        default: { /* an address or network */
            int score = ind->confidence > 0 ? ind->confidence : 100;
            b = &st->part[P_IPREP];
            sol_buf_append(b, low, n);
            sol_buf_printf(b, ",1,%d", score > 127 ? 127 : score);
            break;
        }
        }
        sol_buf_putc(b, '\n');
        st->rep->entries++;
    }
    return 0;
}

static void
rules(struct sol_buf *b, uint32_t sid)
{
    static const char *const r[] = {
        "alert dns any any -> any any (msg:\"solidarity: DNS query for a shared domain\"; "
        "dns.query; to_lowercase; dataset:isset,solidarity-domains,type string,load domains.lst; "
        "classtype:trojan-activity; ",
        "alert tls any any -> any any (msg:\"solidarity: TLS SNI of a shared domain\"; tls.sni; "
        "to_lowercase; dataset:isset,solidarity-domains,type string,load domains.lst; "
        "classtype:trojan-activity; ",
        "alert http any any -> any any (msg:\"solidarity: HTTP host of a shared domain\"; "
        "http.host; dataset:isset,solidarity-domains,type string,load domains.lst; "
        "classtype:trojan-activity; ",
        "alert tls any any -> any any (msg:\"solidarity: TLS certificate shared as an "
        "indicator\"; tls.cert_fingerprint; dataset:isset,solidarity-certs,type string,load "
        "certs.lst; classtype:trojan-activity; ",
        "alert http any any -> any any (msg:\"solidarity: file with a shared MD5\"; "
        "filemd5:md5.lst; classtype:trojan-activity; ",
        "alert http any any -> any any (msg:\"solidarity: file with a shared SHA-1\"; "
        "filesha1:sha1.lst; classtype:trojan-activity; ",
        "alert http any any -> any any (msg:\"solidarity: file with a shared SHA-256\"; "
        "filesha256:sha256.lst; classtype:trojan-activity; ",
        "alert smtp any any -> any any (msg:\"solidarity: mail attachment with a shared MD5\"; "
        "filemd5:md5.lst; classtype:trojan-activity; ",
        "alert smtp any any -> any any (msg:\"solidarity: mail attachment with a shared "
        "SHA-256\"; filesha256:sha256.lst; classtype:trojan-activity; ",
        "alert ip any any -> any any (msg:\"solidarity: traffic from a shared address\"; "
        "iprep:src,solidarity,>,0; classtype:trojan-activity; ",
        "alert ip any any -> any any (msg:\"solidarity: traffic to a shared address\"; "
        "iprep:dst,solidarity,>,0; classtype:trojan-activity; ",
    };
    sol_buf_puts(b, "# Suricata rules written by solidarity: the datasets and hash lists they\n"
                    "# load sit beside this file. The IP reputation rules need, in suricata.yaml:\n"
                    "#   reputation-categories-file: <dir>/iprep-categories.txt\n"
                    "#   default-reputation-path: <dir>\n"
                    "#   reputation-files: [iprep.list]\n");
    for (size_t i = 0; i < sizeof r / sizeof *r; i++)
        sol_buf_printf(b, "%ssid:%u; rev:1;)\n", r[i], sid + (uint32_t)i);
}

int
sol__suricata_write(struct sol_store *s, const struct sol_object_filter *f,
                    const struct sol_export_options *o, const struct sol_export_sink *out,
                    struct sol_export_report *rep, struct sol_error *err)
{
    struct suricata_state st = {.rep = rep};
    for (int i = 0; i < P_N; i++)
        sol_buf_init(&st.part[i]);
    struct sol__walk wk = {.s = s,
                           .f = f,
                           .o = o,
                           .rep = rep,
                           .accept = suricata_accept,
                           .each = suricata_each,
                           .ud = &st};
    int rc = sol__walk_indicators(&wk, err);
    rules(&st.part[P_RULES], o->sid_base ? o->sid_base : 7100000);
    sol_buf_puts(&st.part[P_CATEGORIES], "1,solidarity,indicators shared through solidarity\n");
    struct sol__out w;
    sol__out_init(&w, out);
    for (int i = 0; i < P_N && rc == 0; i++) {
        if (st.part[i].oom) {
            rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
            break;
        }
        sol__out_part(&w, sol__suricata_parts[i]);
        sol__out_put(&w, st.part[i].p ? st.part[i].p : "", st.part[i].n);
    }
    int frc = sol__out_finish(&w);
    for (int i = 0; i < P_N; i++)
        sol_buf_free(&st.part[i]);
    sol__strset_free(&st.seen);
    return rc ? rc : frc;
}
