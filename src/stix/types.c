/*
 * types.c — the STIX 2.1 object types as tables: every SDO (§4), SRO (§5), SCO (§6)
 * with its predefined extensions, and the meta objects (§7), each with its properties,
 * their kinds and the rules that tie several properties together.
 *
 * STIX 2.0 differences are flags on the same tables (SP_REQ20, SP_ONLY21, SP_ONLY20,
 * TV_21): the 2.0 objects are a subset of these types with a few properties more
 * (labels required on some SDOs) and fewer (no spec_version on objects, no SCOs at
 * the top level).
 */
#include <string.h>

#include "stix/stix.h"

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, NULL, 0, 0                                                                     \
    }
#define OV(v) ((const void *)&(v))
#define ST(d) ((const void *)&(d))

/* STIX 2.1 §3.2: the common properties of SDOs and SROs. */
const struct sol__prop sol__common_sdo[] = {
    {"type", PK_TYPE, SP_REQ_BOTH, NULL, 0, 0},
    {"spec_version", PK_SPEC_VERSION, SP_REQ | SP_ONLY21, NULL, 0, 0},
    {"id", PK_ID, SP_REQ_BOTH, NULL, 0, 0},
    {"created_by_ref", PK_REF, 0, "identity", 0, 0},
    {"created", PK_TIMESTAMP, SP_REQ_BOTH | SP_MILLIS, NULL, 0, 0},
    {"modified", PK_TIMESTAMP, SP_REQ_BOTH | SP_MILLIS, NULL, 0, 0},
    {"revoked", PK_BOOL, 0, NULL, 0, 0},
    {"labels", PK_STRING_LIST, 0, NULL, 0, 0},
    {"confidence", PK_INT, SP_ONLY21, NULL, 0, 100},
    {"lang", PK_LANG, SP_ONLY21, NULL, 0, 0},
    {"external_references", PK_EXTREF_LIST, 0, NULL, 0, 0},
    {"object_marking_refs", PK_REF_LIST, 0, "marking-definition", 0, 0},
    {"granular_markings", PK_GRANULAR_LIST, 0, NULL, 0, 0},
    {"extensions", PK_EXTENSIONS, SP_ONLY21, NULL, 0, 0},
    END,
};

