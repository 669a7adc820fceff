/*
 * dump.c — print a pattern's tree, one node per line, for golden tests and people.
 *
 * Observation nodes print as their operator (AND, OR, FOLLOWEDBY), their qualifier
 * (WITHIN 300 SECONDS, REPEATS 5 TIMES, START t'...' STOP t'...') or "[ ]" for a
 * bracketed observation expression; inside a bracket, AND and OR nodes print as
 * themselves and each test in pattern syntax with its constant in canonical form.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern.h"
#include "solidarity/error.h"

static void
indent(struct sol_buf *out, unsigned depth)
{
    for (unsigned i = 0; i < depth; i++)
        sol_buf_puts(out, "  ");
}

/* A quoted string constant, escaping ' and \ as STIX 2.1 §9.2 says. */
static void
put_quoted(struct sol_buf *out, struct sol_str s)
{
    sol_buf_putc(out, '\'');
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == '\'' || c == '\\')
            sol_buf_putc(out, '\\');
        sol_buf_putc(out, c);
    }
    sol_buf_putc(out, '\'');
}

static bool
plain_name(struct sol_str s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

static void
put_time(struct sol_buf *out, sol_time_t t, unsigned digits)
{
    char buf[48];
    unsigned d = digits == 0 ? 0 : digits <= 3 ? 3 : 6;
    sol_time_format(t, d, buf);
    sol_buf_puts(out, "t'");
    sol_buf_puts(out, buf);
    sol_buf_putc(out, '\'');
}

static void
put_const(struct sol_buf *out, const struct sol_pattern_const *c)
{
    switch (c->kind) {
    case SOL_PCONST_STRING:
        put_quoted(out, c->bytes);
        break;
    case SOL_PCONST_INT:
        sol_buf_printf(out, "%" PRId64, c->i);
        break;
    case SOL_PCONST_FLOAT: {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", c->f);
        /* Keep the shortest form that reads back the same. */
        for (int prec = 1; prec <= 17; prec++) {
            char t[64];
            snprintf(t, sizeof t, "%.*g", prec, c->f);
            if (strtod(t, NULL) == c->f) {
                snprintf(buf, sizeof buf, "%s", t);
                break;
            }
        }
        sol_buf_puts(out, buf);
        if (!strpbrk(buf, ".eEn"))
            sol_buf_puts(out, ".0");
        break;
    }
    case SOL_PCONST_BOOL:
        sol_buf_puts(out, c->b ? "true" : "false");
        break;
    case SOL_PCONST_BINARY:
        sol_buf_puts(out, "b'");
        sol_base64_encode(out, c->bytes.p, c->bytes.n);
        sol_buf_putc(out, '\'');
        break;
    case SOL_PCONST_HEX:
        sol_buf_puts(out, "h'");
        sol_hex_encode(out, c->bytes.p, c->bytes.n);
        sol_buf_putc(out, '\'');
        break;
    case SOL_PCONST_TIMESTAMP:
        put_time(out, c->t, c->t_digits);
        break;
    case SOL_PCONST_LIST:
        sol_buf_putc(out, '(');
        for (size_t i = 0; i < c->nitems; i++) {
            if (i)
                sol_buf_puts(out, ", ");
            put_const(out, &c->items[i]);
        }
        sol_buf_putc(out, ')');
        break;
    }
}

static void
put_path(struct sol_buf *out, const struct sol_pattern_path *path)
{
    sol_buf_append(out, path->object_type.p, path->object_type.n);
    sol_buf_putc(out, ':');
    for (size_t i = 0; i < path->nsteps; i++) {
        const struct sol_pattern_step *st = &path->steps[i];
        switch (st->kind) {
        case SOL_PSTEP_KEY:
            if (i)
                sol_buf_putc(out, '.');
            if (plain_name(st->key))
                sol_buf_append(out, st->key.p, st->key.n);
            else
                put_quoted(out, st->key);
            break;
        case SOL_PSTEP_INDEX:
            sol_buf_printf(out, "[%" PRId64 "]", st->index);
            break;
        case SOL_PSTEP_ANY:
            sol_buf_puts(out, "[*]");
            break;
        }
    }
}

static void
dump_cmp(struct sol_buf *out, const struct sol_pattern_cmp *c, unsigned depth)
{
    indent(out, depth);
    if (c->kind != SOL_PCMP_TEST) {
        sol_buf_puts(out, c->kind == SOL_PCMP_AND ? "AND\n" : "OR\n");
        for (size_t i = 0; i < c->nkids; i++)
            dump_cmp(out, c->kids[i], depth + 1);
        return;
    }
    if (c->op == SOL_POP_EXISTS) {
        sol_buf_puts(out, c->negated ? "NOT EXISTS " : "EXISTS ");
        put_path(out, &c->path);
        sol_buf_putc(out, '\n');
        return;
    }
    put_path(out, &c->path);
    sol_buf_puts(out, c->negated ? " NOT " : " ");
    sol_buf_puts(out, sol_pattern_op_name(c->op));
    sol_buf_putc(out, ' ');
    put_const(out, &c->value);
    sol_buf_putc(out, '\n');
}

static void
dump_obs(struct sol_buf *out, const struct sol_pattern_obs *o, unsigned depth)
{
    indent(out, depth);
    switch (o->kind) {
    case SOL_POBS_BRACKET:
        sol_buf_puts(out, "[ ]\n");
        dump_cmp(out, o->cmp, depth + 1);
        return;
    case SOL_POBS_WITHIN: {
        struct sol_pattern_const c = {0};
        c.kind = SOL_PCONST_FLOAT;
        c.f = o->within_seconds;
        sol_buf_puts(out, "WITHIN ");
        if (o->within_seconds == (double)(int64_t)o->within_seconds)
            sol_buf_printf(out, "%" PRId64, (int64_t)o->within_seconds);
        else
            put_const(out, &c);
        sol_buf_puts(out, " SECONDS\n");
        break;
    }
    case SOL_POBS_REPEATS:
        sol_buf_printf(out, "REPEATS %u TIMES\n", (unsigned)o->repeats);
        break;
    case SOL_POBS_STARTSTOP:
        sol_buf_puts(out, "START ");
        put_time(out, o->start, (unsigned)(o->start % 1000000 ? 6 : 0));
        sol_buf_puts(out, " STOP ");
        put_time(out, o->stop, (unsigned)(o->stop % 1000000 ? 6 : 0));
        sol_buf_putc(out, '\n');
        break;
    default:
        sol_buf_puts(out, sol_pattern_obs_kind_name(o->kind));
        sol_buf_putc(out, '\n');
        break;
    }
    for (size_t i = 0; i < o->nkids; i++)
        dump_obs(out, o->kids[i], depth + 1);
}

int
sol_pattern_dump(const struct sol_pattern *p, struct sol_buf *out)
{
    if (!p || !p->root)
        return SOL_EINVAL;
    dump_obs(out, p->root, 0);
    return out->oom ? SOL_ENOMEM : 0;
}
