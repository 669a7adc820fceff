/*
 * test_json.c — the JSON layer: parse, errors with their places, limits, reader,
 * writer, ES6 numbers and RFC 8785 canonical form.
 */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "json/json.h"
#include "solidarity/alloc.h"
#include "solidarity/json.h"

static struct sol_json_doc *doc;

/* Parse a NUL-terminated text with the shared doc; NULL on failure. */
static const struct sol_json *
parse(const char *text)
{
    const struct sol_json *root = NULL;
    struct sol_error err;
    if (sol_json_parse(doc, text, strlen(text), &root, &err) != 0) {
        printf("# parse failed: %s\n", err.msg);
        return NULL;
    }
    return root;
}

/* Write v compactly (or pretty) into a static buffer. */
static const char *
written(const struct sol_json *v, bool pretty)
{
    static struct sol_buf b;
    sol_buf_reset(&b);
    struct sol_json_writer w;
    sol_jw_init(&w, &b, pretty);
    sol_jw_value(&w, v);
    sol_buf_putc(&b, '\0');
    return b.oom ? "(oom)" : b.p;
}

static const char *
canonical(const char *text)
{
    static struct sol_buf b;
    const struct sol_json *v = parse(text);
    if (!v)
        return "(parse error)";
    sol_buf_reset(&b);
    if (sol_json_canonical(&b, v) != 0)
        return "(canonical error)";
    sol_buf_putc(&b, '\0');
    return b.p;
}

static void
test_types(void)
{
    const struct sol_json *v = parse(" {\"n\": null, \"t\": true, \"f\": false, \"i\": -12,"
                                     " \"d\": 2.5, \"s\": \"x\", \"a\": [1, [2]], \"o\": {}} ");
    CHECK(v != NULL);
    if (!v)
        return;
    CHECK_INT(sol_json_type(v), SOL_JSON_OBJECT);
    CHECK_INT(v->n, 8);
    CHECK_INT(v->skip, 1 + 8 + 8 + 3); /* the object, 8 keys, 8 values, inside a: 1, [2], 2 */
    CHECK_INT(sol_json_type(sol_json_get(v, "n")), SOL_JSON_NULL);
    CHECK_INT(sol_json_type(sol_json_get(v, "t")), SOL_JSON_BOOL);
    CHECK(sol_json_get(v, "t")->u.b == true);
    CHECK(sol_json_get(v, "f")->u.b == false);
    CHECK_INT(sol_json_type(sol_json_get(v, "i")), SOL_JSON_INT);
    CHECK_INT(sol_json_get(v, "i")->u.i, -12);
    CHECK_INT(sol_json_type(sol_json_get(v, "d")), SOL_JSON_DOUBLE);
    CHECK(sol_json_get(v, "d")->u.d == 2.5);
    CHECK_STRN(sol_json_str(sol_json_get(v, "s")).p, sol_json_str(sol_json_get(v, "s")).n, "x");
    CHECK_INT(sol_json_type(sol_json_get(v, "a")), SOL_JSON_ARRAY);
    CHECK_INT(sol_json_get(v, "a")->n, 2);
    CHECK_INT(sol_json_type(sol_json_get(v, "o")), SOL_JSON_OBJECT);
    CHECK_INT(sol_json_get(v, "o")->n, 0);
    CHECK(sol_json_get(v, "missing") == NULL);
    CHECK(sol_json_get(sol_json_get(v, "a"), "x") == NULL);
    CHECK_STR(sol_json_type_name(SOL_JSON_NULL), "null");
    CHECK_STR(sol_json_type_name(SOL_JSON_BOOL), "boolean");
    CHECK_STR(sol_json_type_name(SOL_JSON_INT), "integer");
    CHECK_STR(sol_json_type_name(SOL_JSON_UINT), "integer");
    CHECK_STR(sol_json_type_name(SOL_JSON_DOUBLE), "number");
    CHECK_STR(sol_json_type_name(SOL_JSON_STRING), "string");
    CHECK_STR(sol_json_type_name(SOL_JSON_ARRAY), "array");
    CHECK_STR(sol_json_type_name(SOL_JSON_OBJECT), "object");
    CHECK_INT(sol_json_type(NULL), 0);
    /* Scalars at the top. */
    CHECK_INT(sol_json_type(parse("null")), SOL_JSON_NULL);
    CHECK_INT(sol_json_type(parse(" \"s\" ")), SOL_JSON_STRING);
    CHECK_INT(sol_json_type(parse("\n7\n")), SOL_JSON_INT);
}

static void
test_numbers(void)
{
    const struct sol_json *v;
    v = parse("9223372036854775807");
    CHECK(v && v->type == SOL_JSON_INT && v->u.i == INT64_MAX);
    v = parse("-9223372036854775808");
    CHECK(v && v->type == SOL_JSON_INT && v->u.i == INT64_MIN);
    v = parse("9223372036854775808");
    CHECK(v && v->type == SOL_JSON_UINT && v->u.u == 9223372036854775808u);
    v = parse("18446744073709551615");
    CHECK(v && v->type == SOL_JSON_UINT && v->u.u == UINT64_MAX);
    v = parse("18446744073709551616");
    CHECK(v && v->type == SOL_JSON_DOUBLE && v->big && v->u.d == 18446744073709551616.0);
    v = parse("-9223372036854775809");
    CHECK(v && v->type == SOL_JSON_DOUBLE && v->big && v->u.d == -9223372036854775808.0);
    v = parse("[1, 123456789012345678901234567890, 2.0, 1e2, -0.0, 3]");
    CHECK(v && v->n == 6);
    if (v) {
        CHECK_INT(sol_json_at(v, 0)->type, SOL_JSON_INT);
        CHECK_INT(sol_json_at(v, 1)->type, SOL_JSON_DOUBLE);
        CHECK(sol_json_at(v, 1)->big);
        CHECK(sol_json_at(v, 1)->u.d == 1.2345678901234568e29);
        CHECK_INT(sol_json_at(v, 2)->type, SOL_JSON_DOUBLE);
        CHECK(!sol_json_at(v, 2)->big);
        CHECK_INT(sol_json_at(v, 3)->type, SOL_JSON_DOUBLE);
        CHECK(sol_json_at(v, 3)->u.d == 100);
        CHECK(signbit(sol_json_at(v, 4)->u.d));
        CHECK_INT(sol_json_at(v, 5)->u.i, 3);
    }
    /* Several big integers, in objects, keep their places. */
    v = parse("{\"a\": 99999999999999999999, \"b\": [5, -99999999999999999999], \"c\": 7}");
    CHECK(v != NULL);
    if (v) {
        CHECK(sol_json_get(v, "a")->big && sol_json_get(v, "a")->u.d == 1e20);
        CHECK(!sol_json_at(sol_json_get(v, "b"), 0)->big);
        CHECK_INT(sol_json_at(sol_json_get(v, "b"), 0)->u.i, 5);
        CHECK(sol_json_at(sol_json_get(v, "b"), 1)->big);
        CHECK(sol_json_at(sol_json_get(v, "b"), 1)->u.d == -1e20);
        CHECK_INT(sol_json_get(v, "c")->u.i, 7);
    }
    CHECK(sol_json_number(parse("-5")) == -5);
    CHECK(sol_json_number(parse("18446744073709551615")) == 18446744073709551615.0);
    CHECK(sol_json_number(parse("0.25")) == 0.25);
    CHECK(sol_json_number(parse("\"5\"")) == 0);
    CHECK(sol_json_is_number(parse("1e-400")) && sol_json_number(parse("1e-400")) == 0);
}

