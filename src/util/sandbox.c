/*
 * sandbox.c — privileges and confinement (sandbox.h): setuid/setgid from root, Landlock
 * rules from the paths given and a fixed list of the system's shared files, and a seccomp
 * allow-list built with libseccomp.
 *
 * Landlock is used at the ABI the kernel offers (1 and up): what a newer ABI adds (the
 * right to truncate, TCP bind, signal scoping) is asked for only when the kernel has it.
 * The constants of ABIs newer than Debian 12's headers are the kernel's, written here.
 *
 * The seccomp filter allows what the server's code and its libraries call (glibc,
 * libmicrohttpd, SQLite, libpq, libcurl, GnuTLS, libsodium, zlib); anything else fails
 * with EPERM, and the calls only an intruder makes (running a program, tracing, mounting,
 * loading kernel code, changing ids) end the process. New threads only: a clone without
 * CLONE_THREAD is refused, and clone3 answers ENOSYS so that glibc falls back to clone,
 * whose flags a filter can read.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "solidarity/sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SOL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOL_SANITIZED 1
#endif
#endif

/* Landlock rights past Debian 12's headers (the kernel's numbers). */
#define LL_FS_TRUNCATE       (1ULL << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV      (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP      (1ULL << 0)  /* ABI 4 */
#define LL_SCOPE_SIGNAL      (1ULL << 1)  /* ABI 6 */
#define LL_RULE_PATH_BENEATH 1

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix of it. */
struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_WRITE                                                                                   \
    (LL_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                     \
     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |  \
     LANDLOCK_ACCESS_FS_REFER | LL_FS_TRUNCATE)

/*
 * What every confined process may read: shared libraries (NSS modules are loaded on
 * demand), CA certificates and TLS settings, name resolution, users and groups (libpq asks
 * for its user's name), time zones, the CPU count, randomness.
 */
static const char *const system_read[] = {
    "/usr/lib",
    "/lib",
    "/lib64",
    "/etc/ld.so.cache",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/usr/share/ca-certificates",
    "/etc/gnutls",
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/passwd",
    "/etc/group",
    "/etc/localtime",
    "/usr/share/zoneinfo",
    "/sys/devices/system/cpu",
    "/dev/urandom",
    "/dev/null",
#ifdef SOL_SANITIZED
    /* LeakSanitizer lists the threads and maps of the process at exit. */
    "/proc",
#endif
};

/* sandbox.h */
int
sol_sandbox_user(const char *user, uid_t *uid, gid_t *gid, struct sol_error *err)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        char *end = NULL;
        errno = 0;
        unsigned long n = strtoul(user, &end, 10);
        if (*user && !*end && !errno && n < (unsigned long)UINT32_MAX)
            pw = getpwuid((uid_t)n);
    }
    if (!pw)
        return sol_error_set(err, SOL_ENOTFOUND, "there is no user '%s'", user);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

/* sandbox.h */
int
sol_sandbox_drop(uid_t uid, gid_t gid, struct sol_error *err)
{
    if (setgroups(1, &gid) != 0)
        return sol_error_set(err, SOL_EDENIED, "setgroups: %s", strerror(errno));
    if (setresgid(gid, gid, gid) != 0)
        return sol_error_set(err, SOL_EDENIED, "setresgid(%u): %s", (unsigned)gid, strerror(errno));
    if (setresuid(uid, uid, uid) != 0)
        return sol_error_set(err, SOL_EDENIED, "setresuid(%u): %s", (unsigned)uid, strerror(errno));
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
        return sol_error_set(err, SOL_EDENIED, "root could be had back after dropping it");
    return 0;
}

/* Allow access under path (access limited to what a file takes when it is one). */
static int
add_rule(int ruleset, const char *path, uint64_t access, uint64_t handled, bool optional,
         struct sol_error *err)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        if (optional && (errno == ENOENT || errno == ENOTDIR))
            return 0;
        return sol_error_set(err, SOL_EIO, "%s: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && !S_ISDIR(sb.st_mode))
        access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
                  LANDLOCK_ACCESS_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
    struct ll_path_beneath_attr rule = {.allowed_access = access & handled, .parent_fd = fd};
    long rc = syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0);
    int e = errno;
    close(fd);
    if (rc != 0)
        return sol_error_set(err, SOL_EINTERNAL, "Landlock rule for %s: %s", path, strerror(e));
    return 0;
}

/* The parent directory of path into out (n bytes). */
static void
parent_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, n, ".");
    else if (slash == out)
        out[1] = '\0';
    else
        *slash = '\0';
}

static int
landlock(const struct sol_sandbox *sb, struct sol_sandbox_report *report, struct sol_error *err)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    report->landlock_abi = abi > 0 ? (int)abi : 0;
    if (abi <= 0)
        return 0; /* ENOSYS or EOPNOTSUPP: the kernel has none */
    struct ll_ruleset_attr attr = {0};
    size_t attr_size = sizeof attr.handled_access_fs;
    attr.handled_access_fs =
        LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
        LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR |
        LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
        LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
        LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2)
        attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        attr.handled_access_fs |= LL_FS_TRUNCATE;
    if (abi >= 5)
        attr.handled_access_fs |= LL_FS_IOCTL_DEV;
    if (abi >= 4) {
        attr.handled_access_net = LL_NET_BIND_TCP; /* the port is bound before */
        attr_size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        attr.scoped = LL_SCOPE_SIGNAL;
        attr_size = sizeof attr;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
    if (ruleset < 0)
        return sol_error_set(err, SOL_EINTERNAL, "Landlock: %s", strerror(errno));
    uint64_t handled = attr.handled_access_fs;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof system_read / sizeof system_read[0]; i++)
        rc = add_rule(ruleset, system_read[i], LL_READ, handled, true, err);
    for (size_t i = 0; rc == 0 && i < sb->n_readable; i++)
        rc = add_rule(ruleset, sb->readable[i], LL_READ, handled, false, err);
    for (size_t i = 0; rc == 0 && i < sb->n_writable; i++)
        rc = add_rule(ruleset, sb->writable[i], LL_WRITE, handled, false, err);
    for (size_t i = 0; rc == 0 && i < sb->n_log_files; i++) {
        /* Reopened after logrotate moved it: the file is made again in its directory. */
        char dir[4096];
        parent_of(sb->log_files[i], dir, sizeof dir);
        rc = add_rule(ruleset, dir,
                      LANDLOCK_ACCESS_FS_WRITE_FILE | LL_FS_TRUNCATE | LANDLOCK_ACCESS_FS_MAKE_REG,
                      handled, false, err);
    }
    if (rc == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
        rc = sol_error_set(err, SOL_EINTERNAL, "Landlock: %s", strerror(errno));
    close(ruleset);
    report->landlock = rc == 0;
    return rc;
}