/* STIX 2.1 §3.2: the common properties of SCOs (no versioning properties). */
const struct sol__prop sol__common_sco[] = {
    {"type", PK_TYPE, SP_REQ_BOTH, NULL, 0, 0},
    {"spec_version", PK_SPEC_VERSION, SP_ONLY21, NULL, 0, 0},
    {"id", PK_ID, SP_REQ, NULL, 0, 0},
    {"object_marking_refs", PK_REF_LIST, 0, "marking-definition", 0, 0},
    {"granular_markings", PK_GRANULAR_LIST, 0, NULL, 0, 0},
    {"defanged", PK_BOOL, SP_ONLY21, NULL, 0, 0},
    {"extensions", PK_EXTENSIONS, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §7.1.1: language-content has the SDO properties but lang. */
const struct sol__prop sol__common_language_content[] = {
    {"type", PK_TYPE, SP_REQ, NULL, 0, 0},
    {"spec_version", PK_SPEC_VERSION, SP_REQ, NULL, 0, 0},
    {"id", PK_ID, SP_REQ, NULL, 0, 0},
    {"created_by_ref", PK_REF, 0, "identity", 0, 0},
    {"created", PK_TIMESTAMP, SP_REQ | SP_MILLIS, NULL, 0, 0},
    {"modified", PK_TIMESTAMP, SP_REQ | SP_MILLIS, NULL, 0, 0},
    {"revoked", PK_BOOL, 0, NULL, 0, 0},
    {"labels", PK_STRING_LIST, 0, NULL, 0, 0},
    {"confidence", PK_INT, 0, NULL, 0, 100},
    {"external_references", PK_EXTREF_LIST, 0, NULL, 0, 0},
    {"object_marking_refs", PK_REF_LIST, 0, "marking-definition", 0, 0},
    {"granular_markings", PK_GRANULAR_LIST, 0, NULL, 0, 0},
    {"extensions", PK_EXTENSIONS, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §7.2.1: marking definitions are not versioned (no modified, revoked). */
const struct sol__prop sol__common_marking_definition[] = {
    {"type", PK_TYPE, SP_REQ_BOTH, NULL, 0, 0},
    {"spec_version", PK_SPEC_VERSION, SP_REQ | SP_ONLY21, NULL, 0, 0},
    {"id", PK_ID, SP_REQ_BOTH, NULL, 0, 0},
    {"created_by_ref", PK_REF, 0, "identity", 0, 0},
    {"created", PK_TIMESTAMP, SP_REQ_BOTH | SP_MILLIS, NULL, 0, 0},
    {"external_references", PK_EXTREF_LIST, 0, NULL, 0, 0},
    {"object_marking_refs", PK_REF_LIST, 0, "marking-definition", 0, 0},
    {"granular_markings", PK_GRANULAR_LIST, 0, NULL, 0, 0},
    {"extensions", PK_EXTENSIONS, SP_ONLY21, NULL, 0, 0},
    END,
};

/* STIX 2.1 §7.3.1: created_by_ref is required; extensions do not apply. */
const struct sol__prop sol__common_extension_definition[] = {
    {"type", PK_TYPE, SP_REQ, NULL, 0, 0},
    {"spec_version", PK_SPEC_VERSION, SP_REQ, NULL, 0, 0},
    {"id", PK_ID, SP_REQ, NULL, 0, 0},
    {"created_by_ref", PK_REF, SP_REQ, "identity", 0, 0},
    {"created", PK_TIMESTAMP, SP_REQ | SP_MILLIS, NULL, 0, 0},
    {"modified", PK_TIMESTAMP, SP_REQ | SP_MILLIS, NULL, 0, 0},
    {"revoked", PK_BOOL, 0, NULL, 0, 0},
    {"labels", PK_STRING_LIST, 0, NULL, 0, 0},
    {"external_references", PK_EXTREF_LIST, 0, NULL, 0, 0},
    {"object_marking_refs", PK_REF_LIST, 0, "marking-definition", 0, 0},
    {"granular_markings", PK_GRANULAR_LIST, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §2.11 */
static const struct sol__prop kill_chain_phase_props[] = {
    {"kill_chain_name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"phase_name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    END,
};
const struct sol__struct_def sol__kill_chain_phase_def = {"kill-chain-phase", "2.11",
                                                          kill_chain_phase_props, NULL, false};

/* ---- SDOs (§4) ---- */

/* STIX 2.1 §4.1 */
static const struct sol__prop attack_pattern_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"aliases", PK_STRING_LIST, SP_ONLY21, NULL, 0, 0},
    {"kill_chain_phases", PK_KILL_CHAIN_LIST, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §4.2 */
static const struct sol__prop campaign_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"aliases", PK_STRING_LIST, 0, NULL, 0, 0},
    {"first_seen", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"last_seen", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"objective", PK_STRING, 0, NULL, 0, 0},
    END,
};

static void
check_seen(struct sol__vctx *c, const struct sol_json *obj)
{
    sol__check_order(c, obj, "first_seen", "last_seen", false, c->td ? c->td->section : "");
}

/* STIX 2.1 §4.3 */
static const struct sol__prop course_of_action_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"action", PK_RESERVED, SP_ONLY21, NULL, 0, 0},
    END,
};

/* STIX 2.1 §4.4 */
static const struct sol__prop grouping_props[] = {
    {"name", PK_STRING, 0, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"context", PK_OV, SP_REQ, OV(sol__vocab_grouping_context_ov), 0, 0},
    {"object_refs", PK_REF_LIST, SP_REQ, "@any", 0, 0},
    END,
};

/* STIX 2.1 §4.5 */
static const struct sol__prop identity_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"roles", PK_STRING_LIST, 0, NULL, 0, 0},
    {"identity_class", PK_OV, SP_REQ20, OV(sol__vocab_identity_class_ov), 0, 0},
    {"sectors", PK_OV_LIST, 0, OV(sol__vocab_industry_sector_ov), 0, 0},
    {"contact_information", PK_STRING, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §4.6 */
static const struct sol__prop incident_props[] = {
    {"name", PK_STRING, SP_REQ, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"kill_chain_phases", PK_KILL_CHAIN_LIST, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §4.7 */
static const struct sol__prop indicator_props[] = {
    {"name", PK_STRING, 0, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"indicator_types", PK_OV_LIST, SP_ONLY21, OV(sol__vocab_indicator_type_ov), 0, 0},
    {"pattern", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"pattern_type", PK_OV, SP_REQ | SP_ONLY21, OV(sol__vocab_pattern_type_ov), 0, 0},
    {"pattern_version", PK_STRING, SP_ONLY21, NULL, 0, 0},
    {"valid_from", PK_TIMESTAMP, SP_REQ_BOTH, NULL, 0, 0},
    {"valid_until", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"kill_chain_phases", PK_KILL_CHAIN_LIST, 0, NULL, 0, 0},
    END,
};

static void
check_indicator(struct sol__vctx *c, const struct sol_json *obj)
{
    /* STIX 2.1 §4.7.1: valid_until MUST be greater than valid_from. */
    sol__check_order(c, obj, "valid_from", "valid_until", true, "4.7");
    const struct sol_json *pattern = sol_json_get(obj, "pattern");
    const struct sol_json *ptype = sol_json_get(obj, "pattern_type");
    bool stix = c->version == 20 || (ptype && sol_str_eqc(sol_json_str(ptype), "stix"));
    if (!stix || !sol_json_is_string(pattern))
        return;
    /* STIX 2.1 §4.7.1: pattern_type MUST match the pattern; for "stix" that is §9. */
    if (pattern->n == 0) {
        size_t old = sol__push_key(c, "pattern", 7);
        sol__err(c, "empty STIX pattern (§9)");
        sol__pop(c, old);
        return;
    }
    char why[400] = "";
    /* Under --strict the pattern's own strict checks run too (their warnings become
     * findings, which strict makes errors). */
    int rc = sol__pattern_checker
                 ? sol__pattern_checker(pattern->u.s, pattern->n, c->version, why, sizeof why)
                 : sol__pattern_check(pattern->u.s, pattern->n, c->version,
                                      c->opt && c->opt->strict, why, sizeof why);
    if (rc == SOL_ENOMEM) {
        c->syserr = SOL_ENOMEM;
    } else if (rc == 2) {
        /* Valid, with the pattern's strict warnings (an error under --strict). */
        size_t old = sol__push_key(c, "pattern", 7);
        sol__warn(c, "STIX pattern: %s (§9)", why);
        sol__pop(c, old);
    } else if (rc != 0) {
        size_t old = sol__push_key(c, "pattern", 7);
        sol__err(c, "invalid STIX pattern: %s (§9)", why[0] ? why : "syntax error");
        sol__pop(c, old);
    }
}

/* STIX 2.1 §4.8 */
static const struct sol__prop infrastructure_props[] = {
    {"name", PK_STRING, SP_REQ, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"infrastructure_types", PK_OV_LIST, 0, OV(sol__vocab_infrastructure_type_ov), 0, 0},
    {"aliases", PK_STRING_LIST, 0, NULL, 0, 0},
    {"kill_chain_phases", PK_KILL_CHAIN_LIST, 0, NULL, 0, 0},
    {"first_seen", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"last_seen", PK_TIMESTAMP, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §4.9 */
static const struct sol__prop intrusion_set_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"aliases", PK_STRING_LIST, 0, NULL, 0, 0},
    {"first_seen", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"last_seen", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"goals", PK_STRING_LIST, 0, NULL, 0, 0},
    {"resource_level", PK_OV, 0, OV(sol__vocab_attack_resource_level_ov), 0, 0},
    {"primary_motivation", PK_OV, 0, OV(sol__vocab_attack_motivation_ov), 0, 0},
    {"secondary_motivations", PK_OV_LIST, 0, OV(sol__vocab_attack_motivation_ov), 0, 0},
    END,
};

/* STIX 2.1 §4.10 */
static const struct sol__prop location_props[] = {
    {"name", PK_STRING, 0, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"latitude", PK_FLOAT, 0, NULL, -90.0, 90.0},
    {"longitude", PK_FLOAT, 0, NULL, -180.0, 180.0},
    {"precision", PK_FLOAT, 0, NULL, 0, 0},
    {"region", PK_OV, 0, OV(sol__vocab_region_ov), 0, 0},
    {"country", PK_STRING, 0, NULL, 0, 0},
    {"administrative_area", PK_STRING, 0, NULL, 0, 0},
    {"city", PK_STRING, 0, NULL, 0, 0},
    {"street_address", PK_STRING, 0, NULL, 0, 0},
    {"postal_code", PK_STRING, 0, NULL, 0, 0},
    END,
};

static void
check_location(struct sol__vctx *c, const struct sol_json *obj)
{
    bool lat = sol__has(obj, "latitude"), lon = sol__has(obj, "longitude");
    /* STIX 2.1 §4.10: at least one of region, country, or latitude and longitude. */
    if (!sol__has(obj, "region") && !sol__has(obj, "country") && !(lat && lon))
        sol__err(c, "at least one of region, country, or latitude and longitude must be "
                    "present (§4.10)");
    /* STIX 2.1 §4.10.1: latitude and longitude go together; precision needs both. */
    if (lat != lon) {
        size_t old = sol__push_key(c, lat ? "latitude" : "longitude", lat ? 8 : 9);
        sol__err(c, "%s requires %s (§4.10.1)", lat ? "latitude" : "longitude",
                 lat ? "longitude" : "latitude");
        sol__pop(c, old);
    }
    if (sol__has(obj, "precision") && !(lat && lon)) {
        size_t old = sol__push_key(c, "precision", 9);
        sol__err(c, "precision requires latitude and longitude (§4.10.1)");
        sol__pop(c, old);
    }
}

/* STIX 2.1 §4.11 */
static const struct sol__prop malware_props[] = {
    {"name", PK_STRING, SP_REQ20, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"malware_types", PK_OV_LIST, SP_ONLY21, OV(sol__vocab_malware_type_ov), 0, 0},
    {"is_family", PK_BOOL, SP_ONLY21, NULL, 0, 0},
    {"aliases", PK_STRING_LIST, SP_ONLY21, NULL, 0, 0},
    {"kill_chain_phases", PK_KILL_CHAIN_LIST, 0, NULL, 0, 0},
    {"first_seen", PK_TIMESTAMP, SP_ONLY21, NULL, 0, 0},
    {"last_seen", PK_TIMESTAMP, SP_ONLY21, NULL, 0, 0},
    {"operating_system_refs", PK_REF_LIST, SP_ONLY21, "software", 0, 0},
    {"architecture_execution_envs", PK_OV_LIST, SP_ONLY21, OV(sol__vocab_processor_architecture_ov),
     0, 0},
    {"implementation_languages", PK_OV_LIST, SP_ONLY21, OV(sol__vocab_implementation_language_ov),
     0, 0},
    {"capabilities", PK_OV_LIST, SP_ONLY21, OV(sol__vocab_malware_capabilities_ov), 0, 0},
    {"sample_refs", PK_REF_LIST, SP_ONLY21, "file artifact", 0, 0},
    END,
};

static void
check_malware(struct sol__vctx *c, const struct sol_json *obj)
{
    check_seen(c, obj);
    /*
     * STIX 2.1 §4.11.1: the OASIS Standard's text marks is_family "(required)", and so do
     * the OASIS JSON schemas, the OASIS validator and python-stix2; the copy we build from
     * (with Errata 01) says "(optional)". Partners' tools refuse a malware without it:
     * a warning, so an error under --strict.
     */
    if (c->version == 21 && !sol__has(obj, "is_family")) {
        size_t old = sol__push_key(c, "is_family", 9);
        sol__warn(c, "missing: the STIX 2.1 OASIS Standard (§4.11.1), the OASIS JSON schemas, "
                     "the OASIS validator and python-stix2 require it (the text with Errata 01 "
                     "says optional)");
        sol__pop(c, old);
    }
    /* STIX 2.1 §4.11.1: for a malware family the name MUST be defined. */
    const struct sol_json *fam = sol_json_get(obj, "is_family");
    if (fam && fam->type == SOL_JSON_BOOL && fam->u.b && !sol__has(obj, "name"))
        sol__err(c, "name: required for a malware family (is_family true, §4.11.1)");
}

/* STIX 2.1 §4.12 */
static const struct sol__prop malware_analysis_props[] = {
    {"product", PK_STRING, SP_REQ, NULL, 0, 0},
    {"version", PK_STRING, 0, NULL, 0, 0},
    {"host_vm_ref", PK_REF, 0, "software", 0, 0},
    {"operating_system_ref", PK_REF, 0, "software", 0, 0},
    {"installed_software_refs", PK_REF_LIST, 0, "software", 0, 0},
    {"configuration_version", PK_STRING, 0, NULL, 0, 0},
    {"modules", PK_STRING_LIST, 0, NULL, 0, 0},
    {"analysis_engine_version", PK_STRING, 0, NULL, 0, 0},
    {"analysis_definition_version", PK_STRING, 0, NULL, 0, 0},
    {"submitted", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"analysis_started", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"analysis_ended", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"result_name", PK_STRING, 0, NULL, 0, 0},
    {"result", PK_OV, 0, OV(sol__vocab_malware_result_ov), 0, 0},
    {"analysis_sco_refs", PK_REF_LIST, 0, "@sco", 0, 0},
    {"sample_ref", PK_REF, 0, "file network-traffic artifact", 0, 0},
    END,
};

static void
check_malware_analysis(struct sol__vctx *c, const struct sol_json *obj)
{
    /* STIX 2.1 §4.12: one of result or analysis_sco_refs MUST be provided. */
    if (!sol__has(obj, "result") && !sol__has(obj, "analysis_sco_refs"))
        sol__err(c, "one of result or analysis_sco_refs must be present (§4.12)");
    sol__check_order(c, obj, "analysis_started", "analysis_ended", false, "4.12");
}

/* STIX 2.1 §4.13 */
static const struct sol__prop note_props[] = {
    {"abstract", PK_STRING, 0, NULL, 0, 0},
    {"content", PK_STRING, SP_REQ, NULL, 0, 0},
    {"authors", PK_STRING_LIST, 0, NULL, 0, 0},
    {"object_refs", PK_REF_LIST, SP_REQ, "@any", 0, 0},
    END,
};

/* STIX 2.1 §4.14 */
static const struct sol__prop observed_data_props[] = {
    {"first_observed", PK_TIMESTAMP, SP_REQ_BOTH, NULL, 0, 0},
    {"last_observed", PK_TIMESTAMP, SP_REQ_BOTH, NULL, 0, 0},
    {"number_observed", PK_INT, SP_REQ_BOTH, NULL, 1, 999999999},
    {"objects", PK_ANY, SP_REQ20 | SP_DEPRECATED, NULL, 0, 0},
    {"object_refs", PK_REF_LIST, SP_ONLY21, "@sco @sro", 0, 0},
    END,
};

/*
 * The rules that decide how an observed-data is read as observations (first_observed
 * before last_observed, where its objects are), apart from the checks of each property's
 * value: shared by the validator and sol_stix_validate_observation().
 */
void
sol__check_observation_frame(struct sol__vctx *c, const struct sol_json *obj)
{
    /* STIX 2.1 §4.14.1: last_observed MUST be >= first_observed. */
    sol__check_order(c, obj, "first_observed", "last_observed", false, "4.14.1");
    const struct sol_json *objects = sol_json_get(obj, "objects");
    const struct sol_json *refs = sol_json_get(obj, "object_refs");
    if (c->version == 21) {
        /* STIX 2.1 §4.14: exactly one of objects and object_refs. */
        if (!objects && !refs)
            sol__err(c, "one of objects or object_refs must be present (§4.14)");
        else if (objects && refs)
            sol__err(c, "objects and object_refs must not both be present (§4.14)");
        else if (objects) {
            size_t old = sol__push_key(c, "objects", 7);
            sol__warn(c, "deprecated observable container; use object_refs (§2.13, §4.14)");
            sol__pop(c, old);
        }
    }
}

static void
check_observed_data(struct sol__vctx *c, const struct sol_json *obj)
{
    sol__check_observation_frame(c, obj);
    const struct sol_json *objects = sol_json_get(obj, "objects");
    const struct sol_json *refs = sol_json_get(obj, "object_refs");
    if (c->version == 21) {
        if (sol_json_type(refs) == SOL_JSON_ARRAY && refs->n > 0) {
            /* STIX 2.1 §4.14.1: object_refs MUST contain at least one SCO reference. */
            bool sco = false;
            struct sol_json_iter it;
            const struct sol_json *e;
            sol_json_iter_init(&it, refs);
            while (sol_json_iter_next(&it, NULL, &e))
                if (sol_stix_is_sco_type(sol__id_type(sol_json_str(e))))
                    sco = true;
            if (!sco) {
                size_t old = sol__push_key(c, "object_refs", 11);
                sol__err(c, "must contain at least one SCO reference (§4.14.1)");
                sol__pop(c, old);
            }
        }
    }
    if (objects) {
        size_t old = sol__push_key(c, "objects", 7);
        sol__check_observable_container(c, objects);
        sol__pop(c, old);
    }
}

/* STIX 2.1 §4.15 */
static const struct sol__prop opinion_props[] = {
    {"explanation", PK_STRING, 0, NULL, 0, 0},
    {"authors", PK_STRING_LIST, 0, NULL, 0, 0},
    {"opinion", PK_OV, SP_REQ, OV(sol__vocab_opinion_enum), 0, 0},
    {"object_refs", PK_REF_LIST, SP_REQ, "@any", 0, 0},
    END,
};

/* STIX 2.1 §4.16 */
static const struct sol__prop report_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"report_types", PK_OV_LIST, SP_ONLY21, OV(sol__vocab_report_type_ov), 0, 0},
    {"published", PK_TIMESTAMP, SP_REQ_BOTH, NULL, 0, 0},
    {"object_refs", PK_REF_LIST, SP_REQ_BOTH, "@any", 0, 0},
    END,
};

/* STIX 2.1 §4.17 */
static const struct sol__prop threat_actor_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"threat_actor_types", PK_OV_LIST, SP_ONLY21, OV(sol__vocab_threat_actor_type_ov), 0, 0},
    {"aliases", PK_STRING_LIST, 0, NULL, 0, 0},
    {"first_seen", PK_TIMESTAMP, SP_ONLY21, NULL, 0, 0},
    {"last_seen", PK_TIMESTAMP, SP_ONLY21, NULL, 0, 0},
    {"roles", PK_OV_LIST, 0, OV(sol__vocab_threat_actor_role_ov), 0, 0},
    {"goals", PK_STRING_LIST, 0, NULL, 0, 0},
    {"sophistication", PK_OV, 0, OV(sol__vocab_threat_actor_sophistication_ov), 0, 0},
    {"resource_level", PK_OV, 0, OV(sol__vocab_attack_resource_level_ov), 0, 0},
    {"primary_motivation", PK_OV, 0, OV(sol__vocab_attack_motivation_ov), 0, 0},
    {"secondary_motivations", PK_OV_LIST, 0, OV(sol__vocab_attack_motivation_ov), 0, 0},
    {"personal_motivations", PK_OV_LIST, 0, OV(sol__vocab_attack_motivation_ov), 0, 0},
    END,
};

/* STIX 2.1 §4.18 */
static const struct sol__prop tool_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"tool_types", PK_OV_LIST, SP_ONLY21, OV(sol__vocab_tool_type_ov), 0, 0},
    {"aliases", PK_STRING_LIST, SP_ONLY21, NULL, 0, 0},
    {"kill_chain_phases", PK_KILL_CHAIN_LIST, 0, NULL, 0, 0},
    {"tool_version", PK_STRING, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §4.19 */
static const struct sol__prop vulnerability_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    END,
};

