/*
 * vocab.c — the open vocabularies and enumerations of STIX 2.1 §10, as tables.
 *
 * The values are those of the specification's vocabulary tables (§10.1–§10.32),
 * including the parenthesised sub-values of industry-sector-ov and region-ov.
 */
#include "stix/stix.h"

#include <string.h>

/* STIX 2.1 §10.1 account-type-ov */
static const char *const sol__vocab_account_type_ov_v[] = {
    "facebook", "ldap",    "nis",  "openid",        "radius",         "skype",
    "tacacs",   "twitter", "unix", "windows-local", "windows-domain", NULL};
const struct sol__vocab sol__vocab_account_type_ov = {"account-type-ov", "10.1", false,
                                                      sol__vocab_account_type_ov_v};

/* STIX 2.1 §10.2 attack-motivation-ov */
static const char *const sol__vocab_attack_motivation_ov_v[] = {"accidental",
                                                                "coercion",
                                                                "dominance",
                                                                "ideology",
                                                                "notoriety",
                                                                "organizational-gain",
                                                                "personal-gain",
                                                                "personal-satisfaction",
                                                                "revenge",
                                                                "unpredictable",
                                                                NULL};
const struct sol__vocab sol__vocab_attack_motivation_ov = {"attack-motivation-ov", "10.2", false,
                                                           sol__vocab_attack_motivation_ov_v};

/* STIX 2.1 §10.3 attack-resource-level-ov */
static const char *const sol__vocab_attack_resource_level_ov_v[] = {
    "individual", "club", "contest", "team", "organization", "government", NULL};
const struct sol__vocab sol__vocab_attack_resource_level_ov = {
    "attack-resource-level-ov", "10.3", false, sol__vocab_attack_resource_level_ov_v};

/* STIX 2.1 §10.4 encryption-algorithm-enum */
static const char *const sol__vocab_encryption_algorithm_enum_v[] = {
    "AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated", NULL};
const struct sol__vocab sol__vocab_encryption_algorithm_enum = {
    "encryption-algorithm-enum", "10.4", true, sol__vocab_encryption_algorithm_enum_v};

/* STIX 2.1 §10.5 extension-type-enum */
static const char *const sol__vocab_extension_type_enum_v[] = {
    "new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension", NULL};
const struct sol__vocab sol__vocab_extension_type_enum = {"extension-type-enum", "10.5", true,
                                                          sol__vocab_extension_type_enum_v};

/* STIX 2.1 §10.6 grouping-context-ov */
static const char *const sol__vocab_grouping_context_ov_v[] = {
    "suspicious-activity", "malware-analysis", "unspecified", NULL};
const struct sol__vocab sol__vocab_grouping_context_ov = {"grouping-context-ov", "10.6", false,
                                                          sol__vocab_grouping_context_ov_v};

/* STIX 2.1 §10.7 hash-algorithm-ov (stix.h's table of hash algorithms) */
#define HASH_NAME(id, name, name_20, hex, alias) name,
static const char *const sol__vocab_hash_algorithm_ov_v[] = {SOL__HASH_ALGORITHMS_21(HASH_NAME)
                                                                 NULL};
#undef HASH_NAME
const struct sol__vocab sol__vocab_hash_algorithm_ov = {"hash-algorithm-ov", "10.7", false,
                                                        sol__vocab_hash_algorithm_ov_v};

/* STIX 2.1 §10.8 identity-class-ov */
static const char *const sol__vocab_identity_class_ov_v[] = {
    "individual", "group", "system", "organization", "class", "unknown", NULL};
const struct sol__vocab sol__vocab_identity_class_ov = {"identity-class-ov", "10.8", false,
                                                        sol__vocab_identity_class_ov_v};

/* STIX 2.1 §10.9 implementation-language-ov */
static const char *const sol__vocab_implementation_language_ov_v[] = {
    "applescript", "bash",         "c",      "c++",         "c#",    "go",
    "java",        "javascript",   "lua",    "objective-c", "perl",  "php",
    "powershell",  "python",       "ruby",   "rust",        "scala", "swift",
    "typescript",  "visual-basic", "x86-32", "x86-64",      NULL};
const struct sol__vocab sol__vocab_implementation_language_ov = {
    "implementation-language-ov", "10.9", false, sol__vocab_implementation_language_ov_v};

/* STIX 2.1 §10.10 indicator-type-ov */
static const char *const sol__vocab_indicator_type_ov_v[] = {
    "anomalous-activity", "anonymization", "benign",  "compromised",
    "malicious-activity", "attribution",   "unknown", NULL};
