#ifndef GMSA_CLINUX_SHIM_H
#define GMSA_CLINUX_SHIM_H

#include <pthread.h>
#include <malloc.h>
#include <spawn.h>

// GNU extensions of glibc that its headers declare only under _GNU_SOURCE, which Swift's Glibc module is not
// built with. Same signatures as glibc's (2.34+ for the closefrom action; Debian 12 has 2.36).
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
extern int pthread_setname_np(pthread_t thread, const char *name);

#endif
