/*
 * sco.c — the STIX Cyber-observable Object types and their properties (STIX 2.1 §6, with
 * the STIX 2.0 names that 2.1 renamed), for the warnings of strict pattern checking.
 */
#include <string.h>

#include "pattern/pattern.h"

struct sco_type {
    const char *type;
    const char *props; /* space-separated, with a space at each end */
};

/* STIX 2.1 §6.1-§6.18, "Object Specific Properties"; 2.0 names after the "|" comment. */
static const struct sco_type sco_types[] = {
    {"artifact", " mime_type payload_bin url hashes encryption_algorithm decryption_key "},
    {"autonomous-system", " number name rir "},
    {"directory", " path path_enc ctime mtime atime contains_refs created modified accessed "},
    {"domain-name", " value resolves_to_refs "},
    {"email-addr", " value display_name belongs_to_ref "},
    {"email-message", " is_multipart date content_type from_ref sender_ref to_refs cc_refs bcc_refs"
                      " message_id subject received_lines additional_header_fields body"
                      " body_multipart raw_email_ref "},
    {"file", " hashes size name name_enc magic_number_hex mime_type ctime mtime atime"
             " parent_directory_ref contains_refs content_ref created modified accessed"
             " is_encrypted encryption_algorithm decryption_key "},
    {"ipv4-addr", " value resolves_to_refs belongs_to_refs "},
    {"ipv6-addr", " value resolves_to_refs belongs_to_refs "},
    {"mac-addr", " value "},
    {"mutex", " name "},
    {"network-traffic", " start end is_active src_ref dst_ref src_port dst_port protocols"
                        " src_byte_count dst_byte_count src_packets dst_packets ipfix"
                        " src_payload_ref dst_payload_ref encapsulates_refs encapsulated_by_ref "},
    {"process", " is_hidden pid created_time cwd command_line environment_variables"
                " opened_connection_refs creator_user_ref image_ref parent_ref child_refs"
                " name arguments binary_ref created "},
    {"software", " name cpe swid languages vendor version "},
    {"url", " value "},
    {"user-account", " user_id credential account_login account_type display_name"
                     " is_service_account is_privileged can_escalate_privs is_disabled"
                     " account_created account_expires credential_last_changed"
                     " account_first_login account_last_login password_last_changed "},
    {"windows-registry-key", " key values modified_time creator_user_ref number_of_subkeys"
                             " modified "},
    {"x509-certificate", " is_self_signed hashes version serial_number signature_algorithm issuer"
                         " validity_not_before validity_not_after subject"
                         " subject_public_key_algorithm subject_public_key_modulus"
                         " subject_public_key_exponent x509_v3_extensions "},
};

/* Common properties of every SCO (STIX 2.1 §3.2 and §6). */
static const char common_props[] =
    " type id spec_version object_marking_refs granular_markings defanged extensions ";

static const struct sco_type *
find_type(struct sol_str type)
{
    for (size_t i = 0; i < sizeof sco_types / sizeof sco_types[0]; i++)
        if (sol_str_eqc(type, sco_types[i].type))
            return &sco_types[i];
    return NULL;
}

static bool
in_list(const char *list, struct sol_str word)
{
    if (word.n == 0 || word.n > 64 || memchr(word.p, ' ', word.n))
        return false;
    char needle[68];
    needle[0] = ' ';
    memcpy(needle + 1, word.p, word.n);
    needle[word.n + 1] = ' ';
    needle[word.n + 2] = '\0';
    return strstr(list, needle) != NULL;
}

bool
sol__sco_type_known(struct sol_str type)
{
    return find_type(type) != NULL;
}

bool
sol__sco_property_known(struct sol_str type, struct sol_str prop)
{
    const struct sco_type *t = find_type(type);
    if (!t)
        return false;
    /* Custom properties (STIX 2.1 §11.1) start with x_ and are not unknown. */
    if (prop.n >= 2 && prop.p[0] == 'x' && prop.p[1] == '_')
        return true;
    return in_list(t->props, prop) || in_list(common_props, prop);
}