/* ---- SROs (§5) ---- */

/* STIX 2.1 §5.1.2 */
static const struct sol__prop relationship_props[] = {
    {"relationship_type", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"source_ref", PK_REF, SP_REQ_BOTH, "@sdo @sco", 0, 0},
    {"target_ref", PK_REF, SP_REQ_BOTH, "@sdo @sco", 0, 0},
    {"start_time", PK_TIMESTAMP, SP_ONLY21, NULL, 0, 0},
    {"stop_time", PK_TIMESTAMP, SP_ONLY21, NULL, 0, 0},
    END,
};

static void
check_relationship(struct sol__vctx *c, const struct sol_json *obj)
{
    /* STIX 2.1 §5.1.2: relationship_type is ASCII a-z, 0-9 and hyphen. */
    struct sol_str rt = sol_json_str(sol_json_get(obj, "relationship_type"));
    if (rt.p) {
        bool ok = rt.n > 0;
        for (size_t i = 0; i < rt.n; i++)
            if (!((rt.p[i] >= 'a' && rt.p[i] <= 'z') || (rt.p[i] >= '0' && rt.p[i] <= '9') ||
                  rt.p[i] == '-'))
                ok = false;
        if (!ok) {
            size_t old = sol__push_key(c, "relationship_type", 17);
            sol__err(c, "'%.*s' must contain only a-z, 0-9 and hyphen (§5.1.2)",
                     (int)(rt.n > 64 ? 64 : rt.n), rt.p);
            sol__pop(c, old);
        }
    }
    /* STIX 2.1 §5.1.2: stop_time MUST be later than start_time. */
    sol__check_order(c, obj, "start_time", "stop_time", true, "5.1.2");
}