const struct sol__vocab sol__vocab_indicator_type_ov = {"indicator-type-ov", "10.10", false,
                                                        sol__vocab_indicator_type_ov_v};

/* STIX 2.1 §10.11 industry-sector-ov */
static const char *const sol__vocab_industry_sector_ov_v[] = {"agriculture",
                                                              "aerospace",
                                                              "automotive",
                                                              "chemical",
                                                              "commercial",
                                                              "communications",
                                                              "construction",
                                                              "defense",
                                                              "education",
                                                              "energy",
                                                              "entertainment",
                                                              "financial-services",
                                                              "government",
                                                              "emergency-services",
                                                              "government-local",
                                                              "government-national",
                                                              "government-public-services",
                                                              "government-regional",
                                                              "healthcare",
                                                              "hospitality-leisure",
                                                              "infrastructure",
                                                              "dams",
                                                              "nuclear",
                                                              "water",
                                                              "insurance",
                                                              "legal",
                                                              "manufacturing",
                                                              "mining",
                                                              "non-profit",
                                                              "pharmaceuticals",
                                                              "retail",
                                                              "technology",
                                                              "telecommunications",
                                                              "transportation",
                                                              "utilities",
                                                              NULL};
const struct sol__vocab sol__vocab_industry_sector_ov = {"industry-sector-ov", "10.11", false,
                                                         sol__vocab_industry_sector_ov_v};

/* STIX 2.1 §10.12 infrastructure-type-ov */
static const char *const sol__vocab_infrastructure_type_ov_v[] = {"amplification",
                                                                  "anonymization",
                                                                  "botnet",
                                                                  "command-and-control",
                                                                  "control-system",
                                                                  "exfiltration",
                                                                  "firewall",
                                                                  "hosting-malware",
                                                                  "hosting-target-lists",
                                                                  "phishing",
                                                                  "reconnaissance",
                                                                  "routers-switches",
                                                                  "staging",
                                                                  "workstation",
                                                                  "unknown",
                                                                  NULL};
const struct sol__vocab sol__vocab_infrastructure_type_ov = {
    "infrastructure-type-ov", "10.12", false, sol__vocab_infrastructure_type_ov_v};

/* STIX 2.1 §10.13 malware-capabilities-ov */
static const char *const sol__vocab_malware_capabilities_ov_v[] = {
    "accesses-remote-machines",
    "anti-debugging",
    "anti-disassembly",
    "anti-emulation",
    "anti-memory-forensics",
    "anti-sandbox",
    "anti-vm",
    "captures-input-peripherals",
    "captures-output-peripherals",
    "captures-system-state-data",
    "cleans-traces-of-infection",
    "commits-fraud",
    "communicates-with-c2",
    "compromises-data-availability",
    "compromises-data-integrity",
    "compromises-system-availability",
    "controls-local-machine",
    "degrades-security-software",
    "degrades-system-updates",
    "determines-c2-server",
    "emails-spam",
    "escalates-privileges",
    "evades-av",
    "exfiltrates-data",
    "fingerprints-host",
    "hides-artifacts",
    "hides-executing-code",
    "infects-files",
    "infects-remote-machines",
    "installs-other-components",
    "persists-after-system-reboot",
    "prevents-artifact-access",
    "prevents-artifact-deletion",
    "probes-network-environment",
    "self-modifies",
    "steals-authentication-credentials",
    "violates-system-operational-integrity",
    NULL};
const struct sol__vocab sol__vocab_malware_capabilities_ov = {
    "malware-capabilities-ov", "10.13", false, sol__vocab_malware_capabilities_ov_v};

/* STIX 2.1 §10.14 malware-result-ov */
static const char *const sol__vocab_malware_result_ov_v[] = {"malicious", "suspicious", "benign",
                                                             "unknown", NULL};
const struct sol__vocab sol__vocab_malware_result_ov = {"malware-result-ov", "10.14", false,
                                                        sol__vocab_malware_result_ov_v};

/* STIX 2.1 §10.15 malware-type-ov */
static const char *const sol__vocab_malware_type_ov_v[] = {"adware",
                                                           "backdoor",
                                                           "bot",
                                                           "bootkit",
                                                           "ddos",
                                                           "downloader",
                                                           "dropper",
                                                           "exploit-kit",
                                                           "keylogger",
                                                           "ransomware",
                                                           "remote-access-trojan",
                                                           "resource-exploitation",
                                                           "rogue-security-software",
                                                           "rootkit",
                                                           "screen-capture",
                                                           "spyware",
                                                           "trojan",
                                                           "unknown",
                                                           "virus",
                                                           "webshell",
                                                           "wiper",
                                                           "worm",
                                                           NULL};
