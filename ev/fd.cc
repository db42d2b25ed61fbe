#include "fd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>

namespace evring {

void fd_reify(ev_loop *loop) {
  // Callbacks cannot run here, but a backend's modify may kill an fd, which only queues events.
  for (int i = 0; i < loop->fd_changes.count; ++i) {
    int fd = loop->fd_changes[i];
    FdEntry &entry = loop->fds[fd];
    uint8_t change = entry.change;
    entry.change = 0;
    uint8_t wanted = 0;
    bool edge = true;
    for (ev_watcher_list *w = entry.watchers; w; w = w->next) {
      int events = reinterpret_cast<ev_io *>(w)->events;
      wanted |= uint8_t(events & (EV_READ | EV_WRITE));
      edge = edge && (events & EVRING_EDGE);
    }
    if (wanted && edge) wanted |= EVRING_EDGE;
    uint8_t old = entry.registered;
    if (wanted == old && !((change & kFdRebind) && wanted)) continue;
    ++entry.generation;
    entry.registered = wanted;
    loop->backend->modify(loop, fd, old, wanted, change & kFdRebind);
  }
  loop->fd_changes.count = 0;
}

void fd_kill(ev_loop *loop, int fd) {
  while (ev_watcher_list *w = loop->fds[fd].watchers) {
    ev_io *io = reinterpret_cast<ev_io *>(w);
    ev_io_stop(loop, io);
    queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_ERROR | EV_READ | EV_WRITE);
  }
}

void fd_kill_closed(ev_loop *loop) {
  for (int fd = 0; fd < loop->fds.count; ++fd) {
    if (loop->fds[fd].watchers && fcntl(fd, F_GETFD) == -1 && errno == EBADF) fd_kill(loop, fd);
  }
}

void fd_rearm_all(ev_loop *loop, bool queue) {
  for (int fd = 0; fd < loop->fds.count; ++fd) {
    FdEntry &entry = loop->fds[fd];
    entry.registered = 0;
    entry.backend = BackendFdBytes{};
    if (queue && entry.watchers) fd_change(loop, fd, kFdRebind);
  }
}

}  // namespace evring

using namespace evring;

// A negative fd, or one at or above the open-file limit, can never be open: the watcher stays
// stopped and gets EV_ERROR at once (libev would assert). Other closed fds are found by the
// backend like any fd closed behind the loop's back.
static bool fd_possible(ev_loop *loop, int fd) {
  if (fd < 0) return false;
  if (fd < loop->fds.count) return true;
  struct rlimit limit;
  return getrlimit(RLIMIT_NOFILE, &limit) != 0 || rlim_t(fd) < limit.rlim_cur;
}

void ev_io_start(ev_loop *loop, ev_io *w) noexcept {
  if (w->active) return;
  int fd = w->fd;
  if (!fd_possible(loop, fd) || (w->events & ~(EV__IOFDSET | EV_READ | EV_WRITE | EVRING_EDGE))) {
    fprintf(stderr, "evring: ev_io_start: invalid fd %d or event mask 0x%x\n", fd, w->events);
    queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_ERROR | EV_READ | EV_WRITE);
    return;
  }
  watcher_start(loop, reinterpret_cast<ev_watcher *>(w), 1);
  loop->fds.reserve_zeroed(fd + 1);
  if (loop->fds.count <= fd) loop->fds.count = fd + 1;
  list_push(&loop->fds[fd].watchers, reinterpret_cast<ev_watcher_list *>(w));
  fd_change(loop, fd, (w->events & EV__IOFDSET) ? kFdRebind : 0);
  w->events &= ~EV__IOFDSET;
}

void ev_io_stop(ev_loop *loop, ev_io *w) noexcept {
  clear_pending(loop, w);
  if (!w->active) return;
  list_remove(&loop->fds[w->fd].watchers, reinterpret_cast<ev_watcher_list *>(w));
  watcher_stop(loop, reinterpret_cast<ev_watcher *>(w));
  fd_change(loop, w->fd, 0);
}

void ev_feed_fd_event(ev_loop *loop, int fd, int revents) noexcept {
  if (fd >= 0 && fd < loop->fds.count) fd_feed(loop, fd, revents);
}
