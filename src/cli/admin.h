/*
 * admin.h — what the administration commands (init, user, token, collection, grant,
 * import) share: opening the node's store, option parsing, TLP words, the audit actor.
 */
#ifndef SOLIDARITY_CLI_ADMIN_H
#define SOLIDARITY_CLI_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "solidarity/store.h"

/*
 * Open the store of the node in cli_globals.data_dir. On failure prints
 * "solidarity: CMD: DIR: ..." and returns CLI_ERR (no node there: says to run init).
 */
int cli_open_store(const char *cmd, struct sol_store **out);

/*
 * The data directory of a node kept in files (SQLite: "DIR" or
 * "sqlite:DIR") and everything in it are its owner's only. With fix, make them so (the
 * directory 0700, group and other bits off everything in it, whoever created them);
 * without, check: CLI_ERR, with a message saying what to do, when any of them may be
 * read, written or entered by other users. A database server's store (PostgreSQL) and
 * "sqlite-file:" stores are not directories of ours: CLI_OK.
 */
int cli_private_dir(const char *cmd, const char *data_dir, bool fix);

/* Who acts, for the audit log: "local:<login name>". */
const char *cli_actor(void);

/*
 * Option parsing: when argv[*i] is "--name VALUE" or "--name=VALUE", set *value,
 * advance *i past it and return 1; return 0 when it is another argument; print a usage
 * error and return -1 when the value is missing.
 */
int cli_opt_value(const char *cmd, char **argv, int argc, int *i, const char *name,
                  const char **value);

/* Parse a TLP word for a clearance or default ("clear", "green", "amber", "amber+strict", "red").
 */
int cli_parse_tlp(const char *cmd, const char *option, const char *word, int *out);

/* Read one line (a password) from standard input, without its newline; CLI_ERR if empty. */
int cli_read_password(const char *cmd, char *buf, size_t n);
/*
 * A secret (a token, a password) that must not be seen in the process list or a shell's
 * history: the first line of the file path ("-": standard input) when path is not NULL,
 * else the value of the environment variable env when set. *out is a copy (NULL when
 * neither is given), to be wiped and freed by the caller. CLI_OK, or CLI_ERR said why
 * (opt names the option in the message).
 */
int cli_read_secret(const char *cmd, const char *opt, const char *path, const char *env,
                    char **out);

/* Format a time as RFC 3339 with seconds, or "-" for 0, into buf (32 bytes). */
const char *cli_time(long long t, char *buf);

/* Audit an administrative action; prints a warning when the log cannot be written. */
int cli_audit(const char *cmd, struct sol_store *s, const char *action, const char *target,
              const char *details_json);

/*
 * Finish an administrative change made inside a transaction (sol_store_begin()): when
 * rc_of_change is 0, write its audit entry and commit, so the change and its entry
 * are durable together; otherwise roll back. Returns 0 or the first error.
 */
int cli_audited(const char *cmd, struct sol_store *s, const char *action, const char *target,
                const char *details_json, int rc_of_change);

/*
 * The details of an audit entry: a JSON object of string members given as key, value
 * pairs ending with CLI_END (a NULL value is skipped), written into b (reset first).
 * Returns b->p.
 */
const char *cli_details(struct sol_buf *b, ...);
/* The end of cli_details()'s pairs: a typed NULL, as variadic functions need. */
#define CLI_END ((const char *)NULL)

#endif
