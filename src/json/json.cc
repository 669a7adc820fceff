/*
 * json.cc — the JSON parser: simdjson's DOM parser behind the C API of json.h.
 *
 * This is the only C++ file of the project. simdjson parses (and validates UTF-8)
 * into its tape; we convert the tape into our flat node array, whose strings point
 * into simdjson's string buffer (NUL-terminated, with their length). The doc keeps
 * the simdjson parser, the node array and the padded copy of the input, and reuses
 * them: after warm-up, a parse of a document of similar size allocates nothing. simdjson runs with
 * its error-code API: no C++ exception crosses into C.
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

/* A key of a large object, for the duplicate check. */
struct key_ref {
    const char *p;
    uint32_t n;
    uint32_t node;
};

/* An open container during conversion: its node and how many values it has so far. */
struct conv_frame {
    uint32_t node;
    uint32_t count;
};

struct sol_json_doc {
    simdjson::dom::parser parser;
    struct sol_json_limits lim;

    struct sol_json *nodes = nullptr; /* the node array of the last parse */
    size_t nn = 0, ncap = 0;
    char *pad = nullptr;                          /* a padded copy of the input (sol_json_parse) */
    struct sol_buf file = {nullptr, 0, 0, false}; /* the last file read (sol_json_parse_file) */
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
    bool broken = false;
    conv_frame stack[SOL__JSON_MAX_DEPTH_HARD + 3]; /* open containers during conversion */
};

static void
json_limits_resolve(const struct sol_json_limits *in, struct sol_json_limits *out)
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
    json_limits_resolve(limits, &doc->lim);
    return doc;
}

extern "C" SOL_API void
sol_json_doc_free(struct sol_json_doc *doc)
{
    if (!doc)
        return;
    sol_free(doc->nodes);
    sol_free(doc->pad);
    sol_buf_free(&doc->file);
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

/* Make room for want bytes in *buf (capacity *cap, doubled as needed); keeps the contents. */
static bool
grow(char **buf, size_t *cap, size_t want)
{
    if (want <= *cap)
        return true;
    /* Double (amortised growth), but a first big document gets just what it needs. */
    size_t c = *cap > SIZE_MAX / 2 ? want : *cap * 2;
    if (c < want)
        c = want < 4096 ? 4096 : want;
    char *p = static_cast<char *>(sol_realloc(*buf, c));
    if (!p)
        return false;
    *buf = p;
    *cap = c;
    return true;
}

/* Make room for the node array to hold want nodes. */
static bool
reserve_nodes(struct sol_json_doc *doc, size_t want)
{
    if (want <= doc->ncap)
        return true;
    size_t c = doc->ncap * 2;
    if (c < want)
        c = want < 1024 ? 1024 : want;
    void *p = sol_realloc(doc->nodes, c * sizeof(struct sol_json));
    if (!p)
        return false;
    doc->nodes = static_cast<struct sol_json *>(p);
    doc->ncap = c;
    return true;
}

static inline bool
key_equal(const struct sol_json *a, const struct sol_json *b)
{
    return a->n == b->n && std::memcmp(a->u.s, b->u.s, a->n) == 0;
}

/*
 * A cheap hash of a key for the duplicate check of small objects: its length and its
 * first and last eight bytes. Keys that differ only in the middle collide, which
 * costs a comparison, never a wrong answer.
 */
static inline uint64_t
key_hash(const char *s, uint32_t n)
{
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        std::memcpy(&a, s, 8);
        std::memcpy(&b, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        std::memcpy(&x, s, 4);
        std::memcpy(&y, s + n - 4, 4);
        a = x;
        b = y;
    } else if (n > 0) {
        a = static_cast<unsigned char>(s[0]) | static_cast<unsigned char>(s[n / 2]) << 8 |
            static_cast<unsigned char>(s[n - 1]) << 16;
    }
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15u) ^ n) * 0xff51afd7ed558ccdu;
    return h ^ (h >> 29);
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
 * it in doc->dup_node when it comes before any found so far.
 *
 * Up to 64 members (nearly every object): the keys' hashes go into an array, with a
 * 64-bit mask of which hash buckets are taken; only a key whose bucket is taken is
 * compared, with the earlier keys of the same hash. Larger objects sort their keys
 * (O(m log m) whatever the keys are: no hash flooding).
 */
