/*
 * formats.c — the format table (the one dispatcher), detection, the import driver that
 * every reader emits into, and what the siblings share to write STIX objects.
 *
 * Import: a reader makes STIX 2.1 objects as JSON text (or hands parsed ones on, for
 * STIX); the driver parses each, checks an indicator's atoms against the warninglists
 * (flag, or refuse when asked), and hands it to the caller's sink, which in `solidarity
 * import` is sol_ingest_object(): validation, marking, storing and audit stay in one place.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "formats/formats.h"
#include "solidarity/alloc.h"
#include "solidarity/pattern.h"

const char *const sol__suricata_parts[] = {
    "solidarity.rules", "domains.lst",          "certs.lst",  "md5.lst", "sha1.lst",
    "sha256.lst",       "iprep-categories.txt", "iprep.list", NULL};

/* The table: every format is one row; --help and the man pages list these. */
static const struct sol_format table[] = {
    {"stix", "STIX 2.1 (and 2.0) bundles, lists of objects, TAXII envelopes", SOL_FORMAT_READ, NULL,
     sol__stix_detect, sol__stix_read, NULL},
    {"misp", "MISP events (one, a {\"response\": [...]} list, or a feed folder)",
     SOL_FORMAT_READ | SOL_FORMAT_WRITE | SOL_FORMAT_DIR, NULL, sol__misp_detect, sol__misp_read,
     sol__misp_write},
    {"list", "plain lists of indicators, one per line (defanged ones too)",
     SOL_FORMAT_READ | SOL_FORMAT_WRITE, NULL, sol__ioc_detect, sol__ioc_read, sol__list_write},
    {"csv", "CSV with a header line (columns by name, or a mapping file)",
     SOL_FORMAT_READ | SOL_FORMAT_WRITE, NULL, sol__csv_detect, sol__csv_read, sol__csv_write},
    {"warninglist", "MISP warninglists: values known to be benign, kept as suppression lists",
     SOL_FORMAT_READ, NULL, sol__warninglist_detect, sol__warninglist_read, NULL},
    {"zeek-intel", "Zeek Intel framework file (#fields indicator indicator_type meta.*)",
     SOL_FORMAT_WRITE, NULL, NULL, NULL, sol__zeek_write},
    {"suricata", "Suricata datasets, file hash lists, IP reputation and the rules using them",
     SOL_FORMAT_WRITE | SOL_FORMAT_PARTS, sol__suricata_parts, NULL, NULL, sol__suricata_write},
    {"rpz", "DNS response policy zone (BIND, Unbound, PowerDNS)", SOL_FORMAT_WRITE, NULL, NULL,
     NULL, sol__rpz_write},
};

/* formats.h: the table. */
const struct sol_format *
sol_formats(size_t *n)
{
    *n = sizeof table / sizeof *table;
    return table;
}

/* formats.h: by name. */
const struct sol_format *
sol_format_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof table / sizeof *table; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

/* formats.h: the reader most sure of the input. */
const struct sol_format *
sol_format_detect(const char *path, const char *head, size_t n)
{
    const struct sol_format *best = NULL;
    int best_score = 0;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        if (!table[i].detect)
            continue;
        int sc = table[i].detect(path, head, n);
        if (sc > best_score)
            best = &table[i], best_score = sc;
    }
    return best;
}

/* formats.h (internal): past a UTF-8 byte order mark and white space. */
size_t
sol__skip_blank(const char *head, size_t n)
{
    size_t i = n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < n && isspace((unsigned char)head[i]))
        i++;
    return i;
}

/* The names of the atom kinds, from the one X-macro table. */
static const char *const kind_words[] = {
#define SOL__ATOM_WORD(name, word, path) word,
    SOL_ATOM_KINDS(SOL__ATOM_WORD)
#undef SOL__ATOM_WORD
};
static const char *const kind_paths[] = {
#define SOL__ATOM_PATH(name, word, path) path,
    SOL_ATOM_KINDS(SOL__ATOM_PATH)
#undef SOL__ATOM_PATH
};

/* formats.h: "domain-name" for SOL_ATOM_DOMAIN. */
const char *
sol_atom_kind_word(enum sol_atom_kind k)
{
    return (unsigned)k < SOL_ATOM_N ? kind_words[k] : "?";
}