/* STIX 2.1 §5.2.1 */
static const struct sol__prop sighting_props[] = {
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"first_seen", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"last_seen", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"count", PK_INT, 0, NULL, 0, 999999999},
    {"sighting_of_ref", PK_REF, SP_REQ_BOTH, "@sdo", 0, 0},
    {"observed_data_refs", PK_REF_LIST, 0, "observed-data", 0, 0},
    {"where_sighted_refs", PK_REF_LIST, 0, "identity location", 0, 0},
    {"summary", PK_BOOL, 0, NULL, 0, 0},
    END,
};

/* ---- SCOs (§6) and their extensions ---- */

/* STIX 2.1 §6.1 */
static const struct sol__prop artifact_props[] = {
    {"mime_type", PK_STRING, 0, NULL, 0, 0},
    {"payload_bin", PK_BINARY, 0, NULL, 0, 0},
    {"url", PK_STRING, 0, NULL, 0, 0},
    {"hashes", PK_HASHES, 0, NULL, 0, 0},
    {"encryption_algorithm", PK_OV, 0, OV(sol__vocab_encryption_algorithm_enum), 0, 0},
    {"decryption_key", PK_STRING, 0, NULL, 0, 0},
    END,
};

static void
check_artifact(struct sol__vctx *c, const struct sol_json *obj)
{
    bool bin = sol__has(obj, "payload_bin"), url = sol__has(obj, "url");
    /* STIX 2.1 §6.1: one of payload_bin or url, not both. */
    if (!bin && !url)
        sol__err(c, "one of payload_bin or url must be present (§6.1)");
    if (bin && url)
        sol__err(c, "payload_bin and url must not both be present (§6.1.1)");
    if (url && !sol__has(obj, "hashes"))
        sol__err(c, "hashes: required when url is present (§6.1.1)");
    if (sol__has(obj, "decryption_key") && !sol__has(obj, "encryption_algorithm"))
        sol__err(c, "decryption_key: must not be present without encryption_algorithm (§6.1.1)");
}

/* STIX 2.1 §6.2 */
static const struct sol__prop autonomous_system_props[] = {
    {"number", PK_INT, SP_REQ_BOTH, NULL, 0, 4294967295.0},
    {"name", PK_STRING, 0, NULL, 0, 0},
    {"rir", PK_STRING, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §6.3 */
static const struct sol__prop directory_props[] = {
    {"path", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"path_enc", PK_STRING, 0, NULL, 0, 0},
    {"ctime", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"mtime", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"atime", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"contains_refs", PK_REF_LIST, 0, "file directory", 0, 0},
    END,
};

/* STIX 2.1 §6.4 */
static const struct sol__prop domain_name_props[] = {
    {"value", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"resolves_to_refs", PK_REF_LIST, 0, "ipv4-addr ipv6-addr domain-name", 0, 0},
    END,
};

/* STIX 2.1 §6.5 */
static const struct sol__prop email_addr_props[] = {
    {"value", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"display_name", PK_STRING, 0, NULL, 0, 0},
    {"belongs_to_ref", PK_REF, 0, "user-account", 0, 0},
    END,
};

/* STIX 2.1 §6.6.2 */
static const struct sol__prop mime_part_props[] = {
    {"body", PK_STRING, 0, NULL, 0, 0},
    {"body_raw_ref", PK_REF, 0, "artifact file", 0, 0},
    {"content_type", PK_STRING, 0, NULL, 0, 0},
    {"content_disposition", PK_STRING, 0, NULL, 0, 0},
    END,
};

static void
check_mime_part(struct sol__vctx *c, const struct sol_json *obj)
{
    /* STIX 2.1 §6.6.2: one of body or body_raw_ref MUST be included. */
    if (!sol__has(obj, "body") && !sol__has(obj, "body_raw_ref"))
        sol__err(c, "one of body or body_raw_ref must be present (§6.6.2)");
}

static const struct sol__struct_def mime_part_def = {"email-mime-part-type", "6.6.2",
                                                     mime_part_props, check_mime_part, false};

/* STIX 2.1 §6.6 */
static const struct sol__prop email_message_props[] = {
    {"is_multipart", PK_BOOL, SP_REQ_BOTH, NULL, 0, 0},
    {"date", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"content_type", PK_STRING, 0, NULL, 0, 0},
    {"from_ref", PK_REF, 0, "email-addr", 0, 0},
    {"sender_ref", PK_REF, 0, "email-addr", 0, 0},
    {"to_refs", PK_REF_LIST, 0, "email-addr", 0, 0},
    {"cc_refs", PK_REF_LIST, 0, "email-addr", 0, 0},
    {"bcc_refs", PK_REF_LIST, 0, "email-addr", 0, 0},
    {"message_id", PK_STRING, 0, NULL, 0, 0},
    {"subject", PK_STRING, 0, NULL, 0, 0},
    {"received_lines", PK_STRING_LIST, 0, NULL, 0, 0},
    {"additional_header_fields", PK_DICT, 0, NULL, 0, 0},
    {"body", PK_STRING, 0, NULL, 0, 0},
    {"body_multipart", PK_STRUCT_LIST, 0, ST(mime_part_def), 0, 0},
    {"raw_email_ref", PK_REF, 0, "artifact", 0, 0},
    END,
};

static void
check_email_message(struct sol__vctx *c, const struct sol_json *obj)
{
    const struct sol_json *mp = sol_json_get(obj, "is_multipart");
    if (!mp || mp->type != SOL_JSON_BOOL)
        return;
    /* STIX 2.1 §6.6.1: body only when not multipart, body_multipart only when multipart. */
    if (mp->u.b && sol__has(obj, "body"))
        sol__err(c, "body: must not be present when is_multipart is true (§6.6.1)");
    if (!mp->u.b && sol__has(obj, "body_multipart"))
        sol__err(c, "body_multipart: must not be present when is_multipart is false (§6.6.1)");
}

/* STIX 2.1 §6.7.2 */
static const struct sol__prop archive_ext_props[] = {
    {"contains_refs", PK_REF_LIST, SP_REQ_BOTH, "file directory", 0, 0},
    {"comment", PK_STRING, 0, NULL, 0, 0},
    {"version", PK_STRING, SP_ONLY20, NULL, 0, 0},
    END,
};
static const struct sol__struct_def archive_ext_def = {"archive-ext", "6.7.2", archive_ext_props,
                                                       NULL, false};

/* STIX 2.1 §6.7.3 */
static const struct sol__prop ads_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"hashes", PK_HASHES, 0, NULL, 0, 0},
    {"size", PK_INT, 0, NULL, 0, 9007199254740991.0},
    END,
};
static const struct sol__struct_def ads_def = {"alternate-data-stream-type", "6.7.3", ads_props,
                                               NULL, false};
static const struct sol__prop ntfs_ext_props[] = {
    {"sid", PK_STRING, 0, NULL, 0, 0},
    {"alternate_data_streams", PK_STRUCT_LIST, 0, ST(ads_def), 0, 0},
    END,
};
static const struct sol__struct_def ntfs_ext_def = {"ntfs-ext", "6.7.3", ntfs_ext_props, NULL,
                                                    true};

/* STIX 2.1 §6.7.4 */
static const struct sol__prop pdf_ext_props[] = {
    {"version", PK_STRING, 0, NULL, 0, 0},          {"is_optimized", PK_BOOL, 0, NULL, 0, 0},
    {"document_info_dict", PK_DICT, 0, NULL, 0, 0}, {"pdfid0", PK_STRING, 0, NULL, 0, 0},
    {"pdfid1", PK_STRING, 0, NULL, 0, 0},           END,
};
static const struct sol__struct_def pdf_ext_def = {"pdf-ext", "6.7.4", pdf_ext_props, NULL, true};

/* STIX 2.1 §6.7.5 */
static const struct sol__prop raster_ext_props[] = {
    {"image_height", PK_INT, 0, NULL, 0, 0},
    {"image_width", PK_INT, 0, NULL, 0, 0},
    {"bits_per_pixel", PK_INT, 0, NULL, 0, 0},
    {"exif_tags", PK_DICT, 0, NULL, 0, 0},
    {"image_compression_algorithm", PK_STRING, SP_ONLY20, NULL, 0, 0},
    END,
};
static const struct sol__struct_def raster_ext_def = {"raster-image-ext", "6.7.5", raster_ext_props,
                                                      NULL, true};

#define NONNEG 0, 9007199254740991.0

