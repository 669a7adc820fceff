/*
 * obs.c — building observations: the fixed-size arrays readers fill for each line,
 * reused from line to line so that reading allocates nothing.
 */
#include <string.h>

#include "match/match.h"

void
sol_obs_reset(struct sol_obs *obs)
{
    obs->time = 0;
    obs->time_last = 0;
    obs->nobj = 0;
    obs->nprop = 0;
    obs->truncated = false;
    obs->scratch_n = 0;
}

int
sol_obs_add_object(struct sol_obs *obs, const char *type)
{
    if (obs->nobj >= SOL_OBS_MAX_OBJECTS) {
        obs->truncated = true;
        return -1;
    }
    struct sol_obs_object *o = &obs->obj[obs->nobj];
    o->type = type;
    o->type_n = (uint16_t)strlen(type);
    return (int)obs->nobj++;
}

static struct sol_obs_prop *
new_prop(struct sol_obs *obs, int obj, const char *path, uint8_t kind)
{
    if (obj < 0 || (uint32_t)obj >= obs->nobj || obs->nprop >= SOL_OBS_MAX_PROPS) {
        obs->truncated = true;
        return NULL;
    }
    struct sol_obs_prop *p = &obs->prop[obs->nprop++];
    p->obj = (uint16_t)obj;
    p->kind = kind;
    p->path = path;
    p->path_n = (uint16_t)strlen(path);
    p->s = NULL;
    p->n = 0;
    p->i = 0;
    p->field = NULL;
    return p;
}

int
sol_obs_add_str(struct sol_obs *obs, int obj, const char *path, const char *s, size_t n)
{
    struct sol_obs_prop *p = new_prop(obs, obj, path, SOL_OBS_STR);
    if (!p)
        return -1;
    p->s = s;
    p->n = (uint32_t)n;
    return 0;
}

int
sol_obs_add_strcopy(struct sol_obs *obs, int obj, const char *path, const char *s, size_t n)
{
    if (n + 1 > SOL_OBS_SCRATCH - obs->scratch_n) {
        obs->truncated = true;
        return -1;
    }
    char *d = obs->scratch + obs->scratch_n;
    memcpy(d, s, n);
    d[n] = 0;
    obs->scratch_n += n + 1;
    return sol_obs_add_str(obs, obj, path, d, n);
}

int
sol_obs_add_int(struct sol_obs *obs, int obj, const char *path, int64_t i)
{
    struct sol_obs_prop *p = new_prop(obs, obj, path, SOL_OBS_INT);
    if (!p)
        return -1;
    p->i = i;
    return 0;
}

int
sol_obs_add_ref(struct sol_obs *obs, int obj, const char *path, int target)
{
    if (target < 0)
        return -1;
    struct sol_obs_prop *p = new_prop(obs, obj, path, SOL_OBS_REF);
    if (!p)
        return -1;
    p->i = target;
    return 0;
}

int
sol_obs_value_object(struct sol_obs *obs, const char *type, const char *s, size_t n, bool copy)
{
    if (strcmp(type, "ip") == 0)
        type = memchr(s, ':', n) ? "ipv6-addr" : "ipv4-addr";
    size_t tn = strlen(type);
    for (uint32_t i = 0; i < obs->nprop; i++) {
        const struct sol_obs_prop *p = &obs->prop[i];
        if (p->kind != SOL_OBS_STR || p->n != n || p->path_n != 5)
            continue;
        const struct sol_obs_object *o = &obs->obj[p->obj];
        if (o->type_n == tn && memcmp(p->s, s, n) == 0 && memcmp(p->path, "value", 5) == 0 &&
            (o->type == type || memcmp(o->type, type, tn) == 0))
            return p->obj;
    }
    int o = sol_obs_add_object(obs, type);
    if (o < 0)
        return -1;
    int rc =
        copy ? sol_obs_add_strcopy(obs, o, "value", s, n) : sol_obs_add_str(obs, o, "value", s, n);
    if (rc < 0) {
        obs->nobj--;
        return -1;
    }
    return o;
}