/* formats.h: the kind of a word (its path is accepted too: "domain-name:value"). */
int
sol_atom_kind_parse(const char *word)
{
    for (int k = 0; k < SOL_ATOM_N; k++)
        if (strcasecmp(word, kind_words[k]) == 0 ||
            (*kind_paths[k] && strcmp(word, kind_paths[k]) == 0))
            return k;
    return -1;
}

struct sol__import {
    const struct sol_import_options *o;
    const struct sol_import_sink *sink;
    struct sol_import_report *rep;
    struct sol_json_doc *doc;
    struct sol_buf scratch;
};

const struct sol_import_options *
sol__import_options(const struct sol__import *im)
{
    return im->o;
}

/* formats.h (internal): a note for the operator, passed on to the sink. */
void
sol__note(struct sol__import *im, enum sol_import_note kind, const char *where, const char *key,
          const char *fmt, ...)
{
    if (kind == SOL_NOTE_JUNK)
        im->rep->junk++;
    else if (kind == SOL_NOTE_COMMENT)
        im->rep->comments++;
    if (!im->sink->note)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    im->sink->note(im->sink->ud, kind, where, key, msg);
}

/* formats.h (internal): the number of objects to come. */
void
sol__import_total(struct sol__import *im, size_t n)
{
    if (im->sink->total)
        im->sink->total(im->sink->ud, n);
}

/* formats.h (internal): count an unmapped MISP type. */
void
sol__count_unmapped(struct sol__import *im, const char *type)
{
    struct sol_import_report *r = im->rep;
    r->unmapped++;
    for (size_t i = 0; i < r->n_by_type; i++)
        if (strcmp(r->by_type[i].name, type) == 0) {
            r->by_type[i].count++;
            return;
        }
    struct sol_import_count *v = sol_realloc(r->by_type, (r->n_by_type + 1) * sizeof *v);
    if (!v)
        return;
    r->by_type = v;
    snprintf(v[r->n_by_type].name, sizeof v->name, "%s", type);
    v[r->n_by_type++].count = 1;
}

/* Whether an indicator's atoms are on a warninglist: the list's name, else NULL. */
static const char *
warninglisted(struct sol__import *im, const struct sol_json *obj, struct sol_str *value)
{
    if (!sol_str_eqc(sol_json_str(sol_json_get(obj, "type")), "indicator"))
        return NULL;
    struct sol_str pt = sol_json_str(sol_json_get(obj, "pattern_type"));
    struct sol_str pat = sol_json_str(sol_json_get(obj, "pattern"));
    if (!pat.p || (pt.p && !sol_str_eqc(pt, "stix")))
        return NULL;
    struct sol_pattern *p = NULL;
    if (sol_pattern_parse(pat.p, pat.n, NULL, &p, NULL) != 0)
        return NULL;
    struct sol_atom *atoms = NULL;
    size_t n = 0;
    const char *why, *hit = NULL;
    if (sol_format_atoms(p, &atoms, &n, &why) == 0) {
        for (size_t i = 0; i < n && !hit; i++) {
            hit = sol_warninglists_match(im->o->warninglists, atoms[i].kind, atoms[i].value.p,
                                         atoms[i].value.n);
            if (hit) {
                sol_buf_reset(&im->scratch);
                sol_buf_append(&im->scratch, atoms[i].value.p, atoms[i].value.n);
                *value = (struct sol_str){im->scratch.p, im->scratch.n};
            }
        }
    }
    sol_free(atoms);
    sol_pattern_free(p);
    return hit;
}

/* Hand one parsed object on, after the warninglist check. */
static int
emit_value(struct sol__import *im, const struct sol_json *obj, const char *where)
{
    if (im->o->warninglists) {
        struct sol_str v = {"", 0};
        const char *list = warninglisted(im, obj, &v);
        if (list) {
            im->rep->warninglisted++;
            struct sol_str id = sol_json_str(sol_json_get(obj, "id"));
            sol__note(im, SOL_NOTE_WARNINGLISTED, where, list,
                      "%.*s: '%.*s' is on the warninglist '%s' (%s)", (int)id.n, id.p, (int)v.n,
                      v.p, list, im->o->refuse_warninglisted ? "refused" : "kept");
            if (im->o->refuse_warninglisted) {
                im->rep->refused++;
                return 0;
            }
        }
    }
    im->rep->objects++;
    return im->sink->object(im->sink->ud, obj, where);
}