/* STIX 2.1 §6.7.6 */
static const struct sol__prop pe_optional_header_props[] = {
    {"magic_hex", PK_HEX, 0, NULL, 0, 0},
    {"major_linker_version", PK_INT, 0, NULL, 0, 0},
    {"minor_linker_version", PK_INT, 0, NULL, 0, 0},
    {"size_of_code", PK_INT, 0, NULL, NONNEG},
    {"size_of_initialized_data", PK_INT, 0, NULL, NONNEG},
    {"size_of_uninitialized_data", PK_INT, 0, NULL, NONNEG},
    {"address_of_entry_point", PK_INT, 0, NULL, 0, 0},
    {"base_of_code", PK_INT, 0, NULL, 0, 0},
    {"base_of_data", PK_INT, 0, NULL, 0, 0},
    {"image_base", PK_INT, 0, NULL, 0, 0},
    {"section_alignment", PK_INT, 0, NULL, 0, 0},
    {"file_alignment", PK_INT, 0, NULL, 0, 0},
    {"major_os_version", PK_INT, 0, NULL, 0, 0},
    {"minor_os_version", PK_INT, 0, NULL, 0, 0},
    {"major_image_version", PK_INT, 0, NULL, 0, 0},
    {"minor_image_version", PK_INT, 0, NULL, 0, 0},
    {"major_subsystem_version", PK_INT, 0, NULL, 0, 0},
    {"minor_subsystem_version", PK_INT, 0, NULL, 0, 0},
    {"win32_version_value_hex", PK_HEX, 0, NULL, 0, 0},
    {"size_of_image", PK_INT, 0, NULL, NONNEG},
    {"size_of_headers", PK_INT, 0, NULL, NONNEG},
    {"checksum_hex", PK_HEX, 0, NULL, 0, 0},
    {"subsystem_hex", PK_HEX, 0, NULL, 0, 0},
    {"dll_characteristics_hex", PK_HEX, 0, NULL, 0, 0},
    {"size_of_stack_reserve", PK_INT, 0, NULL, NONNEG},
    {"size_of_stack_commit", PK_INT, 0, NULL, NONNEG},
    {"size_of_heap_reserve", PK_INT, 0, NULL, NONNEG},
    {"size_of_heap_commit", PK_INT, 0, NULL, NONNEG},
    {"loader_flags_hex", PK_HEX, 0, NULL, 0, 0},
    {"number_of_rva_and_sizes", PK_INT, 0, NULL, 0, 0},
    {"hashes", PK_HASHES, 0, NULL, 0, 0},
    END,
};
static const struct sol__struct_def pe_optional_header_def = {
    "windows-pe-optional-header-type", "6.7.6", pe_optional_header_props, NULL, true};
static const struct sol__prop pe_section_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"size", PK_INT, 0, NULL, NONNEG},
    {"entropy", PK_FLOAT, 0, NULL, 0, 0},
    {"hashes", PK_HASHES, 0, NULL, 0, 0},
    END,
};
static const struct sol__struct_def pe_section_def = {"windows-pe-section-type", "6.7.6",
                                                      pe_section_props, NULL, false};
static const struct sol__prop pebinary_ext_props[] = {
    {"pe_type", PK_OV, SP_REQ_BOTH, OV(sol__vocab_windows_pebinary_type_ov), 0, 0},
    {"imphash", PK_STRING, 0, NULL, 0, 0},
    {"machine_hex", PK_HEX, 0, NULL, 0, 0},
    {"number_of_sections", PK_INT, 0, NULL, NONNEG},
    {"time_date_stamp", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"pointer_to_symbol_table_hex", PK_HEX, 0, NULL, 0, 0},
    {"number_of_symbols", PK_INT, 0, NULL, NONNEG},
    {"size_of_optional_header", PK_INT, 0, NULL, NONNEG},
    {"characteristics_hex", PK_HEX, 0, NULL, 0, 0},
    {"file_header_hashes", PK_HASHES, 0, NULL, 0, 0},
    {"optional_header", PK_STRUCT, 0, ST(pe_optional_header_def), 0, 0},
    {"sections", PK_STRUCT_LIST, 0, ST(pe_section_def), 0, 0},
    END,
};

static void
check_pebinary_ext(struct sol__vctx *c, const struct sol_json *ext)
{
    /* STIX 2.1 §6.7.6: at least one property other than pe_type. */
    if (ext->n < 2 || (ext->n == 1 && sol__has(ext, "pe_type")))
        sol__err(c, "must contain at least one property other than pe_type (§6.7.6)");
}

static const struct sol__struct_def pebinary_ext_def = {
    "windows-pebinary-ext", "6.7.6", pebinary_ext_props, check_pebinary_ext, false};

static const struct sol__ext_def file_exts[] = {
    {"archive-ext", &archive_ext_def},
    {"ntfs-ext", &ntfs_ext_def},
    {"pdf-ext", &pdf_ext_def},
    {"raster-image-ext", &raster_ext_def},
    {"windows-pebinary-ext", &pebinary_ext_def},
    {NULL, NULL},
};

/* STIX 2.1 §6.7.1 */
static const struct sol__prop file_props[] = {
    {"hashes", PK_HASHES, 0, NULL, 0, 0},
    {"size", PK_INT, 0, NULL, NONNEG},
    {"name", PK_STRING, 0, NULL, 0, 0},
    {"name_enc", PK_STRING, 0, NULL, 0, 0},
    {"magic_number_hex", PK_HEX, 0, NULL, 0, 0},
    {"mime_type", PK_STRING, 0, NULL, 0, 0},
    {"ctime", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"mtime", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"atime", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"parent_directory_ref", PK_REF, 0, "directory", 0, 0},
    {"contains_refs", PK_REF_LIST, 0, "@sco", 0, 0},
    {"content_ref", PK_REF, 0, "artifact", 0, 0},
    {"created", PK_TIMESTAMP, SP_ONLY20, NULL, 0, 0},
    {"modified", PK_TIMESTAMP, SP_ONLY20, NULL, 0, 0},
    {"accessed", PK_TIMESTAMP, SP_ONLY20, NULL, 0, 0},
    {"is_encrypted", PK_BOOL, SP_ONLY20, NULL, 0, 0},
    {"encryption_algorithm", PK_STRING, SP_ONLY20, NULL, 0, 0},
    {"decryption_key", PK_STRING, SP_ONLY20, NULL, 0, 0},
    END,
};

static void
check_enc(struct sol__vctx *c, const struct sol_json *obj, const char *enc, const char *base)
{
    /* STIX 2.1 §3.1: an _enc property MUST NOT be present without its base property. */
    if (sol__has(obj, enc) && !sol__has(obj, base))
        sol__err(c, "%s: must not be present without %s (§3.1)", enc, base);
}

static void
check_file(struct sol__vctx *c, const struct sol_json *obj)
{
    /* STIX 2.1 §6.7: a File object MUST contain at least one of hashes or name. */
    if (c->version == 21 && !sol__has(obj, "hashes") && !sol__has(obj, "name"))
        sol__err(c, "at least one of hashes or name must be present (§6.7)");
    check_enc(c, obj, "name_enc", "name");
}

static void
check_directory(struct sol__vctx *c, const struct sol_json *obj)
{
    check_enc(c, obj, "path_enc", "path");
}

/* STIX 2.1 §6.8, §6.9 */
static const struct sol__prop ipv4_props[] = {
    {"value", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"resolves_to_refs", PK_REF_LIST, 0, "mac-addr", 0, 0},
    {"belongs_to_refs", PK_REF_LIST, 0, "autonomous-system", 0, 0},
    END,
};

static void
check_ip(struct sol__vctx *c, const struct sol_json *obj, int family)
{
    struct sol_str v = sol_json_str(sol_json_get(obj, "value"));
    if (v.p && !sol__ip_value_ok(v.p, v.n, family)) {
        size_t old = sol__push_key(c, "value", 5);
        sol__err(c, "'%.*s' is not an IPv%d address or CIDR block (§6.%d.1)",
                 (int)(v.n > 64 ? 64 : v.n), v.p, family, family == 4 ? 8 : 9);
        sol__pop(c, old);
    }
}

static void
check_ipv4(struct sol__vctx *c, const struct sol_json *obj)
{
    check_ip(c, obj, 4);
}

static void
check_ipv6(struct sol__vctx *c, const struct sol_json *obj)
{
    check_ip(c, obj, 6);
}

/* STIX 2.1 §6.10 */
static const struct sol__prop mac_addr_props[] = {
    {"value", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    END,
};

static void
check_mac_addr(struct sol__vctx *c, const struct sol_json *obj)
{
    /* STIX 2.1 §6.10.1: colon-delimited, lowercase MAC-48 with leading zeros. */
    struct sol_str v = sol_json_str(sol_json_get(obj, "value"));
    if (!v.p)
        return;
    bool ok = v.n == 17;
    for (size_t i = 0; ok && i < 17; i++) {
        char ch = v.p[i];
        if (i % 3 == 2)
            ok = ch == ':';
        else
            ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
    }
    if (!ok) {
        size_t old = sol__push_key(c, "value", 5);
        sol__err(c, "'%.*s' is not a colon-delimited lowercase MAC-48 address (§6.10.1)",
                 (int)(v.n > 64 ? 64 : v.n), v.p);
        sol__pop(c, old);
    }
}

/* STIX 2.1 §6.11 */
static const struct sol__prop mutex_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    END,
};

