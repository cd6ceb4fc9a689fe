#ifndef GMSA_CLINUX_SHIM_H
#define GMSA_CLINUX_SHIM_H

#include <pthread.h>
#include <malloc.h>
#include <spawn.h>
#include <sys/prctl.h>

// GNU extensions of glibc that its headers declare only under _GNU_SOURCE, which Swift's Glibc module is not
// built with. Same signatures as glibc's (2.34+ for the closefrom action; Debian 12 has 2.36).
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int pipe2(int pipefd[2], int flags);

// prctl(2) is variadic, which Swift cannot call.
static inline int gmsa_prctl_set_dumpable(int dumpable) {
    return prctl(PR_SET_DUMPABLE, (unsigned long)dumpable, 0UL, 0UL, 0UL);
}
static inline int gmsa_prctl_get_dumpable(void) {
    return prctl(PR_GET_DUMPABLE, 0UL, 0UL, 0UL, 0UL);
}

#endif
