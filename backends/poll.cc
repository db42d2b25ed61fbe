// poll(2) backend: one pollfd per watched fd, in a dense array; FdEntry::backend_index is the
// fd's slot + 1.
#include <errno.h>
#include <poll.h>

#include "fd.h"

namespace evring {

namespace {

struct PollState {
  Vec<pollfd> fds;
};

PollState &state_of(ev_loop *loop) {
  return *static_cast<PollState *>(loop->backend_state);
}

bool poll_init(ev_loop *loop) {
  auto *state = static_cast<PollState *>(mem_realloc(nullptr, sizeof(PollState)));
  *state = PollState{};
  loop->backend_state = state;
  return true;
}

void poll_destroy(ev_loop *loop) {
  state_of(loop).fds.release();
  mem_free(loop->backend_state);
  loop->backend_state = nullptr;
}

void poll_modify(ev_loop *loop, int fd, int, int new_mask) {
  Vec<pollfd> &fds = state_of(loop).fds;
  FdEntry &entry = loop->fds[fd];
  if (!entry.backend_index) {
    if (!new_mask) return;
    fds.push(pollfd{fd, 0, 0});
    entry.backend_index = fds.count;
  }
  int slot = entry.backend_index - 1;
  if (new_mask) {
    fds[slot].events =
        short((new_mask & EV_READ ? POLLIN : 0) | (new_mask & EV_WRITE ? POLLOUT : 0));
    return;
  }
  entry.backend_index = 0;
  pollfd last = fds[--fds.count];
  if (slot < fds.count) {
    fds[slot] = last;
    loop->fds[last.fd].backend_index = slot + 1;
  }
}

void poll_poll(ev_loop *loop, ev_tstamp timeout) {
  Vec<pollfd> &fds = state_of(loop).fds;
  int timeout_ms = int(timeout * 1e3 + 0.9999);
  loop_release(loop);
  int ready = poll(fds.items, nfds_t(fds.count), timeout_ms);
  loop_acquire(loop);
  if (ready < 0) {
    if (errno != EINTR) fatal_syserr("evring: poll");
    return;
  }
  // fd_kill only queues changes, so the array stays put while we walk it.
  for (pollfd *p = fds.begin(); ready; ++p) {
    if (!p->revents) continue;
    --ready;
    if (p->revents & POLLNVAL) {
      fd_kill(loop, p->fd);
      continue;
    }
    fd_event(loop, p->fd,
             (p->revents & (POLLOUT | POLLERR | POLLHUP) ? EV_WRITE : 0) |
                 (p->revents & (POLLIN | POLLERR | POLLHUP) ? EV_READ : 0));
  }
}

}  // namespace

const BackendOps poll_backend = {"poll",    EVBACKEND_POLL, poll_init, poll_destroy, poll_modify,
                                 poll_poll, 1e-3,           false,     nullptr,      false};

}  // namespace evring
