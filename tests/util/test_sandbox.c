/*
 * test_sandbox.c — what a confined process (sandbox.h, as `serve` confines itself) can and
 * cannot do: read and write its own directory; not read a file elsewhere that its user
 * may read (Landlock; skipped, saying so, where the kernel has none); not run a program
 * or start a process (seccomp: the process ends with SIGSYS); and, as root, drop to
 * another user without a way back. Each case runs in a child process, since confinement
 * cannot be undone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "solidarity/sandbox.h"

static char own_dir[] = "/tmp/sol-sandbox-own-XXXXXX";
static char other_dir[] = "/tmp/sol-sandbox-other-XXXXXX";
static char own_file[256], other_file[256], log_file[256];
static int landlock_abi;

static void
harness_skip(const char *name, const char *why)
{
    printf("ok %d - %s # SKIP %s\n", ++harness_count, name, why);
}

/* Exit codes of the children. */
enum {
    CHILD_OK = 0,
    CHILD_CONFINE = 10,
    CHILD_OWN,
    CHILD_OTHER_READABLE,
    CHILD_LOG,
    CHILD_DROP,
    CHILD_ROOT_BACK
};

static void
write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        HARNESS_FAIL("cannot write %s", path);
    if (fd >= 0)
        close(fd);
}

static int
confine(void)
{
    const char *writable[] = {own_dir};
    const char *logs[] = {log_file};
    struct sol_sandbox sb = {writable, 1, logs, 1, NULL, 0};
    struct sol_sandbox_report rep;
    struct sol_error err;
    if (sol_sandbox_confine(&sb, &rep, &err) != 0) {
        fprintf(stderr, "confine: %s\n", err.msg);
        return -1;
    }
    return rep.seccomp ? 0 : -1;
}

/* Run fn in a child; its wait status. */
static int
in_child(int (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

static int
child_files(void)
{
    if (confine() != 0)
        return CHILD_CONFINE;
    char path[300];
    snprintf(path, sizeof path, "%s/new", own_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0 || unlink(path) != 0)
        return CHILD_OWN;
    if (open(own_file, O_RDONLY) < 0)
        return CHILD_OWN;
    if (open(other_file, O_RDONLY) >= 0 || errno != EACCES)
        return CHILD_OTHER_READABLE;
    /* The log is made again in its directory (after logrotate moved it away). */
    unlink(log_file);
    fd = open(log_file, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0)
        return CHILD_LOG;
    close(fd);
    return CHILD_OK;
}

static void
test_files_outside_are_not_read(void)
{
    int st = in_child(child_files);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != CHILD_OK)
        HARNESS_FAIL("child: status %d (exit %d)", st, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int
child_exec(void)
{
    if (confine() != 0)
        return CHILD_CONFINE;
    char *argv[] = {(char *)"/bin/true", NULL};
    execve("/bin/true", argv, environ);
    return CHILD_OK; /* not reached: execve ends the process */
}

static int
child_fork(void)
{
    if (confine() != 0)
        return CHILD_CONFINE;
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    return CHILD_OK; /* not reached: a clone without CLONE_THREAD ends the process */
}

static int
child_threads(void)
{
    if (confine() != 0)
        return CHILD_CONFINE;
    /* What a server does: threads, sockets, time, randomness. */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return CHILD_OWN;
    uint8_t r[16];
    if (syscall(SYS_getrandom, r, sizeof r, 0) != (long)sizeof r)
        return CHILD_OWN;
    return CHILD_OK;
}

static void
test_system_calls(void)
{
    int st = in_child(child_exec);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
        HARNESS_FAIL("execve: status %d, expected death by SIGSYS", st);
    st = in_child(child_fork);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
        HARNESS_FAIL("fork: status %d, expected death by SIGSYS", st);
    st = in_child(child_threads);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != CHILD_OK)
        HARNESS_FAIL("what a server does: status %d", st);
}

static int
child_drop(void)
{
    uid_t uid;
    gid_t gid;
    struct sol_error err;
    if (sol_sandbox_user("nobody", &uid, &gid, &err) != 0)
        return CHILD_DROP;
    if (sol_sandbox_drop(uid, gid, &err) != 0 || getuid() != uid || geteuid() != uid ||
        getgid() != gid)
        return CHILD_DROP;
    if (setuid(0) == 0 || seteuid(0) == 0)
        return CHILD_ROOT_BACK;
    return CHILD_OK;
}

static void
test_user_names(void)
{
    struct sol_error err;
    uid_t uid;
    gid_t gid;
    CHECK_INT(sol_sandbox_user("no-such-user-here", &uid, &gid, &err), SOL_ENOTFOUND);
    CHECK_STR(err.msg, "there is no user 'no-such-user-here'");
    CHECK_INT(sol_sandbox_user("0", &uid, &gid, &err), 0);
    CHECK_INT(uid, 0);
}

static void
test_drop_root(void)
{
    int st = in_child(child_drop);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != CHILD_OK)
        HARNESS_FAIL("drop to nobody: status %d (exit %d)", st,
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int
main(void)
{
    if (!mkdtemp(own_dir) || !mkdtemp(other_dir)) {
        printf("Bail out! cannot make temporary directories\n");
        return 1;
    }
    chmod(other_dir, 0755);
    snprintf(own_file, sizeof own_file, "%s/store.db", own_dir);
    snprintf(other_file, sizeof other_file, "%s/readable-by-all", other_dir);
    snprintf(log_file, sizeof log_file, "%s/serve.log", other_dir);
    write_file(own_file, "own");
    write_file(other_file, "not for a confined server");
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1 /* VERSION */);
    landlock_abi = abi > 0 ? (int)abi : 0;
    printf("# Landlock ABI %d\n", landlock_abi);
    if (landlock_abi)
        RUN(test_files_outside_are_not_read);
    else
        harness_skip("test_files_outside_are_not_read",
                     "this kernel has no Landlock (or it is disabled): files are not confined");
    RUN(test_system_calls);
    RUN(test_user_names);
    if (geteuid() == 0)
        RUN(test_drop_root);
    else
        harness_skip("test_drop_root", "not root: dropping privileges is not tried");
    unlink(own_file);
    unlink(other_file);
    unlink(log_file);
    rmdir(own_dir);
    rmdir(other_dir);
    return harness_done();
}
