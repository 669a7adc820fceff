/*
 * json.cc — the JSON parser: simdjson's DOM parser behind the C API of json.h.
 *
 * This is the only C++ file of the project. simdjson parses (and validates UTF-8);
 * we convert its DOM into our flat node array, copying strings into an arena owned
 * by the doc. The doc keeps the simdjson parser, the node array, the arena and the
 * padded copy of the input, and reuses them: after warm-up, a parse of a document of
 * similar size allocates nothing. simdjson runs with its error-code API: no C++
 * exception crosses into C.
 *
 * When simdjson fails it only gives a code; the C checker (locate.c) then runs over
 * the same bytes to say where and why. simdjson 3.0.1 refuses integers that do not
 * fit 64 bits with NUMBER_ERROR; JSON allows them, so when the checker finds the text
 * valid with such integers, we parse a copy where each of them gets a ".0" suffix
 * (which makes simdjson read it as a double) and mark their nodes ->big.
 */
#define SIMDJSON_EXCEPTIONS 0
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

extern "C" {
#include "json/json.h"
#include "solidarity/alloc.h"
}

static_assert(SOL__JSON_PADDING >= simdjson::SIMDJSON_PADDING, "padding too small");

/* One key of an object, for the duplicate check of large objects. */
struct key_ref {
    const char *p;
    uint32_t n;
    uint32_t node;
};

struct sol_json_doc {
    simdjson::dom::parser parser;
    struct sol_json_limits lim;

    struct sol_json *nodes = nullptr; /* the node array of the last parse */
    size_t nn = 0, ncap = 0;
    char *arena = nullptr; /* the strings of the last parse */
    size_t an = 0, acap = 0;
    char *pad = nullptr; /* a padded copy of the input (sol_json_parse) */
    size_t padcap = 0;
    char *patch = nullptr; /* the input with ".0" after each big integer */
    size_t patchcap = 0;
    key_ref *keys = nullptr; /* scratch for the duplicate check */
    size_t kcap = 0;
    size_t *bigs = nullptr; /* nodes (and end offsets) of big integers */
    size_t *big_ends = nullptr;
    size_t bigcap = 0;

    /* state of one conversion */
    size_t nbig = 0, bigi = 0;
    size_t dup_node = SIZE_MAX; /* first duplicate key found (node number) */
    bool too_deep = false;
    bool nomem = false;
};

extern "C" void
sol__json_limits_resolve(const struct sol_json_limits *in, struct sol_json_limits *out)
{
    struct sol_json_limits l = {0, 0, false};
    if (in)
        l = *in;
    if (l.max_bytes == 0)
        l.max_bytes = SOL__JSON_MAX_BYTES_DEFAULT;
    if (l.max_bytes > SOL__JSON_MAX_BYTES_HARD)
        l.max_bytes = SOL__JSON_MAX_BYTES_HARD;
    if (l.max_depth == 0)
        l.max_depth = SOL__JSON_MAX_DEPTH_DEFAULT;
    if (l.max_depth > SOL__JSON_MAX_DEPTH_HARD)
        l.max_depth = SOL__JSON_MAX_DEPTH_HARD;
    *out = l;
}

/*
 * A new doc. The simdjson parser allocates its buffers on the first parse (with
 * operator new, which we cannot route through sol_malloc); everything else is ours.
 */
extern "C" SOL_API struct sol_json_doc *
sol_json_doc_new(const struct sol_json_limits *limits)
{
    void *mem = sol_malloc(sizeof(struct sol_json_doc));
    if (!mem)
        return nullptr;
    struct sol_json_doc *doc = new (mem) sol_json_doc();
    sol__json_limits_resolve(limits, &doc->lim);
    return doc;
}

