/*
 * rpz.c — a DNS Response Policy Zone (the RPZ draft, draft-vixie-dnsop-dns-rpz), in the
 * master file format of RFC 1035 §5, loadable by BIND, Unbound and PowerDNS Recursor.
 *
 * A domain name is a QNAME trigger: "evil.example CNAME ." answers NXDOMAIN for exactly
 * that name, which is what [domain-name:value = 'evil.example'] says (not its subdomains).
 * An address or network is a response-IP trigger ("32.4.3.2.1.rpz-ip", prefix first, then
 * the address reversed; IPv6 groups reversed with "zz" for the longest run of zeros): the
 * resolver refuses answers that contain it. Everything else is named as inexpressible.
 *
 * The zone has its own name ($ORIGIN, --rpz-zone), an SOA whose serial is the export's
 * time in seconds (or --serial) and an NS record, as the servers require.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/formats.h"

struct rpz_state {
    struct sol__out out;
    struct sol_export_report *rep;
    const char *action;
    struct sol__strset owners;
    int rc;
};

/* A host name a zone file can hold unquoted: LDH labels (and '_'), ASCII, <= 253. */
static bool
rpz_name_ok(struct sol_str v, const char **why)
{
    if (v.n && v.p[v.n - 1] == '.')
        v.n--;
    if (v.n == 0 || v.n > 230) {
        *why = "a name too long for an RPZ trigger";
        return false;
    }
    size_t label = 0;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c >= 0x80) {
            *why = "a name that is not ASCII (an IDN must be written as its A-label)";
            return false;
        }
        if (c == '.') {
            if (!label) {
                *why = "a name with an empty label";
                return false;
            }
            label = 0;
            continue;
        }
        if (!isalnum(c) && c != '-' && c != '_') {
            *why = "a name with characters a host name has not";
            return false;
        }
        if (++label > 63) {
            *why = "a name with a label longer than 63 octets";
            return false;
        }
    }
    static const char *const reserved[] = {".rpz-ip", ".rpz-nsip", ".rpz-nsdname",
                                           ".rpz-client-ip"};
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++) {
        size_t l = strlen(reserved[i]);
        if (v.n >= l && strncasecmp(v.p + v.n - l, reserved[i], l) == 0) {
            *why = "a name in an RPZ trigger's own namespace";
            return false;
        }
    }
    return true;
}

/* "prefix.reversed-address" of an address or network, or 0 when it is none. */
static int
rpz_ip_owner(const struct sol_atom *a, char *out, size_t n)
{
    char buf[64];
    if (a->value.n >= sizeof buf)
        return 0;
    memcpy(buf, a->value.p, a->value.n);
    buf[a->value.n] = 0;
    char *slash = strchr(buf, '/');
    bool v6 = a->kind == SOL_ATOM_IPV6;
    long prefix = v6 ? 128 : 32;
    if (slash) {
        *slash = 0;
        char *e;
        prefix = strtol(slash + 1, &e, 10);
        if (*e || prefix < 1 || prefix > (v6 ? 128 : 32))
            return 0;
    }
    unsigned char addr[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, addr) != 1)
        return 0;
    size_t bytes = v6 ? 16 : 4;
    for (size_t i = 0; i < bytes; i++) { /* clear the host bits */
        long bit = (long)i * 8;
        if (bit >= prefix)
            addr[i] = 0;
        else if (bit + 8 > prefix)
            addr[i] &= (unsigned char)(0xff << (8 - (prefix - bit)));
    }
    if (!v6) {
        snprintf(out, n, "%ld.%u.%u.%u.%u.rpz-ip", prefix, addr[3], addr[2], addr[1], addr[0]);
        return 1;
    }
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)addr[(size_t)2 * i] << 8 | addr[(size_t)2 * i + 1];
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !g[j])
            j++;
        if (j - i > best_len && j - i >= 2)
            best = i, best_len = j - i;
        i = j;
    }
    size_t used = (size_t)snprintf(out, n, "%ld", prefix);
    for (int i = 7; i >= 0 && used < n; i--) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best + best_len - 1)
                used += (size_t)snprintf(out + used, n - used, ".zz");
            continue;
        }
        used += (size_t)snprintf(out + used, n - used, ".%x", g[i]);
    }
    if (used < n)
        snprintf(out + used, n - used, ".rpz-ip");
    return 1;
}