/* The system calls a confined server makes (see the head of this file). */
static const char *const allowed_calls[] = {
    /* files and descriptors */
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "lseek",
    "close",
    "close_range",
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "ioctl",
    "openat",
    "open",
    "stat",
    "fstat",
    "lstat",
    "newfstatat",
    "statx",
    "statfs",
    "fstatfs",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "getdents",
    "getdents64",
    "getcwd",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "mkdir",
    "mkdirat",
    "fsync",
    "fdatasync",
    "ftruncate",
    "fallocate",
    "flock",
    "fchmod",
    "fchown",
    "umask",
    "pipe",
    "pipe2",
    "eventfd2",
    "fadvise64",
    "sendfile",
    "utimensat",
    "copy_file_range",
    "sync_file_range",
    /* memory */
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "brk",
    "mlock",
    "munlock",
    "mincore",
    "membarrier",
    /* threads, time, signals */
    "futex",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "set_tid_address",
    "gettid",
    "getpid",
    "getppid",
    "tgkill",
    "tkill",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigtimedwait",
    "rt_sigsuspend",
    "sigaltstack",
    "sched_yield",
    "sched_getaffinity",
    "sched_setaffinity",
    "nanosleep",
    "clock_nanosleep",
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    "exit",
    "exit_group",
    "restart_syscall",
    "getrandom",
    "uname",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "getrlimit",
    "prlimit64",
    "getrusage",
    "sysinfo",
    "times",
    "getpriority",
    "prctl",
    "capget",
    "arch_prctl",
    "getcpu",
    /* network (bind: getaddrinfo's netlink socket; TCP ports are Landlock's, ABI 4) */
    "socket",
    "socketpair",
    "connect",
    "bind",
    "accept",
    "accept4",
    "getsockname",
    "getpeername",
    "setsockopt",
    "getsockopt",
    "shutdown",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
#ifdef SOL_SANITIZED
    /* LeakSanitizer stops the world at exit: a tracer task traces the threads. */
    "ptrace",
    "wait4",
    "waitid",
    "sched_getparam",
    "sched_getscheduler",
#endif
};

/* What only an intruder calls: the process ends at once. */
static const char *const fatal_calls[] = {
    "execve",
    "execveat",
    "fork",
    "vfork",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "setns",
    "unshare",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "bpf",
    "perf_event_open",
    "keyctl",
    "add_key",
    "request_key",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setgroups",
    "setfsuid",
    "setfsgid",
    "personality",
    "userfaultfd",
    "iopl",
    "ioperm",
    "swapon",
    "swapoff",
    "reboot",
    "acct",
    "settimeofday",
    "clock_settime",
    "adjtimex",
    "open_by_handle_at",
    "name_to_handle_at",
#ifndef SOL_SANITIZED
    "ptrace",
#endif
};

static int
seccomp(struct sol_sandbox_report *report, struct sol_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx)
        return sol_error_set(err, SOL_ENOMEM, "seccomp: out of memory");
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    for (size_t i = 0; rc == 0 && i < sizeof allowed_calls / sizeof allowed_calls[0]; i++) {
        int nr = seccomp_syscall_resolve_name(allowed_calls[i]);
        if (nr != __NR_SCMP_ERROR)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    for (size_t i = 0; rc == 0 && i < sizeof fatal_calls / sizeof fatal_calls[0]; i++) {
        int nr = seccomp_syscall_resolve_name(fatal_calls[i]);
        if (nr != __NR_SCMP_ERROR)
            rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 0);
    }
    /* Threads, not processes: clone must carry CLONE_THREAD; clone3's flags are in
     * memory a filter cannot read, so it answers ENOSYS and glibc uses clone. */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
#ifdef SOL_SANITIZED
    if (rc == 0) /* LeakSanitizer's tracer task: CLONE_VM without CLONE_THREAD */
        rc = seccomp_rule_add(
            ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
            SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_VM | CLONE_VFORK, CLONE_VM));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_VM, 0));
#else
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
#endif
    int clone3 = seccomp_syscall_resolve_name("clone3");
    if (rc == 0 && clone3 != __NR_SCMP_ERROR)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), clone3, 0);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0)
        return sol_error_set(err, SOL_EINTERNAL, "seccomp: %s", strerror(-rc));
    report->seccomp = true;
    return 0;
}

/* sandbox.h */
int
sol_sandbox_confine(const struct sol_sandbox *sb, struct sol_sandbox_report *report,
                    struct sol_error *err)
{
    memset(report, 0, sizeof *report);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return sol_error_set(err, SOL_EINTERNAL, "no_new_privs: %s", strerror(errno));
    int rc = landlock(sb, report, err);
    if (rc == 0)
        rc = seccomp(report, err);
    return rc;
}