static void
test_strings(void)
{
    const struct sol_json *v =
        parse("[\"a\\u0000b\", \"\\u00e9\\u20ac\\ud83d\\ude00\", \"\xc3\xa9\","
              " \"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\"]");
    CHECK(v != NULL);
    if (!v)
        return;
    const struct sol_json *s = sol_json_at(v, 0);
    CHECK_INT(s->n, 3);
    CHECK(memcmp(s->u.s, "a\0b", 4) == 0); /* with its terminating NUL */
    s = sol_json_at(v, 1);
    CHECK_STRN(s->u.s, s->n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    s = sol_json_at(v, 2);
    CHECK_STRN(s->u.s, s->n, "\xc3\xa9");
    s = sol_json_at(v, 3);
    CHECK_STRN(s->u.s, s->n, "\"\\/\b\f\n\r\t");
    s = sol_json_at(v, 4);
    CHECK_INT(s->n, 0);
    CHECK_STR(s->u.s, "");
    CHECK(sol_json_at(v, 5) == NULL);
    /* Keys with NUL: found only by their full length. */
    v = parse("{\"k\\u0000x\": 1, \"k\": 2}");
    CHECK(v != NULL);
    if (v) {
        CHECK_INT(sol_json_getn(v, "k\0x", 3)->u.i, 1);
        CHECK_INT(sol_json_get(v, "k")->u.i, 2);
    }
}

static void
test_iter(void)
{
    const struct sol_json *v = parse("{\"a\": [1, {\"x\": [2, 3]}, 4], \"b\": \"s\", \"c\": {}}");
    CHECK(v != NULL);
    if (!v)
        return;
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *val;
    const char *keys[3] = {"a", "b", "c"};
    int i = 0;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, &key, &val)) {
        if (i < 3)
            CHECK(sol_str_eqc(key, keys[i]));
        i++;
    }
    CHECK_INT(i, 3);
    const struct sol_json *a = sol_json_get(v, "a");
    int64_t sum = 0;
    i = 0;
    sol_json_iter_init(&it, a);
    while (sol_json_iter_next(&it, &key, &val)) {
        CHECK(key.p == NULL && key.n == 0);
        if (val->type == SOL_JSON_INT)
            sum += val->u.i;
        i++;
    }
    CHECK_INT(i, 3);
    CHECK_INT(sum, 5);
    CHECK_INT(sol_json_at(sol_json_get(sol_json_at(a, 1), "x"), 1)->u.i, 3);
    CHECK_INT(sol_json_at(a, 2)->u.i, 4);
    /* Iterating a scalar or NULL yields nothing; key may be NULL. */
    sol_json_iter_init(&it, sol_json_get(v, "b"));
    CHECK(!sol_json_iter_next(&it, NULL, &val));
    sol_json_iter_init(&it, NULL);
    CHECK(!sol_json_iter_next(&it, NULL, &val));
    sol_json_iter_init(&it, sol_json_get(v, "c"));
    CHECK(!sol_json_iter_next(&it, NULL, &val));
    sol_json_iter_init(&it, v);
    CHECK(sol_json_iter_next(&it, NULL, &val) && val->type == SOL_JSON_ARRAY);
}

/* Are the two texts equal as parsed JSON? (Two docs: values of one doc die on reparse.) */
static int
json_equal_texts(const char *x, const char *y)
{
    struct sol_json_doc *d1 = sol_json_doc_new(NULL), *d2 = sol_json_doc_new(NULL);
    const struct sol_json *a, *b;
    int r = -1;
    if (sol_json_parse(d1, x, strlen(x), &a, NULL) == 0 &&
        sol_json_parse(d2, y, strlen(y), &b, NULL) == 0)
        r = sol_json_equal(a, b);
    sol_json_doc_free(d1);
    sol_json_doc_free(d2);
    return r;
}

static void
test_equal(void)
{
    CHECK_INT(
        json_equal_texts("{\"a\":1,\"b\":[true,null,\"x\"]}", "{\"b\":[true,null,\"x\"],\"a\":1}"),
        1);
    CHECK_INT(json_equal_texts("1", "1.0"), 1);
    CHECK_INT(json_equal_texts("100", "1e2"), 1);
    CHECK_INT(json_equal_texts("1", "1.5"), 0);
    CHECK_INT(json_equal_texts("9007199254740993", "9007199254740992.0"), 0);
    CHECK_INT(json_equal_texts("18446744073709551615", "18446744073709551615"), 1);
    CHECK_INT(json_equal_texts("18446744073709551615", "-1"), 0);
    CHECK_INT(json_equal_texts("[1,2]", "[2,1]"), 0);
    CHECK_INT(json_equal_texts("[1,2]", "[1,2,3]"), 0);
    CHECK_INT(json_equal_texts("{\"a\":1}", "{\"a\":1,\"b\":2}"), 0);
    CHECK_INT(json_equal_texts("{\"a\":1}", "{\"b\":1}"), 0);
    CHECK_INT(json_equal_texts("\"a\\u0000b\"", "\"a\\u0000c\""), 0);
    CHECK_INT(json_equal_texts("\"1\"", "1"), 0);
    CHECK_INT(json_equal_texts("null", "false"), 0);
    CHECK_INT(json_equal_texts("true", "true"), 1);
    CHECK(sol_json_equal(NULL, NULL));
}

struct error_case {
    const char *text;
    int code;
    size_t offset;
    unsigned line, column;
    const char *msg;
};