static void
check_duplicates(struct sol_json_doc *doc, size_t obj, uint32_t m)
{
    const struct sol_json *nodes = doc->nodes;
    if (m < 2)
        return;
    if (m <= 64) {
        uint64_t hashes[64];
        size_t at[64];
        uint64_t taken = 0;
        size_t k = obj + 1;
        for (uint32_t j = 0; j < m; j++) {
            uint64_t h = key_hash(nodes[k].u.s, nodes[k].n);
            uint64_t bit = uint64_t(1) << (h >> 58);
            if (taken & bit) {
                for (uint32_t i = 0; i < j; i++)
                    if (hashes[i] == h && key_equal(&nodes[at[i]], &nodes[k])) {
                        if (k < doc->dup_node)
                            doc->dup_node = k;
                        return;
                    }
            }
            taken |= bit;
            hashes[j] = h;
            at[j] = k;
            k += 1 + nodes[k + 1].skip;
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
        if (a.n == b.n && std::memcmp(a.p, b.p, a.n) == 0 && b.node < doc->dup_node)
            doc->dup_node = b.node;
    }
}

/*
 * Convert simdjson's tape into our node array. The tape (simdjson's doc/tape.md,
 * stable since 0.3) is one 64-bit word per value: the type in the top byte and a
 * payload in the low 56 bits; containers have a start and an end word, numbers
 * keep their value in the next word, strings point into string_buf where a 32-bit
 * length, the bytes and a NUL are. Our strings point there too (the doc keeps the
 * parser until the next parse), so they cost no copy.
 *
 * The walk is iterative, with a stack as deep as simdjson allowed (our limit + 2);
 * nesting beyond our limit sets doc->too_deep.
 */
static void
convert(struct sol_json_doc *doc)
{
    const uint64_t *tape = doc->parser.doc.tape.get();
    const uint8_t *strings = doc->parser.doc.string_buf.get();
    /* tape[0] is the root word; its payload is the index just after the closing root word. */
    size_t end = (tape[0] & simdjson::internal::JSON_VALUE_MASK) - 1;
    /* Every node takes at least one tape word: reserve once, push without checks. */
    if (!reserve_nodes(doc, end)) {
        doc->nomem = true;
        return;
    }
    struct sol_json *nodes = doc->nodes;
    conv_frame *stack = doc->stack;
    size_t depth = 0;
    size_t max_depth = doc->lim.max_depth;
    size_t nn = 0;
    bool want_key = false; /* inside an object, between members */
    for (size_t t = 1; t < end;) {
        uint64_t w = tape[t];
        uint8_t type = static_cast<uint8_t>(w >> 56);
        uint64_t payload = w & simdjson::internal::JSON_VALUE_MASK;
        struct sol_json *v = &nodes[nn];
        v->big = false;
        v->skip = 1;
        v->n = 0;
        switch (type) {
        case '"': {
            uint32_t len;
            std::memcpy(&len, strings + payload, sizeof(len));
            v->type = SOL_JSON_STRING;
            v->n = len;
            v->u.s = reinterpret_cast<const char *>(strings + payload + sizeof(len));
            nn++;
            t++;
            if (want_key) {
                want_key = false;
                continue; /* the member's value follows */
            }
            break;
        }
        case 'l':
            v->type = SOL_JSON_INT;
            std::memcpy(&v->u.i, &tape[t + 1], sizeof(int64_t));
            nn++;
            t += 2;
            break;
        case 'u':
            v->type = SOL_JSON_UINT;
            std::memcpy(&v->u.u, &tape[t + 1], sizeof(uint64_t));
            nn++;
            t += 2;
            break;
        case 'd':
            v->type = SOL_JSON_DOUBLE;
            std::memcpy(&v->u.d, &tape[t + 1], sizeof(double));
            if (doc->bigi < doc->nbig && doc->bigs[doc->bigi] == nn) {
                v->big = true;
                doc->bigi++;
            }
            nn++;
            t += 2;
            break;
        case 't':
        case 'f':
            v->type = SOL_JSON_BOOL;
            v->u.b = type == 't';
            nn++;
            t++;
            break;
        case 'n':
            v->type = SOL_JSON_NULL;
            v->u.i = 0;
            nn++;
            t++;
            break;
        case '[':
        case '{':
            if (depth >= max_depth) {
                doc->too_deep = true;
                doc->nn = nn;
                return;
            }
            v->type = type == '[' ? SOL_JSON_ARRAY : SOL_JSON_OBJECT;
            v->u.s = nullptr;
            stack[depth].node = static_cast<uint32_t>(nn);
            stack[depth].count = 0;
            depth++;
            nn++;
            t++;
            want_key = type == '{';
            continue; /* not a complete value yet */
        case ']':
        case '}': {
            depth--;
            size_t i = stack[depth].node;
            nodes[i].n = stack[depth].count;
            nodes[i].skip = static_cast<uint32_t>(nn - i);
            t++;
            if (type == '}' && !doc->lim.allow_dup_keys) {
                doc->nn = nn;
                check_duplicates(doc, i, stack[depth].count);
                if (doc->nomem)
                    return;
            }
            break;
        }
        default:
            doc->broken = true; /* not a tape simdjson 3 writes */
            doc->nn = nn;
            return;
        }
        /* A value is complete: count it in its container. */
        if (depth) {
            stack[depth - 1].count++;
            want_key = nodes[stack[depth - 1].node].type == SOL_JSON_OBJECT;
        }
    }
    doc->nn = nn;
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
    doc->bigi = 0;
    doc->dup_node = SIZE_MAX;
    doc->too_deep = false;
    doc->nomem = false;
    doc->broken = false;
    convert(doc);
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
    if (!grow(&doc->patch, &doc->patchcap, m + SOL__JSON_PADDING))
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
    if (doc->broken)
        return sol_error_set(err, SOL_EINTERNAL, "unexpected simdjson tape");
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

/*
 * Read the file (or standard input for "-") into the doc's file buffer (kept for the
 * next file) and parse it in place. A UTF-8 byte order mark at the start is skipped
 * (error places still count its bytes).
 */
extern "C" SOL_API int
sol_json_parse_file(struct sol_json_doc *doc, const char *path, const struct sol_json **root,
                    struct sol_error *err)
{
    *root = nullptr;
    struct sol_buf *b = &doc->file;
    int rc = sol_read_file(path, doc->lim.max_bytes, b, err);
    if (rc == SOL_ELIMIT)
        return sol_error_set(err, SOL_ELIMIT, "JSON text is larger than the limit of %zu bytes",
                             doc->lim.max_bytes);
    if (rc == 0 && !sol_buf_reserve(b, SOL__JSON_PADDING))
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory reading the file");
    if (rc)
        return rc;
    std::memset(b->p + b->n, ' ', SOL__JSON_PADDING);
    /* RFC 8259 §8.1 lets a parser ignore a byte order mark: Windows tools write one. */
    size_t bom = b->n >= 3 && std::memcmp(b->p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    rc = sol__json_parse_padded(doc, b->p + bom, b->n - bom, root, err);
    if (rc && err && err->line) {
        err->offset += bom;
        if (err->line == 1)
            err->column += static_cast<unsigned>(bom);
    }
    return rc;
}

/* For the benchmark's baseline: simdjson's parse of padded input alone, no conversion. */
extern "C" int
sol__json_parse_simdjson_only(struct sol_json_doc *doc, const char *p, size_t n)
{
    simdjson::dom::element root;
    return doc->parser.parse(p, n, false).get(root) ? SOL_ESYNTAX : 0;
}