const struct sol__vocab sol__vocab_malware_type_ov = {"malware-type-ov", "10.15", false,
                                                      sol__vocab_malware_type_ov_v};

/* STIX 2.1 §10.16 network-socket-address-family-enum */
static const char *const sol__vocab_network_socket_address_family_enum_v[] = {
    "AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6",
    "AF_IRDA",   "AF_BTH",  NULL};
const struct sol__vocab sol__vocab_network_socket_address_family_enum = {
    "network-socket-address-family-enum", "10.16", true,
    sol__vocab_network_socket_address_family_enum_v};

/* STIX 2.1 §10.17 network-socket-type-enum */
static const char *const sol__vocab_network_socket_type_enum_v[] = {
    "SOCK_STREAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_DGRAM", NULL};
const struct sol__vocab sol__vocab_network_socket_type_enum = {
    "network-socket-type-enum", "10.17", true, sol__vocab_network_socket_type_enum_v};

/* STIX 2.1 §10.18 opinion-enum */
static const char *const sol__vocab_opinion_enum_v[] = {
    "strongly-disagree", "disagree", "neutral", "agree", "strongly-agree", NULL};
const struct sol__vocab sol__vocab_opinion_enum = {"opinion-enum", "10.18", true,
                                                   sol__vocab_opinion_enum_v};

/* STIX 2.1 §10.19 pattern-type-ov */
static const char *const sol__vocab_pattern_type_ov_v[] = {"stix",     "pcre", "sigma", "snort",
                                                           "suricata", "yara", NULL};
const struct sol__vocab sol__vocab_pattern_type_ov = {"pattern-type-ov", "10.19", false,
                                                      sol__vocab_pattern_type_ov_v};

/* STIX 2.1 §10.20 processor-architecture-ov */
static const char *const sol__vocab_processor_architecture_ov_v[] = {
    "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64", NULL};
const struct sol__vocab sol__vocab_processor_architecture_ov = {
    "processor-architecture-ov", "10.20", false, sol__vocab_processor_architecture_ov_v};

/* STIX 2.1 §10.21 region-ov */
static const char *const sol__vocab_region_ov_v[] = {"africa",
                                                     "eastern-africa",
                                                     "middle-africa",
                                                     "northern-africa",
                                                     "southern-africa",
                                                     "western-africa",
                                                     "americas",
                                                     "caribbean",
                                                     "central-america",
                                                     "latin-america-caribbean",
                                                     "northern-america",
                                                     "south-america",
                                                     "asia",
                                                     "central-asia",
                                                     "eastern-asia",
                                                     "southern-asia",
                                                     "south-eastern-asia",
                                                     "western-asia",
                                                     "europe",
                                                     "eastern-europe",
                                                     "northern-europe",
                                                     "southern-europe",
                                                     "western-europe",
                                                     "oceania",
                                                     "antarctica",
                                                     "australia-new-zealand",
                                                     "melanesia",
                                                     "micronesia",
                                                     "polynesia",
                                                     NULL};
const struct sol__vocab sol__vocab_region_ov = {"region-ov", "10.21", false,
                                                sol__vocab_region_ov_v};

/* STIX 2.1 §10.22 report-type-ov */
static const char *const sol__vocab_report_type_ov_v[] = {"attack-pattern",
                                                          "campaign",
                                                          "identity",
                                                          "incident",
                                                          "indicator",
                                                          "intrusion-set",
                                                          "malware",
                                                          "observed-data",
                                                          "threat-actor",
                                                          "threat-report",
                                                          "tool",
                                                          "vulnerability",
                                                          NULL};
const struct sol__vocab sol__vocab_report_type_ov = {"report-type-ov", "10.22", false,
                                                     sol__vocab_report_type_ov_v};

/* STIX 2.1 §10.23 threat-actor-type-ov */
static const char *const sol__vocab_threat_actor_type_ov_v[] = {"activist",
                                                                "competitor",
                                                                "crime-syndicate",
                                                                "criminal",
                                                                "hacker",
                                                                "insider-accidental",
                                                                "insider-disgruntled",
                                                                "nation-state",
                                                                "private-sector",
                                                                "sensationalist",
                                                                "spy",
                                                                "terrorist",
                                                                "unknown",
                                                                NULL};
const struct sol__vocab sol__vocab_threat_actor_type_ov = {"threat-actor-type-ov", "10.23", false,
                                                           sol__vocab_threat_actor_type_ov_v};

