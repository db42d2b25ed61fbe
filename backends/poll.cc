// poll(2) backend: one pollfd per watched fd, in a dense array.
#include <errno.h>
#include <poll.h>

#include "fd.h"

namespace evring {

namespace {

struct PollState {
  Vec<pollfd> fds;
};

// The fd's place in the pollfd array.
struct PollFd {
  int32_t slot_plus_one;  // 0: not in the array
};

PollFd &poll_fd(FdEntry &entry) {
  return backend_fd_state<PollFd>(entry.backend);
}

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

void poll_modify(ev_loop *loop, int fd, int, int new_mask, bool) {
  Vec<pollfd> &fds = state_of(loop).fds;
  PollFd &place = poll_fd(loop->fds[fd]);
  if (!place.slot_plus_one) {
    if (!new_mask) return;
    fds.push(pollfd{fd, 0, 0});
    place.slot_plus_one = fds.count;
  }
  int slot = place.slot_plus_one - 1;
  if (new_mask) {
    fds[slot].events =
        short((new_mask & EV_READ ? POLLIN : 0) | (new_mask & EV_WRITE ? POLLOUT : 0));
    return;
  }
  place.slot_plus_one = 0;
  pollfd last = fds[--fds.count];
  if (slot < fds.count) {
    fds[slot] = last;
    poll_fd(loop->fds[last.fd]).slot_plus_one = slot + 1;
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

// The table reads by concern, a line each.
// clang-format off
const BackendOps poll_backend = {
    .name = "poll", .flag = EVBACKEND_POLL,
    .init = poll_init, .destroy = poll_destroy, .modify = poll_modify, .poll = poll_poll,
    .min_wait = 1e-3};
// clang-format on

}  // namespace evring