/* formats.h (internal): parse the JSON text a reader made and hand it on. */
int
sol__emit(struct sol__import *im, const struct sol_buf *json, const char *where)
{
    if (json->oom)
        return SOL_ENOMEM;
    const struct sol_json *obj;
    int rc = sol_json_parse(im->doc, json->p, json->n, &obj, NULL);
    if (rc == SOL_ENOMEM)
        return rc;
    if (rc != 0)
        return SOL_EINTERNAL;
    return emit_value(im, obj, where);
}

/* The STIX reader hands parsed objects on without a round trip through text. */
int
sol__emit_parsed(struct sol__import *im, const struct sol_json *obj, const char *where)
{
    return emit_value(im, obj, where);
}

/* Run reader f (NULL: detect) over an input already read (in->p NULL: a directory). */
static int
import_input(const struct sol_format *f, struct sol_format_input *in,
             const struct sol_import_options *o, const struct sol_import_sink *sink,
             struct sol_import_report *rep, const struct sol_format **used, struct sol_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (used)
        *used = NULL;
    bool dir = !in->p;
    if (!f) {
        f = dir ? sol_format_find("misp")
                : sol_format_detect(in->path, in->p, in->n < 65536 ? in->n : 65536);
        if (!f)
            return sol_error_set(
                err, SOL_EUNSUPPORTED,
                "the format could not be told from the content: name it with --format");
    }
    if (!f->read)
        return sol_error_set(err, SOL_EUNSUPPORTED, "the format '%s' cannot be imported", f->name);
    if (dir && !(f->flags & SOL_FORMAT_DIR))
        return sol_error_set(err, SOL_EIO,
                             "is a directory (only a MISP feed folder is read as one)");
    if (used)
        *used = f;
    /* One valid_from for everything this import makes, when none is given. */
    struct sol_import_options opts = {.confidence = -1, .forced_kind = -1};
    if (o)
        opts = *o;
    if (!opts.valid_from)
        opts.valid_from = sol_time_now() / 1000000 * 1000000;
    struct sol__import im = {.o = &opts, .sink = sink, .rep = rep};
    sol_buf_init(&im.scratch);
    im.doc = sol_json_doc_new(NULL);
    int rc = im.doc ? f->read(in, im.o, &im, err) : sol_error_set(err, SOL_ENOMEM, "out of memory");
    sol_json_doc_free(im.doc);
    sol_buf_free(&im.scratch);
    return rc;
}

/* formats.h: read an input and hand its objects to the sink. */
int
sol_format_import(const struct sol_format *f, const char *path, const struct sol_import_options *o,
                  const struct sol_import_sink *sink, struct sol_import_report *rep,
                  const struct sol_format **used, struct sol_error *err)
{
    struct sol_format_input in = {.path = path, .name = strcmp(path, "-") == 0 ? "(stdin)" : path};
    struct sol_buf data;
    sol_buf_init(&data);
    struct stat st;
    bool dir = strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    if (!dir) {
        memset(rep, 0, sizeof *rep);
        int rc = sol_read_file(path, (size_t)1 << 30, &data, err);
        if (rc != 0)
            return rc;
        in.p = data.p ? data.p : "";
        in.n = data.n;
    }
    int rc = import_input(f, &in, o, sink, rep, used, err);
    sol_buf_free(&data);
    return rc;
}

/* formats.h: the same for n bytes in memory. */
int
sol_format_import_mem(const struct sol_format *f, const char *name, const char *p, size_t n,
                      const struct sol_import_options *o, const struct sol_import_sink *sink,
                      struct sol_import_report *rep, struct sol_error *err)
{
    struct sol_format_input in = {.path = name, .name = name, .p = p ? p : "", .n = n};
    return import_input(f, &in, o, sink, rep, NULL, err);
}

/* formats.h: free a report's arrays. */
void
sol_import_report_free(struct sol_import_report *r)
{
    if (!r)
        return;
    sol_free(r->by_type);
    r->by_type = NULL;
    r->n_by_type = 0;
}

/* formats.h: free an export report's arrays. */
void
sol_export_report_free(struct sol_export_report *r)
{
    if (!r)
        return;
    sol_free(r->skipped);
    r->skipped = NULL;
    r->n_skipped = 0;
}

