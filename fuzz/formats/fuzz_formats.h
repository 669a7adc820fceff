/*
 * fuzz_formats.h — one reader of the format table on arbitrary bytes (the target file
 * defines FORMAT): every object it makes must be JSON the STIX validator can look at, and
 * the read must end with 0 or an error code, never a crash.
 *
 * Invariants: a reader hands on only objects (JSON objects with a string type); the
 * report's counts add up (refused <= warninglisted); the validator never fails for
 * anything but memory on what a reader made.
 */
#include <stdint.h>
#include <string.h>

#include "solidarity/formats.h"
#include "solidarity/stix.h"

#define ALWAYS(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
on_object(void *ud, const struct sol_json *obj, const char *where)
{
    (void)ud;
    ALWAYS(where != NULL);
    ALWAYS(sol_json_type(obj) == SOL_JSON_OBJECT);
    ALWAYS(sol_json_is_string(sol_json_get(obj, "type")));
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    int rc = sol_stix_validate_object(obj, NULL, "", &rep);
    ALWAYS(rc == 0 || rc == 1 || rc == SOL_ENOMEM);
    sol_stix_report_free(&rep);
    return 0;
}

static void
on_note(void *ud, enum sol_import_note kind, const char *where, const char *key, const char *msg)
{
    (void)ud, (void)key;
    ALWAYS(kind >= SOL_NOTE_JUNK && kind <= SOL_NOTE_INFO);
    ALWAYS(where && msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sol_warninglists *wl;
    if (!wl) {
        wl = sol_warninglists_new();
        ALWAYS(wl != NULL);
    }
    const struct sol_format *f = sol_format_find(FORMAT);
    ALWAYS(f && f->read);
    struct sol_import_options o = {.confidence = -1,
                                   .forced_kind = -1,
                                   .warninglists = wl,
                                   .mapping =
                                       strcmp(FORMAT, "csv") == 0 && size && data[0] & 1
                                           ? "a -> domain-name:value\nb -> auto\nc -> labels\n"
                                           : NULL};
    struct sol_import_sink sink = {on_object, on_note, NULL};
    struct sol_import_report rep;
    struct sol_error err;
    sol_error_clear(&err);
    int rc = sol_format_import_mem(f, "fuzz", (const char *)data, size, &o, &sink, &rep, &err);
    ALWAYS(rc <= 0);
    ALWAYS(rep.refused <= rep.warninglisted);
    if (rc < 0)
        ALWAYS(err.msg[0] != 0);
    sol_import_report_free(&rep);
    return 0;
}
