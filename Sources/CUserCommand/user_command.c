#define _GNU_SOURCE  // execvpe, closefrom
#include "gmsa_user_command.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

// Writes "gmsa-keytabd: error: cannot run COMMAND as USER: STEP: REASON" to standard error and exits.
static void fail(const char *command, const char *user, const char *step, int number) {
    char line[1024];
    int length = snprintf(
        line, sizeof line, "gmsa-keytabd: error: cannot run %s as %s: %s%s%s\n", command, user, step,
        number ? ": " : "", number ? strerror(number) : "");
    if (length > 0) (void)!write(2, line, (size_t)length < sizeof line ? (size_t)length : sizeof line - 1);
    _exit(number == ENOENT && strcmp(step, "exec") == 0 ? 127 : 126);
}

// Whether the process holds no capability at all (permitted, effective, inheritable; both 32-bit words).
static int holds_no_capability(void) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &header, data) != 0) return 0;
    for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
        if (data[i].permitted || data[i].effective || data[i].inheritable) return 0;
    }
    return 1;
}

pid_t gmsa_user_command_start(
    const char *command, char *const arguments[], char *const environment[], int change_user, const char *user,
    uid_t uid, gid_t gid, const gid_t *groups, int group_count, const sigset_t *mask) {
    pid_t parent = getpid();
    pid_t child = fork();
    if (child != 0) return child;

    if (change_user) {
        if (setgroups((size_t)group_count, groups) != 0) fail(command, user, "setgroups", errno);
        if (setresgid(gid, gid, gid) != 0) fail(command, user, "setresgid", errno);
        if (setresuid(uid, uid, uid) != 0) fail(command, user, "setresuid", errno);
        // Leaving uid 0 clears the capability sets (no SECBIT_KEEP_CAPS here); checked, not assumed.
        (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL);
        if (uid != 0) {
            if (!holds_no_capability()) fail(command, user, "capabilities remain after leaving root", 0);
            if (setresuid(0, 0, 0) == 0) fail(command, user, "uid 0 could be taken back", 0);
        }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0) fail(command, user, "no_new_privs", errno);
    }
    // After the user change, which would reset it. If run-as is already gone, so is the command.
    if (prctl(PR_SET_PDEATHSIG, (unsigned long)SIGTERM, 0UL, 0UL, 0UL) != 0) fail(command, user, "parent-death signal", errno);
    if (getppid() != parent) _exit(126);
    if (sigprocmask(SIG_SETMASK, mask, NULL) != 0) fail(command, user, "signal mask", errno);
    closefrom(3);
    environ = (char **)environment;
    execvp(command, arguments);
    fail(command, user, "exec", errno);
    return -1;
}
