/*
 * stix.c — STIX itself as a row of the format table: a bundle (STIX 2.1 §8), a TAXII
 * envelope (TAXII 2.1 §3.7), a JSON list of objects, or one object; each object goes to
 * the sink as it is (the ingest validates it), under the path "objects[i]".
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "formats/formats.h"

/* JSON that names STIX things near its start. */
int
sol__stix_detect(const char *path, const char *head, size_t n)
{
    (void)path;
    size_t i = sol__skip_blank(head, n);
    if (i >= n || (head[i] != '{' && head[i] != '['))
        return 0;
    if (memmem(head, n, "\"spec_version\"", 14) || memmem(head, n, "\"bundle\"", 8))
        return 80;
    if (memmem(head, n, "\"type\"", 6) && memmem(head, n, "--", 2))
        return 60;
    return 20;
}

int
sol__stix_read(const struct sol_format_input *in, const struct sol_import_options *o, void *imp,
               struct sol_error *err)
{
    (void)o;
    struct sol__import *im = imp;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    if (!doc)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    const struct sol_json *root;
    int rc = sol_json_parse(doc, in->p, in->n, &root, err);
    if (rc != 0) {
        sol_json_doc_free(doc);
        return rc;
    }
    const struct sol_json *list = NULL;
    const char *prefix = "";
    enum sol_json_type t = sol_json_type(root);
    if (t == SOL_JSON_ARRAY) {
        list = root;
    } else if (t == SOL_JSON_OBJECT) {
        struct sol_str type = sol_json_str(sol_json_get(root, "type"));
        const struct sol_json *objs = sol_json_get(root, "objects");
        if (sol_str_eqc(type, "bundle") || (!type.p && objs)) {
            if (objs && sol_json_type(objs) != SOL_JSON_ARRAY) {
                sol_json_doc_free(doc);
                return sol_error_set(err, SOL_EINVALID, "objects: expected a list, found %s",
                                     sol_json_type_name(sol_json_type(objs)));
            }
            list = objs;
            prefix = "objects";
            if (!objs) {
                sol_json_doc_free(doc);
                return 0; /* an empty bundle */
            }
        }
    } else {
        sol_json_doc_free(doc);
        return sol_error_set(err, SOL_EINVALID,
                             "expected a STIX bundle, a list of objects or an object, found %s",
                             sol_json_type_name(t));
    }
    sol__import_total(im, list ? list->n : 1);
    if (!list) {
        rc = sol__emit_parsed(im, root, "");
    } else {
        struct sol_json_iter it;
        const struct sol_json *v;
        char path[64];
        sol_json_iter_init(&it, list);
        for (size_t i = 0; rc == 0 && sol_json_iter_next(&it, NULL, &v); i++) {
            snprintf(path, sizeof path, "%s[%zu]", prefix, i);
            rc = sol__emit_parsed(im, v, path);
        }
    }
    if (rc < 0 && !err->msg[0])
        sol_error_set(err, rc, "%s", sol_strerror(rc));
    sol_json_doc_free(doc);
    return rc;
}