/* STIX 2.1 §6.12.2 */
static const struct sol__prop http_request_ext_props[] = {
    {"request_method", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"request_value", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"request_version", PK_STRING, 0, NULL, 0, 0},
    {"request_header", PK_DICT, 0, NULL, 0, 0},
    {"message_body_length", PK_INT, 0, NULL, NONNEG},
    {"message_body_data_ref", PK_REF, 0, "artifact", 0, 0},
    END,
};
static const struct sol__struct_def http_request_ext_def = {"http-request-ext", "6.12.2",
                                                            http_request_ext_props, NULL, false};

/* STIX 2.1 §6.12.3 */
static const struct sol__prop icmp_ext_props[] = {
    {"icmp_type_hex", PK_HEX, SP_REQ_BOTH, NULL, 0, 0},
    {"icmp_code_hex", PK_HEX, SP_REQ_BOTH, NULL, 0, 0},
    END,
};
static const struct sol__struct_def icmp_ext_def = {"icmp-ext", "6.12.3", icmp_ext_props, NULL,
                                                    false};

/* STIX 2.1 §6.12.4 */
static const struct sol__prop socket_ext_props[] = {
    {"address_family", PK_OV, SP_REQ_BOTH, OV(sol__vocab_network_socket_address_family_enum), 0, 0},
    {"is_blocking", PK_BOOL, 0, NULL, 0, 0},
    {"is_listening", PK_BOOL, 0, NULL, 0, 0},
    {"options", PK_DICT, 0, NULL, 0, 0},
    {"socket_type", PK_OV, 0, OV(sol__vocab_network_socket_type_enum), 0, 0},
    {"socket_descriptor", PK_INT, 0, NULL, NONNEG},
    {"socket_handle", PK_INT, 0, NULL, 0, 0},
    {"protocol_family", PK_STRING, SP_ONLY20, NULL, 0, 0},
    END,
};
static const struct sol__struct_def socket_ext_def = {"socket-ext", "6.12.4", socket_ext_props,
                                                      NULL, false};

/* STIX 2.1 §6.12.5 */
static const struct sol__prop tcp_ext_props[] = {
    {"src_flags_hex", PK_HEX, 0, NULL, 0, 0},
    {"dst_flags_hex", PK_HEX, 0, NULL, 0, 0},
    END,
};
static const struct sol__struct_def tcp_ext_def = {"tcp-ext", "6.12.5", tcp_ext_props, NULL, true};

static const struct sol__ext_def network_traffic_exts[] = {
    {"http-request-ext", &http_request_ext_def},
    {"icmp-ext", &icmp_ext_def},
    {"socket-ext", &socket_ext_def},
    {"tcp-ext", &tcp_ext_def},
    {NULL, NULL},
};

/* STIX 2.1 §6.12.1 */
static const struct sol__prop network_traffic_props[] = {
    {"start", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"end", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"is_active", PK_BOOL, 0, NULL, 0, 0},
    {"src_ref", PK_REF, 0, "ipv4-addr ipv6-addr mac-addr domain-name", 0, 0},
    {"dst_ref", PK_REF, 0, "ipv4-addr ipv6-addr mac-addr domain-name", 0, 0},
    {"src_port", PK_INT, 0, NULL, 0, 65535},
    {"dst_port", PK_INT, 0, NULL, 0, 65535},
    {"protocols", PK_STRING_LIST, SP_REQ_BOTH, NULL, 0, 0},
    {"src_byte_count", PK_INT, 0, NULL, NONNEG},
    {"dst_byte_count", PK_INT, 0, NULL, NONNEG},
    {"src_packets", PK_INT, 0, NULL, NONNEG},
    {"dst_packets", PK_INT, 0, NULL, NONNEG},
    {"ipfix", PK_DICT, 0, NULL, 0, 0},
    {"src_payload_ref", PK_REF, 0, "artifact", 0, 0},
    {"dst_payload_ref", PK_REF, 0, "artifact", 0, 0},
    {"encapsulates_refs", PK_REF_LIST, 0, "network-traffic", 0, 0},
    {"encapsulated_by_ref", PK_REF, 0, "network-traffic", 0, 0},
    END,
};

static void
check_network_traffic(struct sol__vctx *c, const struct sol_json *obj)
{
    /* STIX 2.1 §6.12: at least one of src_ref or dst_ref. */
    if (c->version == 21 && !sol__has(obj, "src_ref") && !sol__has(obj, "dst_ref"))
        sol__err(c, "at least one of src_ref or dst_ref must be present (§6.12)");
    /* STIX 2.1 §6.12.1: end >= start; no end while is_active. */
    sol__check_order(c, obj, "start", "end", false, "6.12.1");
    const struct sol_json *act = sol_json_get(obj, "is_active");
    if (act && act->type == SOL_JSON_BOOL && act->u.b && sol__has(obj, "end"))
        sol__err(c, "end: must not be present when is_active is true (§6.12.1)");
}

/* STIX 2.1 §6.13.2 */
static const struct sol__prop windows_process_ext_props[] = {
    {"aslr_enabled", PK_BOOL, 0, NULL, 0, 0},
    {"dep_enabled", PK_BOOL, 0, NULL, 0, 0},
    {"priority", PK_STRING, 0, NULL, 0, 0},
    {"owner_sid", PK_STRING, 0, NULL, 0, 0},
    {"windows_title", PK_STRING, 0, NULL, 0, 0},
    {"startup_info", PK_DICT, 0, NULL, 0, 0},
    {"integrity_level", PK_OV, 0, OV(sol__vocab_windows_integrity_level_enum), 0, 0},
    END,
};
static const struct sol__struct_def windows_process_ext_def = {
    "windows-process-ext", "6.13.2", windows_process_ext_props, NULL, true};

/* STIX 2.1 §6.13.3 */
static const struct sol__prop windows_service_ext_props[] = {
    {"service_name", PK_STRING, 0, NULL, 0, 0},
    {"descriptions", PK_STRING_LIST, 0, NULL, 0, 0},
    {"display_name", PK_STRING, 0, NULL, 0, 0},
    {"group_name", PK_STRING, 0, NULL, 0, 0},
    {"start_type", PK_OV, 0, OV(sol__vocab_windows_service_start_type_enum), 0, 0},
    {"service_dll_refs", PK_REF_LIST, 0, "file", 0, 0},
    {"service_type", PK_OV, 0, OV(sol__vocab_windows_service_type_enum), 0, 0},
    {"service_status", PK_OV, 0, OV(sol__vocab_windows_service_status_enum), 0, 0},
    END,
};
static const struct sol__struct_def windows_service_ext_def = {
    "windows-service-ext", "6.13.3", windows_service_ext_props, NULL, true};

static const struct sol__ext_def process_exts[] = {
    {"windows-process-ext", &windows_process_ext_def},
    {"windows-service-ext", &windows_service_ext_def},
    {NULL, NULL},
};

/* STIX 2.1 §6.13.1 */
static const struct sol__prop process_props[] = {
    {"is_hidden", PK_BOOL, 0, NULL, 0, 0},
    {"pid", PK_INT, 0, NULL, 0, 0},
    {"created_time", PK_TIMESTAMP, SP_ONLY21, NULL, 0, 0},
    {"cwd", PK_STRING, 0, NULL, 0, 0},
    {"command_line", PK_STRING, 0, NULL, 0, 0},
    {"environment_variables", PK_DICT, 0, NULL, 0, 0},
    {"opened_connection_refs", PK_REF_LIST, 0, "network-traffic", 0, 0},
    {"creator_user_ref", PK_REF, 0, "user-account", 0, 0},
    {"image_ref", PK_REF, 0, "file", 0, 0},
    {"parent_ref", PK_REF, 0, "process", 0, 0},
    {"child_refs", PK_REF_LIST, 0, "process", 0, 0},
    {"name", PK_STRING, SP_ONLY20, NULL, 0, 0},
    {"arguments", PK_STRING_LIST, SP_ONLY20, NULL, 0, 0},
    {"created", PK_TIMESTAMP, SP_ONLY20, NULL, 0, 0},
    {"binary_ref", PK_REF, SP_ONLY20, "file", 0, 0},
    END,
};

