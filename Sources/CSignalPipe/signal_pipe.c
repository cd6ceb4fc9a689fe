#define _GNU_SOURCE  // pipe2
#include "gmsa_signal_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t write_end = -1;

static void on_signal(int number) {
    int saved = errno;
    unsigned char byte = (unsigned char)number;
    // A full pipe (thousands of unread signals) drops this one: the reader has plenty to act on.
    (void)!write(write_end, &byte, 1);
    errno = saved;
}

int gmsa_signal_pipe_install(const int *signals, int count) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) return -1;
    if (fcntl(ends[1], F_SETFL, O_NONBLOCK) != 0) goto fail;
    write_end = ends[1];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigset_t unblock;
    sigemptyset(&unblock);
    for (int i = 0; i < count; i++) {
        if (sigaction(signals[i], &action, NULL) != 0) goto fail;
        sigaddset(&unblock, signals[i]);
    }
    // A parent may start us with these signals blocked (some test runners and service managers pass their mask
    // on); blocked, they would never arrive. Threads started after this inherit the unblocked mask.
    int result = pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    if (result != 0) {
        errno = result;
        goto fail;
    }
    return ends[0];
fail:;
    int saved = errno;
    for (int i = 0; i < count; i++) signal(signals[i], SIG_DFL);
    write_end = -1;
    close(ends[0]);
    close(ends[1]);
    errno = saved;
    return -1;
}