/* formats.h (internal): a timestamp member, milliseconds unless finer digits are needed. */
void
sol__jw_time(struct sol_json_writer *w, const char *key, sol_time_t t)
{
    char buf[40];
    sol_time_format(t, t % 1000 ? 6 : 3, buf);
    sol_jw_key(w, key);
    sol_jw_string(w, buf);
}

/* formats.h (internal): the common properties of an object made here. */
void
sol__obj_begin(struct sol_json_writer *w, const struct sol__common *c)
{
    sol_jw_object_begin(w);
    sol_jw_key(w, "type");
    sol_jw_string(w, c->type);
    sol_jw_key(w, "spec_version");
    sol_jw_string(w, "2.1");
    sol_jw_key(w, "id");
    sol_jw_string(w, c->id);
    if (c->created) {
        sol__jw_time(w, "created", c->created);
        sol__jw_time(w, "modified", c->modified > c->created ? c->modified : c->created);
    }
    if (c->created_by && *c->created_by) {
        sol_jw_key(w, "created_by_ref");
        sol_jw_string(w, c->created_by);
    }
    if (c->revoked) {
        sol_jw_key(w, "revoked");
        sol_jw_bool(w, true);
    }
    if (c->n_labels) {
        sol_jw_key(w, "labels");
        sol_jw_array_begin(w);
        for (size_t i = 0; i < c->n_labels; i++)
            sol_jw_string(w, c->labels[i]);
        sol_jw_array_end(w);
    }
    if (c->confidence >= 0) {
        sol_jw_key(w, "confidence");
        sol_jw_int(w, c->confidence);
    }
    const char *mark = c->tlp ? sol_tlp_marking_id((enum sol_tlp)c->tlp) : NULL;
    if (mark) {
        sol_jw_key(w, "object_marking_refs");
        sol_jw_array_begin(w);
        sol_jw_string(w, mark);
        sol_jw_array_end(w);
    }
}

/* formats.h (internal): STIX 2.1 §9.2: a string constant in quotes, \ and ' escaped. */
void
sol__pattern_string(struct sol_buf *b, const char *s, size_t n)
{
    sol_buf_putc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '\'')
            sol_buf_putc(b, '\\');
        sol_buf_putc(b, s[i]);
    }
    sol_buf_putc(b, '\'');
}

/* The namespace of the name-based ids of the objects the formats make. */
static const struct sol_uuid made_ns = {{0x7b, 0x0c, 0x5f, 0x3e, 0x9a, 0x24, 0x4d, 0x6b, 0x8e, 0x51,
                                         0x3c, 0x2f, 0x6a, 0x9d, 0x0e, 0x47}};

/* formats.h (internal): "type--<v5 of name>". */
void
sol__made_id(char *out, size_t n, const char *type, const char *name, size_t name_n)
{
    struct sol_uuid u;
    char text[37];
    sol_uuid_v5(&made_ns, name, name_n, &u);
    sol_uuid_format(&u, text);
    snprintf(out, n, "%s--%s", type, text);
}

/* formats.h (internal): the pattern of one atom. */
void
sol__atom_pattern(struct sol_buf *b, int kind, const char *path, const char *v, size_t n,
                  bool network)
{
    (void)network;
    sol_buf_putc(b, '[');
    sol_buf_puts(b, kind == SOL_ATOM_OTHER || kind < 0 ? path : kind_paths[kind]);
    sol_buf_puts(b, " = ");
    sol__pattern_string(b, v, n);
    sol_buf_putc(b, ']');
}

