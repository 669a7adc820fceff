/*
 * cli.h — what the command files of the solidarity program share.
 *
 * Exit codes everywhere (solidarity(1)): 0 success / match / valid; 1 a negative answer
 * (invalid, no match, findings absent); 2 usage, input or system error.
 */
#ifndef SOLIDARITY_CLI_H
#define SOLIDARITY_CLI_H

#include <stdbool.h>

enum { CLI_OK = 0, CLI_NO = 1, CLI_ERR = 2 };

/* Options every command may read, set by main() before dispatch. */
struct cli_globals {
    const char *data_dir; /* --data DIR, else $SOLIDARITY_DATA, else ./solidarity-data */
    bool json;            /* --json */
    bool quiet;           /* --quiet */
};

extern struct cli_globals cli_globals;

/* Print "solidarity: <where>: <what>" to stderr. */
void cli_error(const char *where, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print a usage error for command cmd and return CLI_ERR. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The commands: each takes its own argv (argv[0] is the command name). */
#define CLI_COMMANDS(X)                                                                            \
    X(validate, "validate STIX 2.1 (and 2.0) JSON files")                                          \
    X(pattern, "check, dump and match STIX patterns")                                              \
    X(init, "create a node: store, identity, admin user and token")                                \
    X(import, "import STIX, MISP, CSV, indicator lists and warninglists")                          \
    X(export, "export a collection as STIX, MISP, CSV, a list, Zeek Intel, Suricata or RPZ")       \
    X(serve, "serve TAXII 2.1")                                                                    \
    X(scan, "match logs against every indicator and write sightings")                              \
    X(user, "add, change, list and remove users and partners")                                     \
    X(token, "issue, list and revoke API tokens")                                                  \
    X(collection, "add, list and remove collections and API roots")                                \
    X(grant, "grant, revoke and list read and write on collections")                               \
    X(peer, "add, list and remove partner nodes to sync with; sign and import offline")            \
    X(sync, "pull from and push to partner nodes now")                                             \
    X(migrate, "move a node's store between SQLite and PostgreSQL, either way")

#define CLI_DECLARE(name, help) int cli_cmd_##name(int argc, char **argv);
CLI_COMMANDS(CLI_DECLARE)
#undef CLI_DECLARE

#endif