static const struct error_case error_cases[] = {
    {"", SOL_ESYNTAX, 0, 1, 1, "no JSON value: the input is empty"},
    {"  \n ", SOL_ESYNTAX, 4, 2, 2, "no JSON value: the input is empty"},
    {"{\"a\": 1", SOL_ESYNTAX, 7, 1, 8, "unexpected end of input"},
    {"[1, 2", SOL_ESYNTAX, 5, 1, 6, "unexpected end of input"},
    {"[1,", SOL_ESYNTAX, 3, 1, 4, "unexpected end of input"},
    {"{\"a\"", SOL_ESYNTAX, 4, 1, 5, "unexpected end of input"},
    {"{\"a\":1 \"b\":2}", SOL_ESYNTAX, 7, 1, 8,
     "expected ',' or '}' after an object member, found '\"'"},
    {"[1 2]", SOL_ESYNTAX, 3, 1, 4, "expected ',' or ']' after an array element, found '2'"},
    {"{\"a\" 1}", SOL_ESYNTAX, 5, 1, 6, "expected ':' after an object key, found '1'"},
    {"{1:2}", SOL_ESYNTAX, 1, 1, 2, "expected a string key or '}' after '{', found '1'"},
    {"{\"a\":1,}", SOL_ESYNTAX, 7, 1, 8, "expected a string key after ',', found '}'"},
    {"[1,]", SOL_ESYNTAX, 3, 1, 4, "expected a value, found ']'"},
    {"[\n  1,\n  x\n]", SOL_ESYNTAX, 9, 3, 3, "expected a value, found 'x'"},
    {"\"abc", SOL_ESYNTAX, 0, 1, 1, "unterminated string"},
    {"[\"abc\\", SOL_ESYNTAX, 1, 1, 2, "unterminated string"},
    {"{\"a\":\"x\ny\"}", SOL_ESYNTAX, 7, 1, 8,
     "control character U+000A in a string must be escaped"},
    {"\"tab\there\"", SOL_ESYNTAX, 4, 1, 5, "control character U+0009 in a string must be escaped"},
    {"\"a\\x\"", SOL_ESYNTAX, 2, 1, 3, "invalid escape '\\x'"},
    {"\"\\u12G4\"", SOL_ESYNTAX, 1, 1, 2,
     "invalid escape: \\u must be followed by four hex digits"},
    {"\"\\uD800\"", SOL_ESYNTAX, 1, 1, 2, "lone surrogate \\uD800"},
    {"\"\\uD800\\u0041\"", SOL_ESYNTAX, 1, 1, 2, "lone surrogate \\uD800"},
    {"[\"ok\", \"\\udc00\"]", SOL_ESYNTAX, 8, 1, 9, "lone surrogate \\uDC00"},
    {"\"\xc0\x80\"", SOL_ESYNTAX, 1, 1, 2, "invalid UTF-8 byte 0xC0 in a string"},
    {"\"ab\xff\"", SOL_ESYNTAX, 3, 1, 4, "invalid UTF-8 byte 0xFF in a string"},
    {"\"\xed\xa0\x80\"", SOL_ESYNTAX, 1, 1, 2, "invalid UTF-8 byte 0xED in a string"},
    {"\"\xe2\x82\"", SOL_ESYNTAX, 1, 1, 2, "invalid UTF-8 byte 0xE2 in a string"},
    {"[1] x", SOL_ESYNTAX, 4, 1, 5, "trailing characters after the JSON value"},
    {"{}\n{}", SOL_ESYNTAX, 3, 2, 1, "trailing characters after the JSON value"},
    {"1 2", SOL_ESYNTAX, 2, 1, 3, "trailing characters after the JSON value"},
    {"01", SOL_ESYNTAX, 0, 1, 1, "invalid number: leading zero"},
    {"[-]", SOL_ESYNTAX, 1, 1, 2, "invalid number: expected a digit after '-'"},
    {"1.", SOL_ESYNTAX, 0, 1, 1, "invalid number: expected a digit after '.'"},
    {"[1e+]", SOL_ESYNTAX, 1, 1, 2, "invalid number: expected a digit in the exponent"},
    {"+1", SOL_ESYNTAX, 0, 1, 1, "expected a value, found '+'"},
    {".5", SOL_ESYNTAX, 0, 1, 1, "expected a value, found '.'"},
    {"[1e400]", SOL_ESYNTAX, 1, 1, 2, "number 1e400 is out of range"},
    {"-1e309", SOL_ESYNTAX, 0, 1, 1, "number -1e309 is out of range"},
    {"tru", SOL_ESYNTAX, 0, 1, 1, "invalid literal: expected 'true'"},
    {"[nul]", SOL_ESYNTAX, 1, 1, 2, "invalid literal: expected 'null'"},
    {"falsey", SOL_ESYNTAX, 5, 1, 6, "trailing characters after the JSON value"},
    {"NaN", SOL_ESYNTAX, 0, 1, 1, "expected a value, found 'N'"},
    {"'a'", SOL_ESYNTAX, 0, 1, 1, "expected a value, found '''"},
    {"\xef\xbb\xbf{}", SOL_ESYNTAX, 0, 1, 1, "byte order mark (U+FEFF) before the JSON value"},
    {"[\x01]", SOL_ESYNTAX, 1, 1, 2, "expected a value, found byte 0x01"},
    {"{\"id\": 1, \"x\": 2, \"id\": 3}", SOL_ESYNTAX, 18, 1, 19, "duplicate key \"id\""},
    {"{\"a\": {\"b\": 1, \"b\": 2}, \"a\": 1}", SOL_ESYNTAX, 15, 1, 16, "duplicate key \"b\""},
    {"[{\"a\": 1}, {\"a\": 2, \"c\": 0,\n \"a\": 3}]", SOL_ESYNTAX, 29, 2, 2,
     "duplicate key \"a\""},
    {"{\"a\\u0000\": 1, \"a\\u0000\": 2}", SOL_ESYNTAX, 15, 1, 16, "duplicate key \"a\\u0000\""},
};

static void
test_errors(void)
{
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        const struct error_case *c = &error_cases[i];
        const struct sol_json *root = (const struct sol_json *)1;
        struct sol_error err;
        memset(&err, 0, sizeof(err));
        int rc = sol_json_parse(doc, c->text, strlen(c->text), &root, &err);
        if (rc != c->code || err.offset != c->offset || err.line != c->line ||
            err.column != c->column || strcmp(err.msg, c->msg) != 0 || root != NULL)
            HARNESS_FAIL("case %zu (%s): got %s at %zu (%u:%u) \"%s\", expected %s at %zu "
                         "(%u:%u) \"%s\"",
                         i, c->text, sol_err_name(rc), err.offset, err.line, err.column, err.msg,
                         sol_err_name(c->code), c->offset, c->line, c->column, c->msg);
    }
    /* The doc still works after errors. */
    CHECK(parse("[1]") != NULL);
}

/* Large objects use a sorted duplicate check: it must find the first repeat. */
static void
test_duplicates_large(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_putc(&b, '{');
    for (int i = 0; i < 100; i++)
        sol_buf_printf(&b, "%s\"k%d\": %d", i ? ", " : "", i % 60, i);
    sol_buf_putc(&b, '}');
    const struct sol_json *root;
    struct sol_error err;
    int rc = sol_json_parse(doc, b.p, b.n, &root, &err);
    CHECK_INT(rc, SOL_ESYNTAX);
    CHECK_STR(err.msg, "duplicate key \"k0\"");
    /* "k0": 60 is member 61; its key starts after '{' and 60 members. */
    const char *at = strstr(b.p, "\"k0\": 60");
    CHECK(at != NULL);
    if (at)
        CHECK_INT(err.offset, at - b.p);
    /* Allowed when the limits say so: the members are all there. */
    struct sol_json_limits lim = {0, 0, true};
    struct sol_json_doc *d = sol_json_doc_new(&lim);
    rc = sol_json_parse(d, b.p, b.n, &root, &err);
    CHECK_INT(rc, 0);
    if (rc == 0) {
        CHECK_INT(root->n, 100);
        CHECK_INT(sol_json_get(root, "k0")->u.i, 0); /* the first one */
    }
    rc = sol_json_parse(d, "{\"a\":1,\"a\":2}", 13, &root, &err);
    CHECK_INT(rc, 0);
    sol_json_doc_free(d);
    /* 100 distinct keys are fine. */
    sol_buf_reset(&b);
    sol_buf_putc(&b, '{');
    for (int i = 0; i < 100; i++)
        sol_buf_printf(&b, "%s\"k%d\": %d", i ? ", " : "", i, i);
    sol_buf_putc(&b, '}');
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &root, &err), 0);
    sol_buf_free(&b);
}

static void
nested(struct sol_buf *b, size_t depth, char open, char close)
{
    sol_buf_reset(b);
    for (size_t i = 0; i < depth; i++) {
        if (open == '{')
            sol_buf_puts(b, "{\"a\":");
        else
            sol_buf_putc(b, open);
    }
    sol_buf_puts(b, "1");
    for (size_t i = 0; i < depth; i++)
        sol_buf_putc(b, close);
}

