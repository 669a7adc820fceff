/*
 * columns.c — the columns of a record, for the formats whose header names them (Zeek
 * TSV, CSV): the names, the mapping rule of each, and the values of the current record
 * as pointers into its line.
 */
#include <string.h>

#include "match/reader.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"

void
sol__mcols_free(struct sol__mcols *c)
{
    for (size_t i = 0; i < c->nfields; i++)
        sol_free(c->fields[i]);
    sol_free(c->fields);
    sol_free(c->is_set);
    sol_free(c->rule_of);
    sol_free(c->rule_next);
    c->rule_next = NULL;
    c->fields = NULL;
    c->is_set = NULL;
    c->rule_of = NULL;
    c->nfields = 0;
}

int
sol__mcols_set(struct sol__mcols *c, const struct sol_log_mapping *map, char **names, size_t n)
{
    sol__mcols_free(c);
    c->fields = names;
    c->nfields = n;
    c->is_set = sol_calloc(n + 1, sizeof *c->is_set);
    c->rule_of = sol_calloc(n + 1, sizeof *c->rule_of);
    c->rule_next = sol_calloc(map->n + 1, sizeof *c->rule_next);
    if (!c->is_set || !c->rule_of || !c->rule_next)
        return SOL_ENOMEM;
    for (size_t k = 0; k < map->n; k++) {
        c->rule_next[k] = -1;
        for (size_t j = k + 1; j < map->n; j++)
            if (strcmp(map->rules[k].field, map->rules[j].field) == 0) {
                c->rule_next[k] = (int)j;
                break;
            }
    }
    for (size_t i = 0; i < n; i++) {
        c->rule_of[i] = -1;
        for (size_t k = 0; k < map->n; k++)
            if (strcmp(map->rules[k].field, names[i]) == 0) {
                c->rule_of[i] = (int)k;
                break;
            }
    }
    return 0;
}

size_t
sol__mcols_split(struct sol__mcols *c, const char *s, size_t n, char sep)
{
    size_t k = 0, a = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == sep) {
            if (k < SOL__MCOLS_MAX) {
                c->cols[k] = s + a;
                c->col_n[k] = i - a;
            }
            k++;
            a = i + 1;
        }
    }
    return k;
}

struct sol_str
sol__mcols_lookup(struct sol__mline *ln, const char *field)
{
    struct sol__mcols *c = ln->ctx;
    struct sol_str none = {NULL, 0};
    for (size_t i = 0; i < c->nfields && i < c->ncols; i++)
        if (strcmp(c->fields[i], field) == 0) {
            struct sol_str v = {c->cols[i], c->col_n[i]};
            if (sol_str_eqc(v, c->unset) || sol_str_eqc(v, c->empty))
                return none;
            return v;
        }
    return none;
}
