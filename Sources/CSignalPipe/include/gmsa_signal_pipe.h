#ifndef GMSA_SIGNAL_PIPE_H
#define GMSA_SIGNAL_PIPE_H

// The daemon's signals (SIGTERM, SIGINT, SIGHUP, SIGUSR1) as bytes on a pipe.
//
// A signal handler may only call async-signal-safe functions, which Swift code cannot promise, so the handler
// is this C function: it writes the signal's number (one byte) to the pipe and nothing else. A thread of the
// daemon reads the pipe and acts on the signal in ordinary code. The handlers are process-wide, so it does not
// matter which thread the kernel picks, as long as one has the signals unblocked: install unblocks them in the
// calling thread, and threads started after it inherit that.

// Creates the pipe (close-on-exec; the write end non-blocking, so a flood of signals never blocks a handler)
// installs the handler for each of `signals` (with SA_RESTART) and unblocks them in the calling thread.
// Returns the read end, or -1 with errno set.
// Call once per process.
int gmsa_signal_pipe_install(const int *signals, int count);

#endif