extern "C" SOL_API void
sol_json_doc_free(struct sol_json_doc *doc)
{
    if (!doc)
        return;
    sol_free(doc->nodes);
    sol_free(doc->arena);
    sol_free(doc->pad);
    sol_free(doc->patch);
    sol_free(doc->keys);
    sol_free(doc->bigs);
    sol_free(doc->big_ends);
    doc->~sol_json_doc();
    sol_free(doc);
}

extern "C" const struct sol_json_limits *
sol__json_doc_limits(const struct sol_json_doc *doc)
{
    return &doc->lim;
}

/* Make room for want bytes in *buf (capacity *cap). Keeps the contents only when keep. */
static bool
grow(char **buf, size_t *cap, size_t want)
{
    if (want <= *cap)
        return true;
    size_t c = *cap ? *cap : 4096;
    while (c < want)
        c = c > SIZE_MAX / 2 ? want : c * 2;
    char *p = static_cast<char *>(sol_realloc(*buf, c));
    if (!p)
        return false;
    *buf = p;
    *cap = c;
    return true;
}

/* A new node at the end of the array: its index, or SIZE_MAX when out of memory. */
static inline size_t
push(struct sol_json_doc *doc)
{
    if (simdjson_unlikely(doc->nn == doc->ncap)) {
        size_t c = doc->ncap ? doc->ncap * 2 : 1024;
        void *p = sol_realloc(doc->nodes, c * sizeof(struct sol_json));
        if (!p) {
            doc->nomem = true;
            return SIZE_MAX;
        }
        doc->nodes = static_cast<struct sol_json *>(p);
        doc->ncap = c;
    }
    size_t i = doc->nn++;
    doc->nodes[i].big = false;
    doc->nodes[i].skip = 1;
    return i;
}

/* Copy a string into the arena (reserved large enough up front) and return it. */
static inline const char *
keep_string(struct sol_json_doc *doc, const char *s, size_t n)
{
    char *d = doc->arena + doc->an;
    std::memcpy(d, s, n);
    d[n] = '\0';
    doc->an += n + 1;
    return d;
}

static bool
key_equal(const struct sol_json *a, const struct sol_json *b)
{
    return a->n == b->n && std::memcmp(a->u.s, b->u.s, a->n) == 0;
}

static int
key_ref_cmp(const void *x, const void *y)
{
    const key_ref *a = static_cast<const key_ref *>(x), *b = static_cast<const key_ref *>(y);
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    int c = std::memcmp(a->p, b->p, a->n);
    if (c)
        return c;
    return a->node < b->node ? -1 : a->node > b->node;
}

/*
 * Find the first repeated key of the object at node obj (m members) and remember
 * it in doc->dup_node when it comes before any found so far. Small objects compare
 * all pairs; large ones sort their keys.
 */
static void
check_duplicates(struct sol_json_doc *doc, size_t obj, uint32_t m)
{
    const struct sol_json *nodes = doc->nodes;
    if (m < 2)
        return;
    if (m <= 16) {
        size_t at[16];
        size_t k = obj + 1;
        for (uint32_t j = 0; j < m; j++) {
            at[j] = k;
            k += 1 + nodes[k + 1].skip;
        }
        for (uint32_t j = 1; j < m; j++)
            for (uint32_t i = 0; i < j; i++)
                if (key_equal(&nodes[at[i]], &nodes[at[j]])) {
                    if (at[j] < doc->dup_node)
                        doc->dup_node = at[j];
                    return;
                }
        return;
    }
    if (m > doc->kcap) {
        void *p = sol_realloc(doc->keys, m * sizeof(key_ref));
        if (!p) {
            doc->nomem = true;
            return;
        }
        doc->keys = static_cast<key_ref *>(p);
        doc->kcap = m;
    }
    size_t k = obj + 1;
    for (uint32_t j = 0; j < m; j++) {
        doc->keys[j] = key_ref{nodes[k].u.s, nodes[k].n, static_cast<uint32_t>(k)};
        k += 1 + nodes[k + 1].skip;
    }
    std::qsort(doc->keys, m, sizeof(key_ref), key_ref_cmp);
    for (uint32_t j = 1; j < m; j++) {
        const key_ref &a = doc->keys[j - 1], &b = doc->keys[j];
        /* Sorted by text, then by node: in a run of equal keys, all but the first repeat. */
        if (a.n == b.n && std::memcmp(a.p, b.p, a.n) == 0)
            if (b.node < doc->dup_node)
                doc->dup_node = b.node;
    }
}

