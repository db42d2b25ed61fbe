// The fd table and its change list: what io watchers want, and what the backend has been told.
#ifndef EVRING_FD_H
#define EVRING_FD_H

#include "loop.h"

namespace evring {

// Queues fd for the next reify (at most one backend call per fd per iteration).
inline void fd_change(ev_loop *loop, int fd, uint8_t flags) {
  FdEntry &entry = loop->fds[fd];
  uint8_t was = entry.change;
  entry.change = uint8_t(was | flags | kFdChanged);
  if (!was) loop->fd_changes.push(fd);
}
// Brings the backend up to date with every queued fd.
void fd_reify(ev_loop *loop);
// The fd is unusable (EBADF...): stop its watchers and give each EV_ERROR|EV_READ|EV_WRITE.
void fd_kill(ev_loop *loop, int fd);
// Finds and kills the watched fds that are no longer open (after a backend saw EBADF).
void fd_kill_closed(ev_loop *loop);
// The backend lost its registrations (fresh after fork or rebuild): every fd is registered
// again, queued now unless `queue` is false (the caller queues them later).
void fd_rearm_all(ev_loop *loop, bool queue = true);

// Queues each io watcher on fd for the part of revents it asked for.
inline void fd_feed(ev_loop *loop, int fd, int revents) {
  for (ev_watcher_list *w = loop->fds[fd].watchers; w; w = w->next) {
    int events = reinterpret_cast<ev_io *>(w)->events & revents;
    if (events) queue_event(loop, reinterpret_cast<ev_watcher *>(w), events);
  }
}

// Readiness reported by a backend. Hot path: inline.
inline void fd_event(ev_loop *loop, int fd, int revents) {
  // A pending change means the backend registration is about to be replaced; the event may
  // belong to the old interest, so it is left for the next poll to report again.
  if (loop->fds[fd].change) return;
  fd_feed(loop, fd, revents);
}

// True when `generation` (as echoed by the kernel) is the fd's current one.
inline bool fd_generation_current(const ev_loop *loop, int fd, uint32_t generation) {
  return fd < loop->fds.count && loop->fds[fd].generation == generation;
}

}  // namespace evring

#endif