/* STIX 2.1 §6.14.1 */
static const struct sol__prop software_props[] = {
    {"name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    {"cpe", PK_STRING, 0, NULL, 0, 0},
    {"swid", PK_STRING, SP_ONLY21, NULL, 0, 0},
    {"languages", PK_LANG_LIST, 0, NULL, 0, 0},
    {"vendor", PK_STRING, 0, NULL, 0, 0},
    {"version", PK_STRING, 0, NULL, 0, 0},
    END,
};

/* STIX 2.1 §6.15.1 */
static const struct sol__prop url_props[] = {
    {"value", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
    END,
};

/* STIX 2.1 §6.16.2 */
static const struct sol__prop unix_account_ext_props[] = {
    {"gid", PK_INT, 0, NULL, 0, 0},
    {"groups", PK_STRING_LIST, 0, NULL, 0, 0},
    {"home_dir", PK_STRING, 0, NULL, 0, 0},
    {"shell", PK_STRING, 0, NULL, 0, 0},
    END,
};
static const struct sol__struct_def unix_account_ext_def = {"unix-account-ext", "6.16.2",
                                                            unix_account_ext_props, NULL, true};
static const struct sol__ext_def user_account_exts[] = {
    {"unix-account-ext", &unix_account_ext_def},
    {NULL, NULL},
};

/* STIX 2.1 §6.16.1 */
static const struct sol__prop user_account_props[] = {
    {"user_id", PK_STRING, SP_REQ20, NULL, 0, 0},
    {"credential", PK_STRING, 0, NULL, 0, 0},
    {"account_login", PK_STRING, 0, NULL, 0, 0},
    {"account_type", PK_OV, 0, OV(sol__vocab_account_type_ov), 0, 0},
    {"display_name", PK_STRING, 0, NULL, 0, 0},
    {"is_service_account", PK_BOOL, 0, NULL, 0, 0},
    {"is_privileged", PK_BOOL, 0, NULL, 0, 0},
    {"can_escalate_privs", PK_BOOL, 0, NULL, 0, 0},
    {"is_disabled", PK_BOOL, 0, NULL, 0, 0},
    {"account_created", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"account_expires", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"credential_last_changed", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"account_first_login", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"account_last_login", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"password_last_changed", PK_TIMESTAMP, SP_ONLY20, NULL, 0, 0},
    END,
};

/* STIX 2.1 §6.17.2 */
static const struct sol__prop registry_value_props[] = {
    {"name", PK_STRING, 0, NULL, 0, 0},
    {"data", PK_STRING, 0, NULL, 0, 0},
    {"data_type", PK_OV, 0, OV(sol__vocab_windows_registry_datatype_enum), 0, 0},
    END,
};
static const struct sol__struct_def registry_value_def = {"windows-registry-value-type", "6.17.2",
                                                          registry_value_props, NULL, true};

/* STIX 2.1 §6.17.1 */
static const struct sol__prop registry_key_props[] = {
    {"key", PK_STRING, SP_REQ20, NULL, 0, 0},
    {"values", PK_STRUCT_LIST, 0, ST(registry_value_def), 0, 0},
    {"modified_time", PK_TIMESTAMP, SP_ONLY21, NULL, 0, 0},
    {"creator_user_ref", PK_REF, 0, "user-account", 0, 0},
    {"number_of_subkeys", PK_INT, 0, NULL, NONNEG},
    {"modified", PK_TIMESTAMP, SP_ONLY20, NULL, 0, 0},
    END,
};

/* STIX 2.1 §6.18.2 */
static const struct sol__prop x509_v3_props[] = {
    {"basic_constraints", PK_STRING, 0, NULL, 0, 0},
    {"name_constraints", PK_STRING, 0, NULL, 0, 0},
    {"policy_constraints", PK_STRING, 0, NULL, 0, 0},
    {"key_usage", PK_STRING, 0, NULL, 0, 0},
    {"extended_key_usage", PK_STRING, 0, NULL, 0, 0},
    {"subject_key_identifier", PK_STRING, 0, NULL, 0, 0},
    {"authority_key_identifier", PK_STRING, 0, NULL, 0, 0},
    {"subject_alternative_name", PK_STRING, 0, NULL, 0, 0},
    {"issuer_alternative_name", PK_STRING, 0, NULL, 0, 0},
    {"subject_directory_attributes", PK_STRING, 0, NULL, 0, 0},
    {"crl_distribution_points", PK_STRING, 0, NULL, 0, 0},
    {"inhibit_any_policy", PK_STRING, 0, NULL, 0, 0},
    {"private_key_usage_period_not_before", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"private_key_usage_period_not_after", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"certificate_policies", PK_STRING, 0, NULL, 0, 0},
    {"policy_mappings", PK_STRING, 0, NULL, 0, 0},
    END,
};
static const struct sol__struct_def x509_v3_def = {"x509-v3-extensions-type", "6.18.2",
                                                   x509_v3_props, NULL, true};

/* STIX 2.1 §6.18.1 */
static const struct sol__prop x509_props[] = {
    {"is_self_signed", PK_BOOL, 0, NULL, 0, 0},
    {"hashes", PK_HASHES, 0, NULL, 0, 0},
    {"version", PK_STRING, 0, NULL, 0, 0},
    {"serial_number", PK_STRING, 0, NULL, 0, 0},
    {"signature_algorithm", PK_STRING, 0, NULL, 0, 0},
    {"issuer", PK_STRING, 0, NULL, 0, 0},
    {"validity_not_before", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"validity_not_after", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"subject", PK_STRING, 0, NULL, 0, 0},
    {"subject_public_key_algorithm", PK_STRING, 0, NULL, 0, 0},
    {"subject_public_key_modulus", PK_STRING, 0, NULL, 0, 0},
    {"subject_public_key_exponent", PK_INT, 0, NULL, 0, 0},
    {"x509_v3_extensions", PK_STRUCT, 0, ST(x509_v3_def), 0, 0},
    END,
};

/* ---- Meta objects (§7) ---- */

/* STIX 2.1 §7.1.1 */
static const struct sol__prop language_content_props[] = {
    {"object_ref", PK_REF, SP_REQ, "@any", 0, 0},
    {"object_modified", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"contents", PK_ANY, SP_REQ, NULL, 0, 0},
    END,
};

static void
check_language_content(struct sol__vctx *c, const struct sol_json *obj)
{
    const struct sol_json *contents = sol_json_get(obj, "contents");
    if (!contents)
        return;
    size_t old = sol__push_key(c, "contents", 8);
    /* STIX 2.1 §7.1.1: a dictionary keyed by RFC 5646 codes, of dictionaries. */
    if (contents->type != SOL_JSON_OBJECT) {
        sol__err(c, "expected a dictionary, found %s (§7.1.1)",
                 sol_json_type_name(sol_json_type(contents)));
    } else if (contents->n == 0) {
        sol__err(c, "empty dictionary not allowed (§2.3)");
    } else {
        struct sol_json_iter it;
        struct sol_str k;
        const struct sol_json *v;
        sol_json_iter_init(&it, contents);
        while (sol_json_iter_next(&it, &k, &v)) {
            size_t o2 = sol__push_key(c, k.p, k.n);
            if (!sol__lang_ok(k.p, k.n))
                sol__err(c, "key is not an RFC 5646 language code (§7.1.1)");
            if (v->type != SOL_JSON_OBJECT)
                sol__err(c, "expected a dictionary, found %s (§7.1.1)",
                         sol_json_type_name(sol_json_type(v)));
            else if (v->n == 0)
                sol__err(c, "empty dictionary not allowed (§2.3)");
            sol__pop(c, o2);
        }
    }
    sol__pop(c, old);
}

/* STIX 2.1 §7.2.1 */
static const struct sol__prop marking_definition_props[] = {
    {"name", PK_STRING, SP_ONLY21, NULL, 0, 0},
    {"definition_type", PK_STRING, SP_REQ20 | SP_DEPRECATED, NULL, 0, 0},
    {"definition", PK_ANY, SP_REQ20 | SP_DEPRECATED, NULL, 0, 0},
    END,
};

/* STIX 2.1 §7.3.1 */
static const struct sol__prop extension_definition_props[] = {
    {"name", PK_STRING, SP_REQ, NULL, 0, 0},
    {"description", PK_STRING, 0, NULL, 0, 0},
    {"schema", PK_STRING, SP_REQ, NULL, 0, 0},
    {"version", PK_STRING, SP_REQ, NULL, 0, 0},
    {"extension_types", PK_OV_LIST, SP_REQ, OV(sol__vocab_extension_type_enum), 0, 0},
    {"extension_properties", PK_STRING_LIST, 0, NULL, 0, 0},
    END,
};

static void
check_extension_definition(struct sol__vctx *c, const struct sol_json *obj)
{
    /* STIX 2.1 §7.3.1: extension_properties only with toplevel-property-extension. */
    if (!sol__has(obj, "extension_properties"))
        return;
    bool toplevel = false;
    const struct sol_json *types = sol_json_get(obj, "extension_types");
    if (sol_json_type(types) == SOL_JSON_ARRAY) {
        struct sol_json_iter it;
        const struct sol_json *e;
        sol_json_iter_init(&it, types);
        while (sol_json_iter_next(&it, NULL, &e))
            if (sol_str_eqc(sol_json_str(e), "toplevel-property-extension"))
                toplevel = true;
    }
    if (!toplevel)
        sol__err(c, "extension_properties: only allowed when extension_types includes "
                    "toplevel-property-extension (§7.3.1)");
}

/* ---- The table of types ---- */

static const char *const id_hashes_payload[] = {"hashes", "payload_bin", NULL};
static const char *const id_number[] = {"number", NULL};
static const char *const id_path[] = {"path", NULL};
static const char *const id_value[] = {"value", NULL};
static const char *const id_email_message[] = {"from_ref", "subject", "body", NULL};
static const char *const id_file[] = {"hashes", "name", "extensions", "parent_directory_ref", NULL};
static const char *const id_name[] = {"name", NULL};
static const char *const id_network_traffic[] = {
    "start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions", NULL};
static const char *const id_software[] = {"name", "cpe", "swid", "vendor", "version", NULL};
static const char *const id_user_account[] = {"account_type", "user_id", "account_login", NULL};
static const char *const id_registry_key[] = {"key", "values", NULL};
static const char *const id_x509[] = {"hashes", "serial_number", NULL};
/* STIX 2.1 §6.13: process has no ID contributing properties: a UUIDv4 is used. */

#define SDO(t, sec, props, fn, v)                                                                  \
    {                                                                                              \
        t, CLS_SDO, v, sec, props, fn, NULL, NULL, false                                           \
    }
#define SCO(t, sec, props, fn, idc, ex, one)                                                       \
    {                                                                                              \
        t, CLS_SCO, TV_BOTH, sec, props, fn, idc, ex, one                                          \
    }

static const struct sol__type_def types[] = {
    SDO("attack-pattern", "4.1", attack_pattern_props, NULL, TV_BOTH),
    SDO("campaign", "4.2", campaign_props, check_seen, TV_BOTH),
    SDO("course-of-action", "4.3", course_of_action_props, NULL, TV_BOTH),
    SDO("grouping", "4.4", grouping_props, NULL, TV_21),
    SDO("identity", "4.5", identity_props, NULL, TV_BOTH),
    SDO("incident", "4.6", incident_props, NULL, TV_21),
    SDO("indicator", "4.7", indicator_props, check_indicator, TV_BOTH),
    SDO("infrastructure", "4.8", infrastructure_props, check_seen, TV_21),
    SDO("intrusion-set", "4.9", intrusion_set_props, check_seen, TV_BOTH),
    SDO("location", "4.10", location_props, check_location, TV_21),
    SDO("malware", "4.11", malware_props, check_malware, TV_BOTH),
    SDO("malware-analysis", "4.12", malware_analysis_props, check_malware_analysis, TV_21),
    SDO("note", "4.13", note_props, NULL, TV_21),
    SDO("observed-data", "4.14", observed_data_props, check_observed_data, TV_BOTH),
    SDO("opinion", "4.15", opinion_props, NULL, TV_21),
    SDO("report", "4.16", report_props, NULL, TV_BOTH),
    SDO("threat-actor", "4.17", threat_actor_props, check_seen, TV_BOTH),
    SDO("tool", "4.18", tool_props, NULL, TV_BOTH),
    SDO("vulnerability", "4.19", vulnerability_props, NULL, TV_BOTH),
    {"relationship", CLS_SRO, TV_BOTH, "5.1", relationship_props, check_relationship, NULL, NULL,
     false},
    {"sighting", CLS_SRO, TV_BOTH, "5.2", sighting_props, check_seen, NULL, NULL, false},
    SCO("artifact", "6.1", artifact_props, check_artifact, id_hashes_payload, NULL, false),
    SCO("autonomous-system", "6.2", autonomous_system_props, NULL, id_number, NULL, false),
    SCO("directory", "6.3", directory_props, check_directory, id_path, NULL, false),
    SCO("domain-name", "6.4", domain_name_props, NULL, id_value, NULL, false),
    SCO("email-addr", "6.5", email_addr_props, NULL, id_value, NULL, false),
    SCO("email-message", "6.6", email_message_props, check_email_message, id_email_message, NULL,
        false),
    SCO("file", "6.7", file_props, check_file, id_file, file_exts, false),
    SCO("ipv4-addr", "6.8", ipv4_props, check_ipv4, id_value, NULL, false),
    SCO("ipv6-addr", "6.9", ipv4_props, check_ipv6, id_value, NULL, false),
    SCO("mac-addr", "6.10", mac_addr_props, check_mac_addr, id_value, NULL, false),
    SCO("mutex", "6.11", mutex_props, NULL, id_name, NULL, false),
    SCO("network-traffic", "6.12", network_traffic_props, check_network_traffic, id_network_traffic,
        network_traffic_exts, false),
    SCO("process", "6.13", process_props, NULL, NULL, process_exts, true),
    SCO("software", "6.14", software_props, NULL, id_software, NULL, false),
    SCO("url", "6.15", url_props, NULL, id_value, NULL, false),
    SCO("user-account", "6.16", user_account_props, NULL, id_user_account, user_account_exts, true),
    SCO("windows-registry-key", "6.17", registry_key_props, NULL, id_registry_key, NULL, true),
    SCO("x509-certificate", "6.18", x509_props, NULL, id_x509, NULL, true),
    {"language-content", CLS_LANGUAGE_CONTENT, TV_21, "7.1", language_content_props,
     check_language_content, NULL, NULL, false},
    {"marking-definition", CLS_MARKING_DEFINITION, TV_BOTH, "7.2.1", marking_definition_props,
     sol__check_marking_definition, NULL, NULL, false},
    {"extension-definition", CLS_EXTENSION_DEFINITION, TV_21, "7.3", extension_definition_props,
     check_extension_definition, NULL, NULL, false},
};

/* The definition of a standard type, or NULL for a custom one. */
const struct sol__type_def *
sol__stix_type_find(const char *type, size_t n)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].type) == n && memcmp(types[i].type, type, n) == 0)
            return &types[i];
    return NULL;
}

