#ifndef GMSA_USER_COMMAND_H
#define GMSA_USER_COMMAND_H

#include <signal.h>
#include <sys/types.h>

// `gmsa-keytabd run-as`: starts a command as another user with no other privilege.
//
// Written in C because the child, between fork and exec, must not run code that could take a lock or allocate
// in ways the Swift runtime may; everything it does here is a plain system call. In the child, in this order:
// the supplementary groups, the group and the user (setgroups, setresgid, setresuid: real, effective and saved),
// then a check that no capability is left (capget: permitted, effective and inheritable empty; the ambient set
// cleared) and that the user id cannot be changed back, no_new_privs (setuid programs and file capabilities
// give nothing more), a parent-death signal (SIGTERM: the command does not outlive run-as), `mask` as its signal
// mask, every descriptor from 3 up closed, `environment` as its environment, and execvp (PATH from
// `environment`). When `change_user` is 0 the command runs as the caller (root) and only the mask, the death
// signal, the descriptors and the environment are set.
//
// A failure before exec is written to standard error as "gmsa-keytabd: error: …" naming `user` and the step,
// and the child exits 126 (127 when the command is not found), as shells do.
//
// Returns the child's pid, or -1 with errno set when fork failed.
pid_t gmsa_user_command_start(
    const char *command, char *const arguments[], char *const environment[], int change_user, const char *user,
    uid_t uid, gid_t gid, const gid_t *groups, int group_count, const sigset_t *mask);

#endif