/* Convert the simdjson element e (at nesting depth depth) and its subtree into nodes. */
static void
convert(struct sol_json_doc *doc, simdjson::dom::element e, size_t depth)
{
    using simdjson::dom::element_type;
    size_t i = push(doc);
    if (i == SIZE_MAX)
        return;
    struct sol_json *v = &doc->nodes[i];
    switch (e.type()) {
    case element_type::NULL_VALUE:
        v->type = SOL_JSON_NULL;
        v->n = 0;
        return;
    case element_type::BOOL:
        v->type = SOL_JSON_BOOL;
        v->n = 0;
        v->u.b = e.get_bool().value_unsafe();
        return;
    case element_type::INT64:
        v->type = SOL_JSON_INT;
        v->n = 0;
        v->u.i = e.get_int64().value_unsafe();
        return;
    case element_type::UINT64:
        v->type = SOL_JSON_UINT;
        v->n = 0;
        v->u.u = e.get_uint64().value_unsafe();
        return;
    case element_type::DOUBLE:
        v->type = SOL_JSON_DOUBLE;
        v->n = 0;
        v->u.d = e.get_double().value_unsafe();
        if (doc->bigi < doc->nbig && doc->bigs[doc->bigi] == i) {
            v->big = true;
            doc->bigi++;
        }
        return;
    case element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        v->type = SOL_JSON_STRING;
        v->n = static_cast<uint32_t>(s.size());
        v->u.s = keep_string(doc, s.data(), s.size());
        return;
    }
    case element_type::ARRAY: {
        if (depth >= doc->lim.max_depth) {
            doc->too_deep = true;
            return;
        }
        v->type = SOL_JSON_ARRAY;
        v->u.s = nullptr;
        uint32_t m = 0;
        simdjson::dom::array arr = e.get_array().value_unsafe();
        for (simdjson::dom::element child : arr) {
            convert(doc, child, depth + 1);
            if (doc->nomem || doc->too_deep)
                return;
            m++;
        }
        v = &doc->nodes[i];
        v->n = m;
        v->skip = static_cast<uint32_t>(doc->nn - i);
        return;
    }
    case element_type::OBJECT: {
        if (depth >= doc->lim.max_depth) {
            doc->too_deep = true;
            return;
        }
        v->type = SOL_JSON_OBJECT;
        v->u.s = nullptr;
        uint32_t m = 0;
        simdjson::dom::object obj = e.get_object().value_unsafe();
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            size_t k = push(doc);
            if (k == SIZE_MAX)
                return;
            struct sol_json *key = &doc->nodes[k];
            key->type = SOL_JSON_STRING;
            key->n = static_cast<uint32_t>(it.key_length());
            key->u.s = keep_string(doc, it.key_c_str(), it.key_length());
            convert(doc, it.value(), depth + 1);
            if (doc->nomem || doc->too_deep)
                return;
            m++;
        }
        v = &doc->nodes[i];
        v->n = m;
        v->skip = static_cast<uint32_t>(doc->nn - i);
        if (!doc->lim.allow_dup_keys)
            check_duplicates(doc, i, m);
        return;
    }
    }
}