static const struct sol__prop *
prop_named(const struct sol__prop *props, struct sol_str name)
{
    for (const struct sol__prop *p = props; p && p->name; p++)
        if (sol_str_eqc(name, p->name))
            return p;
    return NULL;
}

/* The kind of the SCO property reached by keys (see stix.h), or 0 when unknown. */
enum sol__pk
sol__sco_property_kind(struct sol_str type, const struct sol_str *keys, size_t nkeys,
                       unsigned version)
{
    const struct sol__type_def *td = type.p ? sol__stix_type_find(type.p, type.n) : NULL;
    if (!td || td->cls != CLS_SCO || nkeys == 0)
        return 0;
    const struct sol__prop *props = td->props;
    size_t i = 0;
    if (nkeys >= 2 && sol_str_eqc(keys[0], "extensions")) {
        /* extensions.<name>.<property>: a predefined extension of this type (§6). */
        const struct sol__ext_def *x = td->exts;
        while (x && x->key && !sol_str_eqc(keys[1], x->key))
            x++;
        if (!x || !x->key)
            return 0;
        props = x->def->props;
        i = 2;
    }
    for (; i < nkeys; i++) {
        const struct sol__prop *p = prop_named(props, keys[i]);
        if (!p && i == 0)
            p = prop_named(sol__common_sco, keys[i]);
        if (!p || (version == 20 && (p->flags & SP_ONLY21)) ||
            (version != 20 && (p->flags & SP_ONLY20)))
            return 0;
        if (i + 1 == nkeys)
            return (enum sol__pk)p->kind;
        if (p->kind != PK_STRUCT && p->kind != PK_STRUCT_LIST)
            return 0;
        props = ((const struct sol__struct_def *)p->arg)->props;
    }
    return 0;
}

static bool
is_class(struct sol_str type, enum sol__class cls)
{
    const struct sol__type_def *td = type.p ? sol__stix_type_find(type.p, type.n) : NULL;
    return td && td->cls == cls;
}

/* Whether type is one of the 18 SCO types of STIX 2.1 §6. */
bool
sol_stix_is_sco_type(struct sol_str type)
{
    return is_class(type, CLS_SCO);
}

/* Whether type is one of the 19 SDO types of STIX 2.1 §4. */
bool
sol_stix_is_sdo_type(struct sol_str type)
{
    return is_class(type, CLS_SDO);
}

/* Whether type is relationship or sighting (STIX 2.1 §5). */
bool
sol_stix_is_sro_type(struct sol_str type)
{
    return is_class(type, CLS_SRO);
}