static bool
rpz_accept(void *ud, const struct sol_atom *a, const char **why)
{
    (void)ud;
    char owner[128];
    switch (a->kind) {
    case SOL_ATOM_DOMAIN:
        return rpz_name_ok(a->value, why);
    case SOL_ATOM_IPV4:
    case SOL_ATOM_IPV6:
        if (!rpz_ip_owner(a, owner, sizeof owner)) {
            *why = "an address RPZ cannot name (a /0 network?)";
            return false;
        }
        return true;
    default:
        *why = "neither a domain name nor an address";
        return false;
    }
}

static int
rpz_each(void *ud, const struct sol__indicator *ind)
{
    struct rpz_state *z = ud;
    for (size_t i = 0; i < ind->n_atoms; i++) {
        const struct sol_atom *a = &ind->atoms[i];
        char owner[300];
        if (a->kind == SOL_ATOM_DOMAIN) {
            size_t n = a->value.n;
            if (n && a->value.p[n - 1] == '.')
                n--;
            for (size_t k = 0; k < n; k++)
                owner[k] = (char)tolower((unsigned char)a->value.p[k]);
            owner[n] = 0;
        } else {
            rpz_ip_owner(a, owner, sizeof owner);
        }
        int added = sol__strset_add(&z->owners, owner, strlen(owner));
        if (added < 0)
            return added;
        if (!added)
            continue; /* one record per owner: two would be "CNAME and other data" */
        sol__out_printf(&z->out, "%s CNAME %s ; ", owner, z->action);
        struct sol_str label = ind->name.n ? ind->name : ind->id;
        for (size_t k = 0; k < label.n && k < 120; k++) {
            char c = label.p[k];
            if ((unsigned char)c < 0x20)
                c = ' ';
            sol__out_put(&z->out, &c, 1);
        }
        sol__out_put(&z->out, "\n", 1);
        z->rep->entries++;
    }
    return z->out.rc;
}

/* The zone's name as given, made absolute; checked like any name. */
static int
zone_name(const char *given, char *out, size_t n, struct sol_error *err)
{
    const char *z = given && *given ? given : "rpz.solidarity.";
    size_t l = strlen(z);
    const char *why = NULL;
    if (!rpz_name_ok((struct sol_str){z, l}, &why) || l + 2 > n)
        return sol_error_set(err, SOL_EINVAL, "'%s' is not a zone name (%s)", z,
                             why ? why : "too long");
    snprintf(out, n, "%s%s", z, z[l - 1] == '.' ? "" : ".");
    return 0;
}

int
sol__rpz_write(struct sol_store *s, const struct sol_object_filter *f,
               const struct sol_export_options *o, const struct sol_export_sink *out,
               struct sol_export_report *rep, struct sol_error *err)
{
    static const char *const actions[] = {".", "*.", "rpz-drop.", "rpz-passthru."};
    char zone[260];
    int rc = zone_name(o->rpz_zone, zone, sizeof zone, err);
    if (rc)
        return rc;
    struct rpz_state z = {.rep = rep,
                          .action = actions[(unsigned)o->rpz_action < 4 ? o->rpz_action : 0]};
    uint32_t serial = o->rpz_serial;
    if (!serial)
        serial = (uint32_t)((o->now ? o->now : sol_time_now()) / 1000000);
    sol__out_init(&z.out, out);
    sol__out_part(&z.out, NULL);
    /* The serial keeps a fixed width, so that feeds can hash the zone without it. */
    sol__out_printf(&z.out,
                    "; response policy zone written by solidarity\n"
                    "$TTL 300\n"
                    "$ORIGIN %s\n"
                    "@ SOA localhost. hostmaster.localhost. ( %10u 3600 600 864000 300 )\n"
                    "@ NS localhost.\n",
                    zone, serial);
    struct sol__walk wk = {
        .s = s, .f = f, .o = o, .rep = rep, .accept = rpz_accept, .each = rpz_each, .ud = &z};
    rc = sol__walk_indicators(&wk, err);
    int frc = sol__out_finish(&z.out);
    sol__strset_free(&z.owners);
    return rc ? rc : frc;
}
