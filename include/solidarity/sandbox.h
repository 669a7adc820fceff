/*
 * sandbox.h — what a long-running program of the node does to limit the harm if a
 * hostile request ever takes it over: run as its own user rather than root, see only its
 * own files (Landlock), make only the system calls it needs (seccomp, through
 * libseccomp). `solidarity serve` does all three, in this order, after binding its
 * port and before its first thread.
 *
 * Ownership: the paths of a struct sol_sandbox are borrowed for the call.
 */
#ifndef SOLIDARITY_SANDBOX_H
#define SOLIDARITY_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "solidarity/api.h"
#include "solidarity/error.h"

/* The files a confined process may still reach, besides the system's shared ones. */
struct sol_sandbox {
    const char *const *writable; /* directories (the data directory) and files it writes */
    size_t n_writable;
    const char *const *log_files; /* files it appends to and creates again (SIGHUP) */
    size_t n_log_files;
    const char *const *readable; /* files and directories it only reads (its config) */
    size_t n_readable;
};

/* What sol_sandbox_confine() could put in place. */
struct sol_sandbox_report {
    int landlock_abi; /* the kernel's Landlock ABI; 0: none (not built in, or disabled) */
    bool landlock;    /* the file rules are in force */
    bool seccomp;     /* the system call filter is in force */
};

/*
 * The user and group ids of user (a name or a number). Returns 0, or SOL_ENOTFOUND with
 * err saying so.
 */
SOL_API int sol_sandbox_user(const char *user, uid_t *uid, gid_t *gid, struct sol_error *err);

/*
 * Become uid:gid for good (supplementary groups: gid's only), from root. Checks that
 * root cannot be had back. Returns 0, or SOL_EDENIED with err saying why.
 */
SOL_API int sol_sandbox_drop(uid_t uid, gid_t gid, struct sol_error *err);

/*
 * Confine the calling process (its threads to come; call it before the first): no new
 * privileges; where the kernel has Landlock, files only under sb's paths and the
 * system's shared read-only files (libraries, certificates, name resolution, time zones),
 * no TCP port bound, no signal to a process outside; a seccomp filter of the system calls
 * a server needs, execve, ptrace, mount and the like ending the process. report says
 * what is in force. Returns 0 (Landlock missing from the kernel is not an error: report
 * says so), or a negative code with err saying what failed.
 */
SOL_API int sol_sandbox_confine(const struct sol_sandbox *sb, struct sol_sandbox_report *report,
                                struct sol_error *err);

#endif