/* STIX 2.1 §10.24 threat-actor-role-ov */
static const char *const sol__vocab_threat_actor_role_ov_v[] = {"agent",
                                                                "director",
                                                                "independent",
                                                                "infrastructure-architect",
                                                                "infrastructure-operator",
                                                                "malware-author",
                                                                "sponsor",
                                                                NULL};
const struct sol__vocab sol__vocab_threat_actor_role_ov = {"threat-actor-role-ov", "10.24", false,
                                                           sol__vocab_threat_actor_role_ov_v};

/* STIX 2.1 §10.25 threat-actor-sophistication-ov */
static const char *const sol__vocab_threat_actor_sophistication_ov_v[] = {
    "none", "minimal", "intermediate", "advanced", "expert", "innovator", "strategic", NULL};
const struct sol__vocab sol__vocab_threat_actor_sophistication_ov = {
    "threat-actor-sophistication-ov", "10.25", false, sol__vocab_threat_actor_sophistication_ov_v};

/* STIX 2.1 §10.26 tool-type-ov */
static const char *const sol__vocab_tool_type_ov_v[] = {"denial-of-service",
                                                        "exploitation",
                                                        "information-gathering",
                                                        "network-capture",
                                                        "credential-exploitation",
                                                        "remote-access",
                                                        "vulnerability-scanning",
                                                        "unknown",
                                                        NULL};
const struct sol__vocab sol__vocab_tool_type_ov = {"tool-type-ov", "10.26", false,
                                                   sol__vocab_tool_type_ov_v};

/* STIX 2.1 §10.27 windows-integrity-level-enum */
static const char *const sol__vocab_windows_integrity_level_enum_v[] = {"low", "medium", "high",
                                                                        "system", NULL};
const struct sol__vocab sol__vocab_windows_integrity_level_enum = {
    "windows-integrity-level-enum", "10.27", true, sol__vocab_windows_integrity_level_enum_v};

/* STIX 2.1 §10.28 windows-pebinary-type-ov */
static const char *const sol__vocab_windows_pebinary_type_ov_v[] = {"dll", "exe", "sys", NULL};
const struct sol__vocab sol__vocab_windows_pebinary_type_ov = {
    "windows-pebinary-type-ov", "10.28", false, sol__vocab_windows_pebinary_type_ov_v};

/* STIX 2.1 §10.29 windows-registry-datatype-enum */
static const char *const sol__vocab_windows_registry_datatype_enum_v[] = {
    "REG_NONE",
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_BINARY",
    "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN",
    "REG_LINK",
    "REG_MULTI_SZ",
    "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTION",
    "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
    "REG_INVALID_TYPE",
    NULL};
const struct sol__vocab sol__vocab_windows_registry_datatype_enum = {
    "windows-registry-datatype-enum", "10.29", true, sol__vocab_windows_registry_datatype_enum_v};

/* STIX 2.1 §10.30 windows-service-start-type-enum */
static const char *const sol__vocab_windows_service_start_type_enum_v[] = {
    "SERVICE_AUTO_START", "SERVICE_BOOT_START",   "SERVICE_DEMAND_START",
    "SERVICE_DISABLED",   "SERVICE_SYSTEM_ALERT", NULL};
const struct sol__vocab sol__vocab_windows_service_start_type_enum = {
    "windows-service-start-type-enum", "10.30", true, sol__vocab_windows_service_start_type_enum_v};

/* STIX 2.1 §10.31 windows-service-type-enum */
static const char *const sol__vocab_windows_service_type_enum_v[] = {
    "SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS",
    "SERVICE_WIN32_SHARE_PROCESS", NULL};
const struct sol__vocab sol__vocab_windows_service_type_enum = {
    "windows-service-type-enum", "10.31", true, sol__vocab_windows_service_type_enum_v};

/* STIX 2.1 §10.32 windows-service-status-enum */
static const char *const sol__vocab_windows_service_status_enum_v[] = {
    "SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED",  "SERVICE_RUNNING",
    "SERVICE_START_PENDING",    "SERVICE_STOP_PENDING",  "SERVICE_STOPPED", NULL};
const struct sol__vocab sol__vocab_windows_service_status_enum = {
    "windows-service-status-enum", "10.32", true, sol__vocab_windows_service_status_enum_v};

/* Whether s (n bytes) is one of the values of vocabulary v. */
bool
sol__vocab_has(const struct sol__vocab *v, const char *s, size_t n)
{
    for (const char *const *p = v->values; *p; p++)
        if (strlen(*p) == n && memcmp(*p, s, n) == 0)
            return true;
    return false;
}
