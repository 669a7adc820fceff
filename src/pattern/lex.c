/*
 * lex.c — the lexer of STIX Patterning (STIX 2.1 §9): turns pattern text into tokens.
 *
 * Keywords are not tokens of their own: they are identifiers, and the parser compares
 * their text (keywords are case-sensitive, §9). Constants are recognised here by their
 * shape only; the parser decodes and checks their contents, so that its messages can
 * say what the constant was meant for.
 */
#include <stdio.h>
#include <string.h>

#include "pattern/pattern.h"
#include "solidarity/error.h"

void
sol__lex_init(struct sol__lexer *lx, const char *s, size_t n)
{
    memset(lx, 0, sizeof *lx);
    lx->s = s;
    lx->n = n;
}

/*
 * The length of the white space at s (n bytes left), 0 when there is none.
 * STIX 2.1 §9.4: white space is every code point with the Unicode property WSpace.
 */
static size_t
space_len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return 1;
    if (c < 0x80)
        return 0;
    uint32_t cp;
    size_t k = sol_utf8_decode(s, n, &cp);
    if (k == 0)
        return 0;
    if (cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
        cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000)
        return k;
    return 0;
}

static int
lex_fail(struct sol__lexer *lx, size_t off, const char *msg)
{
    snprintf(lx->msg, sizeof lx->msg, "%s", msg);
    lx->err_off = off;
    return SOL_ESYNTAX;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident_char(char c)
{
    return is_ident_start(c) || is_digit(c) || c == '-';
}

/*
 * A quoted body starting at the apostrophe at off: scans to the closing apostrophe.
 * STIX 2.1 §9.2: inside a string the only escapes are \\ and \'. The prefixed forms
 * (h, b, t) take no escapes; a backslash there is left for the parser to reject.
 */
static int
scan_quoted(struct sol__lexer *lx, size_t start, size_t off, bool escapes, size_t *end)
{
    size_t i = off + 1;
    while (i < lx->n) {
        char c = lx->s[i];
        if (c == '\'') {
            *end = i + 1;
            return 0;
        }
        if (c == '\\' && escapes) {
            if (i + 1 >= lx->n)
                break;
            char e = lx->s[i + 1];
            if (e != '\\' && e != '\'') {
                char m[160];
                if ((unsigned char)e >= 0x20 && (unsigned char)e < 0x7f)
                    snprintf(m, sizeof m,
                             "invalid escape '\\%c' in a string: only \\\\ and \\' are allowed", e);
                else
                    snprintf(m, sizeof m,
                             "invalid escape in a string: only \\\\ and \\' are allowed");
                return lex_fail(lx, i, m);
            }
            i += 2;
            continue;
        }
        i++;
    }
    char m[120];
    snprintf(m, sizeof m, "unterminated string: no closing ' for the one at column %zu", off + 1);
    (void)start;
    return lex_fail(lx, lx->n, m);
}

/*
 * int   := '-'? ( '0' | [1-9] [0-9]* )
 * float := '-'? [0-9]* '.' [0-9]+                         (STIX 2.1 §9.2)
 */
static int
scan_number(struct sol__lexer *lx, struct sol__token *t)
{
    size_t i = lx->pos;
    if (lx->s[i] == '-' || lx->s[i] == '+')
        i++;
    size_t d0 = i;
    while (i < lx->n && is_digit(lx->s[i]))
        i++;
    size_t nd = i - d0;
    enum sol__tok kind = SOL__T_INT;
    if (i < lx->n && lx->s[i] == '.') {
        size_t f0 = ++i;
        while (i < lx->n && is_digit(lx->s[i]))
            i++;
        if (i == f0)
            return lex_fail(lx, i, "expected a digit after '.' in a number");
        kind = SOL__T_FLOAT;
    } else if (nd == 0) {
        return lex_fail(lx, i, "expected a digit after the sign");
    }
    if (kind == SOL__T_INT && nd > 1 && lx->s[d0] == '0')
        return lex_fail(lx, d0, "an integer must not have leading zeros");
    if (i < lx->n && (is_ident_start(lx->s[i]) || lx->s[i] == '.')) {
        return lex_fail(lx, i,
                        lx->s[i] == '.' ? "unexpected '.' after a number"
                                        : "expected a space or an operator after a number");
    }
    t->kind = kind;
    t->len = i - lx->pos;
    lx->pos = i;
    return 0;
}

int
sol__lex_next(struct sol__lexer *lx, struct sol__token *t)
{
    for (;;) {
        if (lx->pos >= lx->n)
            break;
        size_t k = space_len(lx->s + lx->pos, lx->n - lx->pos);
        if (k == 0)
            break;
        lx->pos += k;
    }
    t->off = lx->pos;
    t->len = 1;
    if (lx->pos >= lx->n) {
        t->kind = SOL__T_EOF;
        t->len = 0;
        return 0;
    }
    const char *s = lx->s;
    size_t i = lx->pos;
    char c = s[i];
    char c1 = (char)(i + 1 < lx->n ? s[i + 1] : '\0');
    switch (c) {
    case '[':
        t->kind = SOL__T_LBRACK;
        break;
    case ']':
        t->kind = SOL__T_RBRACK;
        break;
    case '(':
        t->kind = SOL__T_LPAREN;
        break;
    case ')':
        t->kind = SOL__T_RPAREN;
        break;
    case ':':
        t->kind = SOL__T_COLON;
        break;
    case ',':
        t->kind = SOL__T_COMMA;
        break;
    case '*':
        t->kind = SOL__T_STAR;
        break;
    case '=':
        /* '==' is read as '=' (the parser warns under strict: §9.6.1 spells it '='). */
        t->kind = SOL__T_EQ;
        t->len = c1 == '=' ? 2 : 1;
        break;
    case '!':
        if (c1 != '=')
            return lex_fail(lx, i, "expected '=' after '!'");
        t->kind = SOL__T_NE;
        t->len = 2;
        break;
    case '<':
        /* '<>' is read as '!=' (the parser warns under strict: §9.6.1 spells it '!='). */
        if (c1 == '>') {
            t->kind = SOL__T_NE;
            t->len = 2;
            break;
        }
        t->kind = c1 == '=' ? SOL__T_LE : SOL__T_LT;
        t->len = c1 == '=' ? 2 : 1;
        break;
    case '>':
        t->kind = c1 == '=' ? SOL__T_GE : SOL__T_GT;
        t->len = c1 == '=' ? 2 : 1;
        break;
    case '.':
        if (is_digit(c1))
            return scan_number(lx, t);
        t->kind = SOL__T_DOT;
        break;
    case '\'': {
        size_t end;
        int rc = scan_quoted(lx, i, i, true, &end);
        if (rc)
            return rc;
        t->kind = SOL__T_STRING;
        t->len = end - i;
        break;
    }
    default:
        if (is_digit(c) || ((c == '-' || c == '+') && (is_digit(c1) || c1 == '.')))
            return scan_number(lx, t);
        if ((c == 'h' || c == 'b' || c == 't') && c1 == '\'') {
            size_t end;
            int rc = scan_quoted(lx, i, i + 1, false, &end);
            if (rc)
                return rc;
            t->kind = c == 'h' ? SOL__T_HEX : c == 'b' ? SOL__T_BINARY : SOL__T_TIME;
            t->len = end - i;
            break;
        }
        if (is_ident_start(c)) {
            size_t j = i + 1;
            while (j < lx->n && is_ident_char(s[j]))
                j++;
            t->kind = SOL__T_IDENT;
            t->len = j - i;
            break;
        }
        {
            char m[120];
            if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
                snprintf(m, sizeof m, "unexpected character '%c'", c);
            else if ((unsigned char)c < 0x20 || c == 0x7f)
                snprintf(m, sizeof m, "unexpected control character 0x%02x", (unsigned char)c);
            else {
                uint32_t cp = 0;
                sol_utf8_decode(s + i, lx->n - i, &cp);
                snprintf(m, sizeof m, "unexpected character U+%04X", (unsigned)cp);
            }
            return lex_fail(lx, i, m);
        }
    }
    lx->pos = i + t->len;
    return 0;
}

const char *
sol__tok_name(enum sol__tok k)
{
    switch (k) {
    case SOL__T_EOF:
        return "end of pattern";
    case SOL__T_LBRACK:
        return "'['";
    case SOL__T_RBRACK:
        return "']'";
    case SOL__T_LPAREN:
        return "'('";
    case SOL__T_RPAREN:
        return "')'";
    case SOL__T_COLON:
        return "':'";
    case SOL__T_DOT:
        return "'.'";
    case SOL__T_COMMA:
        return "','";
    case SOL__T_STAR:
        return "'*'";
    case SOL__T_EQ:
        return "'='";
    case SOL__T_NE:
        return "'!='";
    case SOL__T_LT:
        return "'<'";
    case SOL__T_LE:
        return "'<='";
    case SOL__T_GT:
        return "'>'";
    case SOL__T_GE:
        return "'>='";
    case SOL__T_IDENT:
        return "a name";
    case SOL__T_STRING:
        return "a string";
    case SOL__T_HEX:
        return "a hex constant";
    case SOL__T_BINARY:
        return "a binary constant";
    case SOL__T_TIME:
        return "a timestamp";
    case SOL__T_INT:
        return "an integer";
    case SOL__T_FLOAT:
        return "a float";
    }
    return "a token";
}