static void
test_limits(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    const struct sol_json *root;
    struct sol_error err;
    /* Depth: 128 by default. */
    nested(&b, 128, '[', ']');
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &root, &err), 0);
    nested(&b, 129, '[', ']');
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &root, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "nesting deeper than 128");
    CHECK_INT(err.offset, 128);
    CHECK_INT(err.column, 129);
    nested(&b, 129, '{', '}');
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &root, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "nesting deeper than 128");
    CHECK_INT(err.offset, 128 * 5);
    /* Hostile depth: far beyond every stack. */
    nested(&b, 200000, '[', ']');
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &root, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "nesting deeper than 128");
    sol_buf_reset(&b);
    for (int i = 0; i < 200000; i++)
        sol_buf_putc(&b, '[');
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &root, &err), SOL_ELIMIT);
    /* A smaller limit. */
    struct sol_json_limits lim = {0, 3, false};
    struct sol_json_doc *d = sol_json_doc_new(&lim);
    CHECK_INT(sol_json_parse(d, "[[[1]]]", 7, &root, &err), 0);
    CHECK_INT(sol_json_parse(d, "[[{\"a\":[]}]]", 12, &root, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "nesting deeper than 3");
    CHECK_INT(err.column, 8);
    sol_json_doc_free(d);
    /* The hard maximum, 1024, with everything that walks a value recursively. */
    lim = (struct sol_json_limits){0, 5000, false};
    d = sol_json_doc_new(&lim);
    nested(&b, 1025, '[', ']');
    CHECK_INT(sol_json_parse(d, b.p, b.n, &root, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "nesting deeper than 1024");
    nested(&b, 1024, '{', '}');
    CHECK_INT(sol_json_parse(d, b.p, b.n, &root, &err), 0);
    if (root) {
        struct sol_buf out;
        sol_buf_init(&out);
        CHECK_INT(sol_json_canonical(&out, root), 0);
        CHECK(out.n == b.n && memcmp(out.p, b.p, b.n) == 0);
        CHECK(sol_json_equal(root, root));
        CHECK_STR(written(root, false), b.p);
        sol_buf_free(&out);
    }
    sol_json_doc_free(d);
    /* Size: a small limit, and a 3 GiB request refused before anything is read. */
    lim = (struct sol_json_limits){10, 0, false};
    d = sol_json_doc_new(&lim);
    CHECK_INT(sol_json_parse(d, "[1,2,3,4]", 9, &root, &err), 0);
    CHECK_INT(sol_json_parse(d, "[1,2,3,4,5]", 11, &root, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "JSON text of 11 bytes is larger than the limit of 10 bytes");
    sol_json_doc_free(d);
    size_t huge = (size_t)3 << 30;
    CHECK_INT(sol_json_parse(doc, "1", huge, &root, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "JSON text of 3221225472 bytes is larger than the limit of 268435456 bytes");
    lim = (struct sol_json_limits){(size_t)1 << 40, 0, false};
    d = sol_json_doc_new(&lim);
    CHECK_INT(sol_json_parse(d, "1", huge + 1, &root, &err), SOL_ELIMIT);
    CHECK_STR(err.msg,
              "JSON text of 3221225473 bytes is larger than the limit of 3221225472 bytes");
    CHECK(root == NULL);
    sol_json_doc_free(d);
    sol_buf_free(&b);
}

/* Every prefix of a document is either a document or a clean error. */
static void
test_truncated(void)
{
    const char *text = "{\"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\\n\", true, null], "
                       "\"b\": {\"c\": false}, \"d\": 12345678901234567890123}";
    size_t n = strlen(text);
    int ok = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sol_json *root;
        struct sol_error err;
        memset(&err, 0, sizeof(err));
        int rc = sol_json_parse(doc, text, i, &root, &err);
        if (rc == 0) {
            ok++;
            continue;
        }
        if (rc != SOL_ESYNTAX || err.offset > i || err.line != 1 || !err.msg[0])
            HARNESS_FAIL("prefix %zu: %s at %zu: %s", i, sol_err_name(rc), err.offset, err.msg);
    }
    CHECK_INT(ok, 0);
    CHECK(parse(text) != NULL);
}

static void
test_parse_file(void)
{
    char path[] = "/tmp/solidarity-json-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    const char *text = "{\"type\": \"bundle\",\n \"objects\": [1, 2,]}";
    CHECK_INT(write(fd, text, strlen(text)), (long long)strlen(text));
    close(fd);
    struct sol_json_doc *d = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err;
    CHECK_INT(sol_json_parse_file(d, path, &root, &err), SOL_ESYNTAX);
    CHECK_STR(err.msg, "expected a value, found ']'");
    CHECK_INT(err.line, 2);
    CHECK_INT(err.column, 19);
    /* Standard input. */
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("[\"from stdin\"]\n", f);
        fclose(f);
    }
    CHECK(freopen(path, "r", stdin) != NULL);
    CHECK_INT(sol_json_parse_file(d, "-", &root, &err), 0);
    CHECK_STR(sol_json_at(root, 0)->u.s, "from stdin");
    /* A byte order mark is skipped in files, and counted in error places. */
    f = fopen(path, "w");
    if (f) {
        fputs("\xEF\xBB\xBF[1,]", f);
        fclose(f);
    }
    CHECK_INT(sol_json_parse_file(d, path, &root, &err), SOL_ESYNTAX);
    CHECK_STR(err.msg, "expected a value, found ']'");
    CHECK_INT(err.offset, 6);
    CHECK_INT(err.column, 7);
    f = fopen(path, "w");
    if (f) {
        fputs("\xEF\xBB\xBF{\"a\": 1}", f);
        fclose(f);
    }
    CHECK_INT(sol_json_parse_file(d, path, &root, &err), 0);
    CHECK_INT(sol_json_get(root, "a")->u.i, 1);
    /* Too large, and missing. */
    struct sol_json_limits lim = {8, 0, false};
    struct sol_json_doc *small = sol_json_doc_new(&lim);
    CHECK_INT(sol_json_parse_file(small, path, &root, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "JSON text is larger than the limit of 8 bytes");
    sol_json_doc_free(small);
    unlink(path);
    CHECK_INT(sol_json_parse_file(d, path, &root, &err), SOL_EIO);
    CHECK_STR(err.msg, "cannot open: No such file or directory");
    CHECK(root == NULL);
    sol_json_doc_free(d);
}

/* Docs in different threads parse at the same time without sharing anything. */
static void *
parse_in_thread(void *arg)
{
    long id = (long)arg;
    struct sol_json_doc *d = sol_json_doc_new(NULL);
    char text[128];
    long bad = 0;
    for (int i = 0; i < 2000 && d; i++) {
        int n =
            snprintf(text, sizeof(text), "{\"thread\": %ld, \"i\": %d, \"s\": \"x%d\"}", id, i, i);
        const struct sol_json *root;
        if (sol_json_parse(d, text, (size_t)n, &root, NULL) != 0 ||
            sol_json_get(root, "thread")->u.i != id || sol_json_get(root, "i")->u.i != i)
            bad++;
    }
    sol_json_doc_free(d);
    return (void *)bad;
}

static void
test_threads(void)
{
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        CHECK_INT(pthread_create(&t[i], NULL, parse_in_thread, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *bad = NULL;
        pthread_join(t[i], &bad);
        CHECK_INT((long)bad, 0);
    }
}

static void
test_reuse_no_alloc(void)
{
    const char *a = "{\"x\": [1, 2, \"abc\", {\"y\": null}], \"z\": \"\\u00e9\"}";
    const char *b = "{\"p\": [3, 4, \"def\", {\"q\": true}], \"r\": \"ok\"}";
    struct sol_json_doc *d = sol_json_doc_new(NULL);
    const struct sol_json *root;
    CHECK_INT(sol_json_parse(d, a, strlen(a), &root, NULL), 0);
    sol_alloc_fail_after(0);
    int rc = sol_json_parse(d, b, strlen(b), &root, NULL);
    long made = sol_alloc_fail_after(-1);
    CHECK_INT(rc, 0);
    CHECK_INT(made, 0);
    CHECK(root && sol_json_get(root, "r") != NULL);
    sol_json_doc_free(d);
}

static void
test_alloc_failures(void)
{
    const char *text = "{\"a\": [1, 2, {\"b\": \"c\"}], \"big\": 123456789012345678901234567890, "
                       "\"s\": \"\\u00e9\"}";
    int k;
    for (k = 0; k < 200; k++) {
        sol_alloc_fail_after(k);
        struct sol_json_doc *d = sol_json_doc_new(NULL);
        int rc = SOL_ENOMEM;
        const struct sol_json *root = NULL;
        struct sol_error err;
        if (d)
            rc = sol_json_parse(d, text, strlen(text), &root, &err);
        sol_alloc_fail_after(-1);
        if (rc != 0 && rc != SOL_ENOMEM)
            HARNESS_FAIL("k=%d: %s", k, sol_err_name(rc));
        if (rc == 0) {
            CHECK(sol_json_get(root, "big")->big);
            sol_json_doc_free(d);
            break;
        }
        sol_json_doc_free(d);
    }
    CHECK(k > 0 && k < 200);
    /* The reader and canonical form under failing allocations. */
    const char *lines = "{\"a\":1}\n[2]\n";
    for (k = 0; k < 200; k++) {
        sol_alloc_fail_after(k);
        struct sol_json_reader *r = sol_json_reader_new_mem(lines, strlen(lines), NULL);
        int rc = SOL_ENOMEM, count = 0;
        const struct sol_json *root;
        if (r)
            while ((rc = sol_json_reader_next(r, &root, NULL, NULL)) == 0)
                count++;
        sol_alloc_fail_after(-1);
        sol_json_reader_free(r);
        if (rc != SOL_EEOF && rc != SOL_ENOMEM)
            HARNESS_FAIL("reader k=%d: %s", k, sol_err_name(rc));
        if (rc == SOL_EEOF) {
            CHECK_INT(count, 2);
            break;
        }
    }
    struct sol_buf b;
    sol_buf_init(&b);
    for (int i = 0; i < 40; i++)
        sol_buf_printf(&b, "%s\"k%02d\":%d", i ? "," : "{", 39 - i, i);
    sol_buf_putc(&b, '}');
    const struct sol_json *root = parse(b.p);
    CHECK(root != NULL);
    for (k = 0; root && k < 50; k++) {
        struct sol_buf out;
        sol_buf_init(&out);
        sol_alloc_fail_after(k);
        int rc = sol_json_canonical(&out, root);
        sol_alloc_fail_after(-1);
        sol_buf_free(&out);
        if (rc != 0 && rc != SOL_ENOMEM)
            HARNESS_FAIL("canonical k=%d: %s", k, sol_err_name(rc));
        if (rc == 0)
            break;
    }
    CHECK(k < 50);
    sol_buf_free(&b);
}

struct record {
    int rc;
    size_t line;
    const char *raw;
    const char *msg; /* error message, or the compact writing of the value */
    unsigned err_line, err_column;
};

/* Read all records of a reader and compare with the expected list. */
static void
check_reader(struct sol_json_reader *r, const struct record *want, size_t nwant, const char *what)
{
    size_t i = 0;
    for (;; i++) {
        const struct sol_json *root;
        struct sol_str raw;
        struct sol_error err;
        memset(&err, 0, sizeof(err));
        int rc = sol_json_reader_next(r, &root, &raw, &err);
        if (rc == SOL_EEOF)
            break;
        if (i >= nwant) {
            HARNESS_FAIL("%s: extra record %zu: %s", what, i, sol_err_name(rc));
            break;
        }
        const struct record *w = &want[i];
        const char *got = rc ? err.msg : written(root, false);
        if (rc != w->rc || sol_json_reader_line(r) != w->line || strcmp(got, w->msg) != 0 ||
            raw.n != strlen(w->raw) || (raw.n && memcmp(raw.p, w->raw, raw.n) != 0) ||
            (rc && (err.line != w->err_line || err.column != w->err_column)))
            HARNESS_FAIL("%s: record %zu: got %s line %zu \"%.*s\" -> %s (%u:%u), expected %s "
                         "line %zu \"%s\" -> %s (%u:%u)",
                         what, i, sol_err_name(rc), sol_json_reader_line(r), (int)raw.n, raw.p, got,
                         err.line, err.column, sol_err_name(w->rc), w->line, w->raw, w->msg,
                         w->err_line, w->err_column);
    }
    if (i != nwant)
        HARNESS_FAIL("%s: %zu records, expected %zu", what, i, nwant);
}

/*
 * The same stream through a FILE*, with the usual buffer and with buffers of 1 to
 * 17 bytes (records then cross refills, moves and growth): the same records.
 */
static void
check_file_reader(const char *text, const struct record *want, size_t nwant,
                  const struct sol_json_limits *lim, const char *what)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    for (size_t cap = 0; cap <= 17; cap++) {
        rewind(f);
        struct sol_json_reader *r = sol_json_reader_new(f, lim);
        if (cap)
            CHECK_INT(sol__json_reader_buffer(r, cap), 0);
        char name[64];
        snprintf(name, sizeof(name), "%s, buffer %zu", what, cap);
        check_reader(r, want, nwant, name);
        sol_json_reader_free(r);
    }
    fclose(f);
}

static const char jsonl_text[] = "{\"a\":1}\n"
                                 "\n"
                                 "  [true]  \r\n"
                                 "{\"a\":2,}\n"
                                 "{\"b\":\"x\ty\"}\n"
                                 "   \n"
                                 "{\"c\":[1,2]}\n"
                                 "7";

static const struct record jsonl_want[] = {
    {0, 1, "{\"a\":1}", "{\"a\":1}", 0, 0},
    {0, 3, "  [true]  ", "[true]", 0, 0},
    {SOL_ESYNTAX, 4, "{\"a\":2,}", "expected a string key after ',', found '}'", 4, 8},
    {SOL_ESYNTAX, 5, "{\"b\":\"x\ty\"}", "control character U+0009 in a string must be escaped", 5,
     8},
    {0, 7, "{\"c\":[1,2]}", "{\"c\":[1,2]}", 0, 0},
    {0, 8, "7", "7", 0, 0},
};

static void
test_reader_lines(void)
{
    size_t nwant = sizeof(jsonl_want) / sizeof(jsonl_want[0]);
    struct sol_json_reader *r = sol_json_reader_new_mem(jsonl_text, strlen(jsonl_text), NULL);
    check_reader(r, jsonl_want, nwant, "memory");
    sol_json_reader_free(r);

    check_file_reader(jsonl_text, jsonl_want, nwant, NULL, "file");
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(jsonl_text, f);
    rewind(f);
    r = sol_json_reader_new(f, NULL);
    check_reader(r, jsonl_want, nwant, "file");
    /* At the end it stays at the end. */
    const struct sol_json *root;
    CHECK_INT(sol_json_reader_next(r, &root, NULL, NULL), SOL_EEOF);
    sol_json_reader_free(r);
    fclose(f);

    /* A byte order mark before the first line is skipped, and counted in columns. */
    static const struct record bom_want[] = {
        {SOL_ESYNTAX, 1, "[1,]", "expected a value, found ']'", 1, 7},
        {0, 2, "{\"a\":1}", "{\"a\":1}", 0, 0},
        {SOL_ESYNTAX, 3, "{\"b\":,}", "expected a value, found ','", 3, 6},
    };
    const char *bom = "\xEF\xBB\xBF[1,]\n{\"a\":1}\n{\"b\":,}\n";
    r = sol_json_reader_new_mem(bom, strlen(bom), NULL);
    check_reader(r, bom_want, 3, "bom memory");
    sol_json_reader_free(r);
    f = tmpfile();
    if (f) {
        fputs(bom, f);
        rewind(f);
        r = sol_json_reader_new(f, NULL);
        check_reader(r, bom_want, 3, "bom file");
        sol_json_reader_free(r);
        fclose(f);
    }

    /* Empty input, and only blank lines. */
    r = sol_json_reader_new_mem("", 0, NULL);
    CHECK_INT(sol_json_reader_next(r, &root, NULL, NULL), SOL_EEOF);
    sol_json_reader_free(r);
    r = sol_json_reader_new_mem("\n \n\r\n", 5, NULL);
    CHECK_INT(sol_json_reader_next(r, &root, NULL, NULL), SOL_EEOF);
    sol_json_reader_free(r);

    /* Numbers at the end of a line, with digits on the next: the padding does not leak in. */
    static const struct record numbers_want[] = {
        {0, 1, "12", "12", 0, 0},
        {0, 2, "345", "345", 0, 0},
        {0, 3, "true", "true", 0, 0},
        {0, 4, "6.5", "6.5", 0, 0},
    };
    const char *numbers = "12\n345\ntrue\n6.5\n";
    r = sol_json_reader_new_mem(numbers, strlen(numbers), NULL);
    check_reader(r, numbers_want, 4, "numbers");
    sol_json_reader_free(r);

    /* A line over the limit is one error; the lines after it come out. */
    struct sol_json_limits lim = {16, 0, false};
    static const struct record long_want[] = {
        {0, 1, "[1]", "[1]", 0, 0},
        {SOL_ELIMIT, 2, "", "line longer than the limit of 16 bytes", 2, 1},
        {0, 3, "[2]", "[2]", 0, 0},
    };
    const char *longl = "[1]\n[1,2,3,4,5,6,7,8,9]\n[2]\n";
    r = sol_json_reader_new_mem(longl, strlen(longl), &lim);
    check_reader(r, long_want, 3, "long line");
    sol_json_reader_free(r);
    check_file_reader(longl, long_want, 3, &lim, "long line file");
    check_file_reader(bom, bom_want, 3, NULL, "bom file");
    check_file_reader(numbers, numbers_want, 4, NULL, "numbers file");
}

/* A line longer than the limit and than the reader's buffer is skipped, in bounded memory. */
static void
test_reader_long_line_file(void)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("[1]\n[", f);
    for (int i = 0; i < 1500000; i++)
        fputs("1,", f);
    fputs("1]\n[2]\n[", f);
    for (int i = 0; i < 1500000; i++)
        fputs("1,", f);
    rewind(f);
    struct sol_json_limits lim = {(size_t)1 << 20, 0, false};
    struct sol_json_reader *r = sol_json_reader_new(f, &lim);
    const struct sol_json *root;
    struct sol_error err;
    CHECK_INT(sol_json_reader_next(r, &root, NULL, &err), 0);
    CHECK_INT(sol_json_reader_next(r, &root, NULL, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "line longer than the limit of 1048576 bytes");
    CHECK_INT(err.line, 2);
    CHECK_INT(sol_json_reader_line(r), 2);
    CHECK_INT(sol_json_reader_next(r, &root, NULL, &err), 0);
    CHECK_INT(sol_json_reader_line(r), 3);
    CHECK(root && root->type == SOL_JSON_ARRAY && sol_json_at(root, 0)->u.i == 2);
    /* The last line, without its newline, is over the limit too. */
    CHECK_INT(sol_json_reader_next(r, &root, NULL, &err), SOL_ELIMIT);
    CHECK_INT(err.line, 4);
    CHECK_INT(sol_json_reader_next(r, &root, NULL, &err), SOL_EEOF);
    sol_json_reader_free(r);
    fclose(f);
}

/* A stream larger than the reader's block, through a FILE*: every record, in order. */
static void
test_reader_big_file(void)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    const int count = 40000;
    for (int i = 0; i < count; i++) {
        if (i == 20000)
            fprintf(f, "{\"ts\": %d, \"broken\": }\n", i);
        else
            fprintf(f, "{\"ts\": %d, \"query\": \"host%d.example.com\", \"pad\": \"%s\"}\n", i, i,
                    "................................................................");
    }
    rewind(f);
    struct sol_json_reader *r = sol_json_reader_new(f, NULL);
    const struct sol_json *root;
    struct sol_str raw;
    struct sol_error err;
    int rc, n = 0, bad = 0, order_ok = 1;
    while ((rc = sol_json_reader_next(r, &root, &raw, &err)) != SOL_EEOF) {
        if (rc) {
            bad++;
            CHECK_INT(err.line, 20001);
            CHECK_INT(sol_json_reader_line(r), 20001);
            CHECK_STR(err.msg, "expected a value, found '}'");
        } else if (sol_json_get(root, "ts")->u.i != n || sol_json_reader_line(r) != (size_t)n + 1) {
            order_ok = 0;
        }
        n++;
    }
    CHECK_INT(n, count);
    CHECK_INT(bad, 1);
    CHECK(order_ok);
    sol_json_reader_free(r);
    fclose(f);
}

static void
test_reader_texts(void)
{
    const char *text = "{\n"
                       "  \"a\": 1,\n"
                       "  \"b\": [\n"
                       "    \"}{\\\"\"\n"
                       "  ]\n"
                       "}\n"
                       "\n"
                       "{\"c\": 2}{\"d\": 3}\n"
                       "[\n"
                       "  1,\n"
                       "  x\n"
                       "]\n"
                       "{\n"
                       "  \"e\": true\n"
                       "}\n"
                       "{\n"
                       "\"f\": 1}  {\"g\": x}\n";
    static const struct record want[] = {
        {0, 1, "{\n  \"a\": 1,\n  \"b\": [\n    \"}{\\\"\"\n  ]\n}", "{\"a\":1,\"b\":[\"}{\\\"\"]}",
         0, 0},
        {0, 8, "{\"c\": 2}", "{\"c\":2}", 0, 0},
        {0, 8, "{\"d\": 3}", "{\"d\":3}", 0, 0},
        {SOL_ESYNTAX, 9, "[\n  1,\n  x\n]", "expected a value, found 'x'", 11, 3},
        {0, 13, "{\n  \"e\": true\n}", "{\"e\":true}", 0, 0},
        {0, 16, "{\n\"f\": 1}", "{\"f\":1}", 0, 0},
        {SOL_ESYNTAX, 17, "{\"g\": x}", "expected a value, found 'x'", 17, 16},
    };
    struct sol_json_reader *r = sol_json_reader_new_mem(text, strlen(text), NULL);
    check_reader(r, want, sizeof(want) / sizeof(want[0]), "texts");
    sol_json_reader_free(r);
    /* JSON lines whose first line is cut short stay JSON lines. */
    static const struct record cut[] = {
        {SOL_ESYNTAX, 1, "{\"a\": [1,", "unexpected end of input", 1, 10},
        {0, 2, "{\"b\": 1}", "{\"b\":1}", 0, 0},
        {SOL_ESYNTAX, 3, "{\"c\":", "unexpected end of input", 3, 6},
        {0, 4, "[2]", "[2]", 0, 0},
    };
    const char *cut_text = "{\"a\": [1,\n{\"b\": 1}\n{\"c\":\n[2]\n";
    r = sol_json_reader_new_mem(cut_text, strlen(cut_text), NULL);
    check_reader(r, cut, 4, "cut first line");
    check_file_reader(cut_text, cut, 4, NULL, "cut first line file");
    check_file_reader(text, want, sizeof(want) / sizeof(want[0]), NULL, "texts file");
    /* A text longer than the limit is one error; the texts after it come out. */
    struct sol_json_limits lim = {12, 0, false};
    static const struct record long_texts[] = {
        {0, 1, "{\n\"a\": 1}", "{\"a\":1}", 0, 0},
        {SOL_ELIMIT, 3, "", "JSON text longer than the limit of 12 bytes", 3, 3},
        {0, 5, "[2]", "[2]", 0, 0},
        {SOL_ELIMIT, 6, "", "JSON text longer than the limit of 12 bytes", 6, 1},
    };
    const char *long_text = "{\n\"a\": 1}\n  {\"s\": \"abcdefghijkl\"\n}\n[2]\n[1, 2, 3, 4, 5, 6";
    sol_json_reader_free(r);
    r = sol_json_reader_new_mem(long_text, strlen(long_text), &lim);
    check_reader(r, long_texts, 4, "long texts");
    check_file_reader(long_text, long_texts, 4, &lim, "long texts file");
    sol_json_reader_free(r);
    FILE *f = tmpfile();
    if (!f)
        return;
    fputs(text, f);
    rewind(f);
    r = sol_json_reader_new(f, NULL);
    check_reader(r, want, sizeof(want) / sizeof(want[0]), "texts file");
    sol_json_reader_free(r);
    fclose(f);
}

static const char *
escaped(const char *s, size_t n)
{
    static struct sol_buf b;
    sol_buf_reset(&b);
    sol_json_escape(&b, s, n);
    sol_buf_putc(&b, '\0');
    return b.p;
}

static void
test_escape(void)
{
    CHECK_STR(escaped("abc", 3), "\"abc\"");
    CHECK_STR(escaped("", 0), "\"\"");
    CHECK_STR(escaped("\"\\/", 3), "\"\\\"\\\\/\"");
    CHECK_STR(escaped("\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
    CHECK_STR(escaped("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\x7f\"");
    CHECK_STR(escaped("a\0b", 3), "\"a\\u0000b\"");
    CHECK_STR(escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
              "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* U+2028 and U+2029 are not escaped by RFC 8785. */
    CHECK_STR(escaped("\xe2\x80\xa8", 3), "\"\xe2\x80\xa8\"");
    /* Invalid UTF-8: each bad byte becomes U+FFFD. */
    CHECK_STR(escaped("a\xff"
                      "b",
                      3),
              "\"a\xef\xbf\xbd"
              "b\"");
    CHECK_STR(escaped("\xc0\x80", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    CHECK_STR(escaped("\xed\xa0\x80", 3), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    CHECK_STR(escaped("\xe2\x82", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
}

static const char *
fmt_double(double d)
{
    static struct sol_buf b;
    sol_buf_reset(&b);
    sol_json_format_double(&b, d);
    sol_buf_putc(&b, '\0');
    return b.p;
}

static double
from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

static void
test_format_double(void)
{
    CHECK_STR(fmt_double(0.1), "0.1");
    CHECK_STR(fmt_double(1e21), "1e+21");
    CHECK_STR(fmt_double(1e-7), "1e-7");
    CHECK_STR(fmt_double(5e-324), "5e-324");
    CHECK_STR(fmt_double(1.7976931348623157e308), "1.7976931348623157e+308");
    CHECK_STR(fmt_double(-0.0), "0");
    CHECK_STR(fmt_double(0.0), "0");
    CHECK_STR(fmt_double(100), "100");
    CHECK_STR(fmt_double(1e20), "100000000000000000000");
    CHECK_STR(fmt_double(123.0), "123");
    CHECK_STR(fmt_double(0.000001), "0.000001");
    CHECK_STR(fmt_double(1.5e-7), "1.5e-7");
    CHECK_STR(fmt_double(-2.5), "-2.5");
    CHECK_STR(fmt_double(123456.789), "123456.789");
    CHECK_STR(fmt_double(0.30000000000000004), "0.30000000000000004");
    CHECK_STR(fmt_double(NAN), "null");
    CHECK_STR(fmt_double(INFINITY), "null");
    CHECK_STR(fmt_double(-INFINITY), "null");
    /* RFC 8785 Appendix B: IEEE 754 bit patterns and their ES6 forms. */
    static const struct {
        uint64_t bits;
        const char *want;
    } rfc[] = {
        {0x0000000000000000, "0"},
        {0x8000000000000000, "0"},
        {0x0000000000000001, "5e-324"},
        {0x8000000000000001, "-5e-324"},
        {0x7fefffffffffffff, "1.7976931348623157e+308"},
        {0xffefffffffffffff, "-1.7976931348623157e+308"},
        {0x4340000000000000, "9007199254740992"},
        {0xc340000000000000, "-9007199254740992"},
        {0x4430000000000000, "295147905179352830000"},
        {0x44b52d02c7e14af5, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6, "1e+23"},
        {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4e, "999999999999999700000"},
        {0x444b1ae4d6e2ef4f, "999999999999999900000"},
        {0x444b1ae4d6e2ef50, "1e+21"},
        {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8d, "0.000001"},
        {0x41b3de4355555553, "333333333.3333332"},
        {0x41b3de4355555554, "333333333.33333325"},
        {0x41b3de4355555555, "333333333.3333333"},
        {0x41b3de4355555556, "333333333.3333334"},
        {0x41b3de4355555557, "333333333.33333343"},
        {0xbecbf647612f3696, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959, "1424953923781206.2"},
    };
    for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
        const char *got = fmt_double(from_bits(rfc[i].bits));
        if (strcmp(got, rfc[i].want) != 0)
            HARNESS_FAIL("0x%016" PRIx64 ": got %s, expected %s", rfc[i].bits, got, rfc[i].want);
    }
    /*
     * Powers of two, where the values that read back reach twice as far above as
     * below: the correctly rounded digits at a precision may fail where the next
     * ones up succeed (these came out one digit too long before).
     */
    static const struct {
        double d;
        const char *want;
    } pow2[] = {
        {7.120236347223045e-307, "7.120236347223045e-307"},
        {7.291122019556398e-304, "7.291122019556398e-304"},
        {8.209073602596753e-289, "8.209073602596753e-289"},
        {5.641232424577593e-278, "5.641232424577593e-278"},
        {5.858190679279809e-244, "5.858190679279809e-244"},
        {6.290184345309701e-235, "6.290184345309701e-235"},
        {5.940911144672375e-213, "5.940911144672375e-213"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {9223372036854775808.0, "9223372036854776000"},
        {8.98846567431158e307, "8.98846567431158e+307"},
    };
    for (size_t i = 0; i < sizeof(pow2) / sizeof(pow2[0]); i++)
        CHECK_STR(fmt_double(pow2[i].d), pow2[i].want);
    /* Round trip over many values. */
    uint64_t x = 0x9e3779b97f4a7c15u;
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d = from_bits(x);
        if (isnan(d) || isinf(d))
            continue;
        if (strtod(fmt_double(d), NULL) != d)
            bad++;
    }
    CHECK_INT(bad, 0);
}

static void
test_writer(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    struct sol_json_writer w;
    sol_jw_init(&w, &b, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "a");
    sol_jw_int(&w, -1);
    sol_jw_key(&w, "b");
    sol_jw_array_begin(&w);
    sol_jw_uint(&w, UINT64_MAX);
    sol_jw_double(&w, 0.5);
    sol_jw_double(&w, 1844674407370955264.0); /* all digits, not ES6's ...300 */
    sol_jw_double(&w, -1e21);
    sol_jw_bool(&w, true);
    sol_jw_bool(&w, false);
    sol_jw_null(&w);
    sol_jw_string(&w, "q\"");
    sol_jw_stringn(&w, "n\0", 2);
    sol_jw_array_begin(&w);
    sol_jw_array_end(&w);
    sol_jw_object_begin(&w);
    sol_jw_object_end(&w);
    sol_jw_raw(&w, "{\"r\":1}", 7);
    sol_jw_array_end(&w);
    sol_jw_keyn(&w, "k\n", 2);
    sol_jw_double(&w, NAN);
    sol_jw_object_end(&w);
    CHECK_STR(b.p, "{\"a\":-1,\"b\":[18446744073709551615,0.5,1844674407370955264,-1e+21,true,"
                   "false,null,\"q\\\"\","
                   "\"n\\u0000\",[],{},{\"r\":1}],\"k\\n\":null}");
    /* Pretty: two spaces, empty containers stay on one line. */
    sol_buf_reset(&b);
    sol_jw_init(&w, &b, true);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "a");
    sol_jw_array_begin(&w);
    sol_jw_int(&w, 1);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "b");
    sol_jw_null(&w);
    sol_jw_object_end(&w);
    sol_jw_array_end(&w);
    sol_jw_key(&w, "c");
    sol_jw_array_begin(&w);
    sol_jw_array_end(&w);
    sol_jw_object_end(&w);
    CHECK_STR(b.p, "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": []\n}");
    /* Several top-level values: one per line. */
    sol_buf_reset(&b);
    sol_jw_init(&w, &b, false);
    sol_jw_int(&w, 1);
    sol_jw_object_begin(&w);
    sol_jw_object_end(&w);
    CHECK_STR(b.p, "1\n{}");
    /* Deeper than 64 levels still writes correct JSON, pretty or not. */
    struct sol_buf c;
    sol_buf_init(&c);
    for (int pretty = 0; pretty < 2; pretty++) {
        struct sol_buf *out = pretty ? &b : &c;
        sol_buf_reset(out);
        sol_jw_init(&w, out, pretty);
        sol_jw_array_begin(&w);
        for (int i = 0; i < 99; i++) {
            sol_jw_array_begin(&w);
            sol_jw_int(&w, i);
        }
        for (int i = 0; i < 99; i++) {
            sol_jw_array_end(&w);
            sol_jw_int(&w, i);
        }
        sol_jw_array_end(&w);
    }
    CHECK_INT(w.depth, 0);
    CHECK(strncmp(c.p, "[[0,[1,[2,", 10) == 0);
    CHECK(c.n > 7 && strcmp(c.p + c.n - 7, "97],98]") == 0);
    struct sol_json_limits deep = {0, 200, false};
    struct sol_json_doc *d = sol_json_doc_new(&deep), *d2 = sol_json_doc_new(&deep);
    const struct sol_json *root, *root2;
    struct sol_error err;
    CHECK_INT(sol_json_parse(d, b.p, b.n, &root, &err), 0);
    CHECK_INT(sol_json_parse(d2, c.p, c.n, &root2, &err), 0);
    CHECK(sol_json_equal(root, root2));
    CHECK_INT(root->n, 2);
    CHECK_INT(root->skip, 1 + 99 * 3); /* the arrays, an integer in each, one after each */
    sol_json_doc_free(d2);
    sol_buf_free(&c);
    sol_json_doc_free(d);
    sol_buf_free(&b);
}

static void
test_canonical(void)
{
    /* RFC 8785 §3.2.2: the sample input and its canonical form. */
    CHECK_STR(
        canonical("{\n"
                  "  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
                  "              2e-3, 0.000000000000000000000000001],\n"
                  "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
                  "  \"literals\": [null, true, false]\n"
                  "}"),
        "{\"literals\":[null,true,false],"
        "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
    /* RFC 8785 §3.2.3: sorting by UTF-16 code units (U+1F600 sorts before U+FB33). */
    CHECK_STR(canonical("{\n"
                        "  \"\\u20ac\": \"Euro Sign\",\n"
                        "  \"\\r\": \"Carriage Return\",\n"
                        "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
                        "  \"1\": \"One\",\n"
                        "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
                        "  \"\\u0080\": \"Control\",\n"
                        "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
                        "}"),
              "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
              "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
              "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
              "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
    /* Prefixes sort first; nested objects are sorted too; integers become doubles. */
    CHECK_STR(canonical("{\"ab\":1,\"a\":{\"z\":[],\"y\":{}},\"\":null}"),
              "{\"\":null,\"a\":{\"y\":{},\"z\":[]},\"ab\":1}");
    CHECK_STR(canonical("[9007199254740993, 18446744073709551615, -0, 1e21, 100]"),
              "[9007199254740992,18446744073709552000,0,1e+21,100]");
    CHECK_STR(canonical(" \"x\" "), "\"x\"");
    /* A large object (sorted with a heap array). */
    struct sol_buf b;
    sol_buf_init(&b);
    for (int i = 0; i < 30; i++)
        sol_buf_printf(&b, "%s\"k%02d\":%d", i ? "," : "{", 29 - i, i);
    sol_buf_putc(&b, '}');
    const char *c = canonical(b.p);
    CHECK(strncmp(c, "{\"k00\":29,\"k01\":28,", 19) == 0);
    sol_buf_free(&b);
}

/* Parse, write (compact and pretty) and canonicalise, reparse: equal every time. */
static int
round_trip(const char *path)
{
    struct sol_json_doc *d1 = sol_json_doc_new(NULL), *d2 = sol_json_doc_new(NULL);
    const struct sol_json *a, *b;
    struct sol_error err;
    struct sol_buf out;
    sol_buf_init(&out);
    int failed = 0;
    if (sol_json_parse_file(d1, path, &a, &err) != 0) {
        /* The validator's examples of broken JSON must fail; nothing else may. */
        failed = strstr(path, "/invalid_") == NULL;
        printf("# %s: line %u, column %u: %s%s\n", path, err.line, err.column, err.msg,
               failed ? "" : " (expected)");
        goto done;
    }
    for (int mode = 0; mode < 3 && !failed; mode++) {
        sol_buf_reset(&out);
        if (mode == 2) {
            if (sol_json_canonical(&out, a) != 0)
                failed = 1;
        } else {
            struct sol_json_writer w;
            sol_jw_init(&w, &out, mode == 1);
            sol_jw_value(&w, a);
        }
        if (failed || sol_json_parse(d2, out.p, out.n, &b, &err) != 0 || !sol_json_equal(a, b)) {
            printf("# %s: mode %d does not round-trip: %s\n", path, mode, err.msg);
            failed = 1;
        }
    }
done:
    sol_buf_free(&out);
    sol_json_doc_free(d1);
    sol_json_doc_free(d2);
    return failed;
}

static int
walk(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int failed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            failed |= walk(path, count);
            continue;
        }
        size_t n = strlen(e->d_name);
        if ((n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) ||
            (n > 6 && strcmp(e->d_name + n - 6, ".stix2") == 0)) {
            (*count)++;
            failed |= round_trip(path);
        }
    }
    closedir(d);
    return failed;
}

static void
test_round_trip_shared_data(void)
{
    const char *dir = "../../shared/data";
    struct stat st;
    if (stat(dir, &st) != 0) {
        harness_report("test_round_trip_shared_data # SKIP ../../shared/data is absent", 0);
        return;
    }
    int count = 0;
    int failed = walk(dir, &count);
    printf("# %d files round-tripped\n", count);
    harness_report("test_round_trip_shared_data", failed || count == 0);
}

int
main(void)
{
    doc = sol_json_doc_new(NULL);
    RUN(test_types);
    RUN(test_numbers);
    RUN(test_strings);
    RUN(test_iter);
    RUN(test_equal);
    RUN(test_errors);
    RUN(test_duplicates_large);
    RUN(test_limits);
    RUN(test_truncated);
    RUN(test_parse_file);
    RUN(test_threads);
    RUN(test_reuse_no_alloc);
    RUN(test_alloc_failures);
    RUN(test_reader_lines);
    RUN(test_reader_big_file);
    RUN(test_reader_long_line_file);
    RUN(test_reader_texts);
    RUN(test_escape);
    RUN(test_format_double);
    RUN(test_writer);
    RUN(test_canonical);
    test_round_trip_shared_data();
    sol_json_doc_free(doc);
    return harness_done();
}
