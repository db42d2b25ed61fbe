// Waking the loop from signal handlers and other threads.
//
// A wakeup sets a flag and writes to an eventfd only while the loop may be blocking in its
// backend; otherwise the loop notices the flag itself before it would block. The eventfd is
// watched by an internal io watcher at EV_MAXPRI, like any other fd, on every backend.
#ifndef EVRING_WAKEUP_H
#define EVRING_WAKEUP_H

#include "loop.h"

namespace evring {

// Creates the eventfd and starts its (unreferenced) watcher, once per loop.
void wakeup_init(ev_loop *loop);
// Async-signal-safe and thread-safe: sets `flag` and makes sure the loop looks at it soon.
void wakeup_signal(ev_loop *loop, std::atomic<int> &flag);
// The loop is about to block: from now on a wakeup writes to the eventfd. Returns false if
// one arrived already, and the loop must then not block. Only a loop that may block calls it:
// the full fence it costs is what makes the eventfd write reliable.
bool wakeup_block_begin(ev_loop *loop);
// After the backend's poll, blocking or not: delivers a wakeup that did not write.
void wakeup_block_end(ev_loop *loop);
// Called by the signal handler: counts the run if it interrupted this loop's blocked thread.
// epoll_wait, poll and select then fail with EINTR and libev's iteration ends; io_uring_enter
// is restarted instead, so the io_uring backend compares wakeup_handler_runs around its wait.
void wakeup_note_handler(ev_loop *loop);
inline unsigned wakeup_handler_runs(const ev_loop *loop) {
  return loop->wakeup.handlers_in_wait.load(std::memory_order_relaxed);
}
// In a forked child: the eventfd is shared with the parent, so make a new one.
void wakeup_after_fork(ev_loop *loop);
void wakeup_destroy(ev_loop *loop);

}  // namespace evring

#endif