/* formats.h (internal): one indicator from a plain value (lists, CSV). */
int
sol__emit_plain(struct sol__import *im, const struct sol__plain *pl, const char *where)
{
    const struct sol_import_options *o = im->o;
    struct sol_buf val, pat, ids, json;
    sol_buf_init(&val);
    sol_buf_init(&pat);
    sol_buf_init(&ids);
    sol_buf_init(&json);
    /* Digests and domain names are case-insensitive: written in lower case. */
    bool lower = pl->kind == SOL_ATOM_DOMAIN || pl->kind == SOL_ATOM_MD5 ||
                 pl->kind == SOL_ATOM_SHA1 || pl->kind == SOL_ATOM_SHA256 ||
                 pl->kind == SOL_ATOM_SHA512 || pl->kind == SOL_ATOM_CERT_SHA1;
    for (size_t i = 0; i < pl->value_n; i++) {
        char ch = pl->value[i];
        if (lower)
            ch = (char)tolower((unsigned char)ch);
        sol_buf_putc(&val, ch);
    }
    sol__atom_pattern(&pat, pl->kind, pl->path, val.p ? val.p : "", val.n, pl->network);
    sol_buf_puts(&ids, o->identity ? o->identity : "");
    sol_buf_putc(&ids, '\n');
    sol_buf_append(&ids, pat.p, pat.n);
    char id[128];
    sol__made_id(id, sizeof id, "indicator", ids.p, ids.n);
    sol_time_t from = pl->valid_from ? pl->valid_from : o->valid_from;
    if (!from)
        from = sol_time_now() / 1000 * 1000;
    const char *labels[64];
    size_t nl = 0;
    for (size_t i = 0; i < o->n_labels && nl < 64; i++)
        labels[nl++] = o->labels[i];
    for (size_t i = 0; i < pl->n_labels && nl < 64; i++)
        labels[nl++] = pl->labels[i];
    struct sol__common c = {.type = "indicator",
                            .id = id,
                            .created = from,
                            .created_by = o->identity,
                            .tlp = o->tlp,
                            .labels = labels,
                            .n_labels = nl,
                            .confidence = pl->confidence >= 0 ? pl->confidence : o->confidence};
    struct sol_json_writer w;
    sol_jw_init(&w, &json, false);
    sol__obj_begin(&w, &c);
    sol_jw_key(&w, "name");
    if (pl->name)
        sol_jw_string(&w, pl->name);
    else
        sol_jw_stringn(&w, val.p ? val.p : "", val.n);
    if (pl->description && *pl->description) {
        sol_jw_key(&w, "description");
        sol_jw_string(&w, pl->description);
    }
    sol_jw_key(&w, "pattern");
    sol_jw_stringn(&w, pat.p, pat.n);
    sol_jw_key(&w, "pattern_type");
    sol_jw_string(&w, "stix");
    sol__jw_time(&w, "valid_from", from);
    if (pl->valid_until > from)
        sol__jw_time(&w, "valid_until", pl->valid_until);
    sol_jw_object_end(&w);
    int rc = pat.oom || val.oom || ids.oom ? SOL_ENOMEM : sol__emit(im, &json, where);
    sol_buf_free(&val);
    sol_buf_free(&pat);
    sol_buf_free(&ids);
    sol_buf_free(&json);
    return rc;
}

/* Buffered output over an export sink: flushed every 64 KiB. */
void
sol__out_init(struct sol__out *o, const struct sol_export_sink *sink)
{
    o->sink = sink;
    sol_buf_init(&o->b);
    o->rc = 0;
}

static void
out_flush(struct sol__out *o)
{
    if (o->b.oom && !o->rc)
        o->rc = SOL_ENOMEM;
    if (!o->rc && o->b.n)
        o->rc = o->sink->write(o->sink->ud, o->b.p, o->b.n);
    sol_buf_reset(&o->b);
}

int
sol__out_part(struct sol__out *o, const char *name)
{
    out_flush(o);
    if (!o->rc && o->sink->part)
        o->rc = o->sink->part(o->sink->ud, name);
    return o->rc;
}

void
sol__out_put(struct sol__out *o, const char *p, size_t n)
{
    sol_buf_append(&o->b, p, n);
    if (o->b.n >= 65536)
        out_flush(o);
}

void
sol__out_puts(struct sol__out *o, const char *s)
{
    sol__out_put(o, s, strlen(s));
}

void
sol__out_printf(struct sol__out *o, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sol__out_put(o, small, (size_t)n);
        return;
    }
    va_start(ap, fmt);
    char *big = sol_malloc((size_t)n + 1);
    if (big) {
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        sol__out_put(o, big, (size_t)n);
        sol_free(big);
    } else if (!o->rc) {
        o->rc = SOL_ENOMEM;
    }
    va_end(ap);
}

int
sol__out_finish(struct sol__out *o)
{
    out_flush(o);
    sol_buf_free(&o->b);
    return o->rc;
}