/* Report the first error of the n bytes at p, found by the checker. */
static int
locate(struct sol_json_doc *doc, const char *p, size_t n, size_t dup_node, const char *fallback,
       struct sol_error *err)
{
    struct sol__json_check c;
    std::memset(&c, 0, sizeof(c));
    c.max_depth = doc->lim.max_depth;
    c.dup_node = dup_node;
    int rc = sol__json_check(p, n, &c);
    if (rc)
        return sol__json_error_at(err, rc, p, n, c.offset, c.msg);
    /* The checker found nothing: still an error, with what simdjson said. */
    return sol_error_set(err, SOL_ESYNTAX, "invalid JSON: %s", fallback);
}

/* Run simdjson over n bytes at p (padded) and convert. */
static int
parse_and_convert(struct sol_json_doc *doc, const char *p, size_t n, simdjson::error_code *ec)
{
    simdjson::dom::element root;
    *ec = doc->parser.parse(p, n, false).get(root);
    if (*ec)
        return -1;
    doc->nn = 0;
    doc->an = 0;
    doc->bigi = 0;
    doc->dup_node = SIZE_MAX;
    doc->too_deep = false;
    doc->nomem = false;
    convert(doc, root, 0);
    return 0;
}

/*
 * The text is valid JSON with big integers (the checker said so): parse a copy where
 * each of them ends in ".0", and mark their nodes.
 */
static int
parse_with_big_integers(struct sol_json_doc *doc, const char *p, size_t n, size_t count,
                        struct sol_error *err)
{
    if (count > doc->bigcap) {
        void *b = sol_realloc(doc->bigs, count * sizeof(size_t));
        if (!b)
            return sol_error_set(err, SOL_ENOMEM, "out of memory parsing JSON");
        doc->bigs = static_cast<size_t *>(b);
        void *e = sol_realloc(doc->big_ends, count * sizeof(size_t));
        if (!e)
            return sol_error_set(err, SOL_ENOMEM, "out of memory parsing JSON");
        doc->big_ends = static_cast<size_t *>(e);
        doc->bigcap = count;
    }
    struct sol__json_check c;
    std::memset(&c, 0, sizeof(c));
    c.max_depth = doc->lim.max_depth;
    c.dup_node = SIZE_MAX;
    c.big_nodes = doc->bigs;
    c.big_ends = doc->big_ends;
    c.big_cap = count;
    if (sol__json_check(p, n, &c) || c.big_count != count)
        return sol_error_set(err, SOL_EINTERNAL, "JSON checker disagrees with itself");
    size_t m = n + 2 * count;
    if (!grow(&doc->patch, &doc->patchcap, m + SOL__JSON_PADDING) ||
        !grow(&doc->arena, &doc->acap, m + 1))
        return sol_error_set(err, SOL_ENOMEM, "out of memory parsing JSON");
    size_t from = 0, to = 0;
    for (size_t k = 0; k < count; k++) {
        std::memcpy(doc->patch + to, p + from, doc->big_ends[k] - from);
        to += doc->big_ends[k] - from;
        from = doc->big_ends[k];
        doc->patch[to++] = '.';
        doc->patch[to++] = '0';
    }
    std::memcpy(doc->patch + to, p + from, n - from);
    to += n - from;
    std::memset(doc->patch + to, ' ', SOL__JSON_PADDING);
    doc->nbig = count;
    simdjson::error_code ec;
    int rc = parse_and_convert(doc, doc->patch, to, &ec);
    doc->nbig = 0;
    if (rc) {
        if (ec == simdjson::MEMALLOC)
            return sol_error_set(err, SOL_ENOMEM, "out of memory parsing JSON");
        return locate(doc, p, n, SIZE_MAX, simdjson::error_message(ec), err);
    }
    return 0;
}

extern "C" int
sol__json_parse_padded(struct sol_json_doc *doc, const char *p, size_t n,
                       const struct sol_json **root, struct sol_error *err)
{
    *root = nullptr;
    if (n > doc->lim.max_bytes)
        return sol_error_set(err, SOL_ELIMIT,
                             "JSON text of %zu bytes is larger than the limit of %zu bytes", n,
                             doc->lim.max_bytes);
    if (doc->parser.max_depth() != doc->lim.max_depth + 2) {
        /* simdjson gets a little more room than our limit, which convert() enforces. */
        if (doc->parser.allocate(n < 4096 ? 4096 : n, doc->lim.max_depth + 2))
            return sol_error_set(err, SOL_ENOMEM, "out of memory parsing JSON");
    }
    /* Decoded strings with their NULs never take more room than the text. */
    if (!grow(&doc->arena, &doc->acap, n + 1))
        return sol_error_set(err, SOL_ENOMEM, "out of memory parsing JSON");
    simdjson::error_code ec;
    if (parse_and_convert(doc, p, n, &ec)) {
        if (ec == simdjson::MEMALLOC)
            return sol_error_set(err, SOL_ENOMEM, "out of memory parsing JSON");
        struct sol__json_check c;
        std::memset(&c, 0, sizeof(c));
        c.max_depth = doc->lim.max_depth;
        c.dup_node = SIZE_MAX;
        int rc = sol__json_check(p, n, &c);
        if (rc)
            return sol__json_error_at(err, rc, p, n, c.offset, c.msg);
        if (ec == simdjson::NUMBER_ERROR && c.big_count) {
            rc = parse_with_big_integers(doc, p, n, c.big_count, err);
            if (rc)
                return rc;
        } else {
            return sol_error_set(err, SOL_ESYNTAX, "invalid JSON: %s", simdjson::error_message(ec));
        }
    }
    if (doc->nomem)
        return sol_error_set(err, SOL_ENOMEM, "out of memory parsing JSON");
    if (doc->too_deep)
        return locate(doc, p, n, SIZE_MAX, "nesting too deep", err);
    if (doc->dup_node != SIZE_MAX)
        return locate(doc, p, n, doc->dup_node, "duplicate key", err);
    *root = doc->nodes;
    return 0;
}

/*
 * Parse n bytes at p. The input is copied into the doc's padded buffer first (simdjson
 * reads up to SIMDJSON_PADDING bytes past the end); the buffer is reused.
 */
extern "C" SOL_API int
sol_json_parse(struct sol_json_doc *doc, const char *p, size_t n, const struct sol_json **root,
               struct sol_error *err)
{
    *root = nullptr;
    if (n > doc->lim.max_bytes)
        return sol_error_set(err, SOL_ELIMIT,
                             "JSON text of %zu bytes is larger than the limit of %zu bytes", n,
                             doc->lim.max_bytes);
    if (!grow(&doc->pad, &doc->padcap, n + SOL__JSON_PADDING))
        return sol_error_set(err, SOL_ENOMEM, "out of memory parsing JSON");
    if (n)
        std::memcpy(doc->pad, p, n);
    std::memset(doc->pad + n, ' ', SOL__JSON_PADDING);
    return sol__json_parse_padded(doc, doc->pad, n, root, err);
}

/* Read the file (or standard input for "-") into the doc's padded buffer and parse it. */
extern "C" SOL_API int
sol_json_parse_file(struct sol_json_doc *doc, const char *path, const struct sol_json **root,
                    struct sol_error *err)
{
    *root = nullptr;
    struct sol_buf b;
    sol_buf_init(&b);
    int rc = sol_read_file(path, doc->lim.max_bytes, &b, err);
    if (rc == SOL_ELIMIT) {
        sol_buf_free(&b);
        return sol_error_set(err, SOL_ELIMIT, "JSON text is larger than the limit of %zu bytes",
                             doc->lim.max_bytes);
    }
    if (rc == 0 && !sol_buf_reserve(&b, SOL__JSON_PADDING))
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory reading the file");
    if (rc) {
        sol_buf_free(&b);
        return rc;
    }
    std::memset(b.p + b.n, ' ', SOL__JSON_PADDING);
    rc = sol__json_parse_padded(doc, b.p, b.n, root, err);
    sol_buf_free(&b);
    return rc;
}
