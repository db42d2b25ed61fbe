// epoll backend. Each registration carries the fd and its generation in the event data: an
// event from an older generation comes from a registration the kernel kept for a file that was
// closed here but is still open elsewhere (dup, fork), and the only way to drop such a
// registration is to rebuild the epoll set, which the core then does.
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "fd.h"

namespace evring {

namespace {

// backend_flags bit: epoll refused the fd with EPERM (a regular file or /dev/null), which
// poll(2) would report as always readable and writable, so this backend does the same.
constexpr uint8_t kAlwaysReady = 1;

struct EpollState {
  int epoll_fd;
  Vec<epoll_event> events;
  Vec<int> always_ready;
};

EpollState &state_of(ev_loop *loop) {
  return *static_cast<EpollState *>(loop->backend_state);
}

uint32_t kernel_mask(int mask) {
  return (mask & EV_READ ? EPOLLIN : 0u) | (mask & EV_WRITE ? EPOLLOUT : 0u) |
         (mask & EVRING_EDGE ? EPOLLET : 0u);
}

int revents_of(uint32_t events) {
  return (events & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? EV_WRITE : 0) |
         (events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? EV_READ : 0);
}

bool epoll_init(ev_loop *loop) {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return false;
  auto *state = static_cast<EpollState *>(mem_realloc(nullptr, sizeof(EpollState)));
  *state = EpollState{epoll_fd, {}, {}};
  state->events.reserve_zeroed(64);
  loop->backend_state = state;
  return true;
}

void epoll_destroy(ev_loop *loop) {
  EpollState &state = state_of(loop);
  close(state.epoll_fd);
  state.events.release();
  state.always_ready.release();
  mem_free(&state);
  loop->backend_state = nullptr;
}

void epoll_modify(ev_loop *loop, int fd, int old_mask, int new_mask) {
  EpollState &state = state_of(loop);
  FdEntry &entry = loop->fds[fd];
  bool in_kernel = old_mask && !(entry.backend_flags & kAlwaysReady);
  entry.backend_flags &= uint8_t(~kAlwaysReady);
  if (!new_mask) {
    // Fails harmlessly when the fd was closed first: the kernel dropped it then.
    if (in_kernel) epoll_ctl(state.epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    return;
  }
  epoll_event event{};
  event.events = kernel_mask(new_mask);
  event.data.u64 = uint64_t(uint32_t(fd)) | (uint64_t(entry.generation) << 32);
  int op = in_kernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(state.epoll_fd, op, fd, &event) == 0) return;
  // Our idea of the kernel's set can be wrong after a close or dup: try the other operation.
  if ((op == EPOLL_CTL_MOD && errno == ENOENT) || (op == EPOLL_CTL_ADD && errno == EEXIST)) {
    op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(state.epoll_fd, op, fd, &event) == 0) return;
  }
  if (errno == EPERM) {
    entry.backend_flags |= kAlwaysReady;
    state.always_ready.push(fd);
    return;
  }
  fd_kill(loop, fd);
}

void report_always_ready(ev_loop *loop, EpollState &state) {
  for (int i = 0; i < state.always_ready.count;) {
    int fd = state.always_ready[i];
    FdEntry &entry = loop->fds[fd];
    if ((entry.backend_flags & kAlwaysReady) && entry.registered) {
      fd_event(loop, fd, entry.registered & (EV_READ | EV_WRITE));
      ++i;
    } else {
      state.always_ready[i] = state.always_ready[--state.always_ready.count];
    }
  }
}

void epoll_poll(ev_loop *loop, ev_tstamp timeout) {
  EpollState &state = state_of(loop);
  if (state.always_ready.count) timeout = 0.;
  // Rounded up: waking before the timer is due would cost an extra iteration.
  int timeout_ms = int(timeout * 1e3 + 0.9999);
  loop_release(loop);
  int ready = epoll_wait(state.epoll_fd, state.events.items, state.events.capacity, timeout_ms);
  loop_acquire(loop);
  if (ready < 0) {
    if (errno != EINTR) fatal_syserr("evring: epoll_wait");
    return;
  }
  for (int i = 0; i < ready; ++i) {
    const epoll_event &event = state.events[i];
    int fd = int(uint32_t(event.data.u64));
    if (!fd_generation_current(loop, fd, uint32_t(event.data.u64 >> 32))) {
      loop->backend_needs_rebuild = true;
      continue;
    }
    fd_event(loop, fd, revents_of(event.events));
  }
  if (ready == state.events.capacity) state.events.reserve_zeroed(state.events.capacity * 2);
  if (state.always_ready.count) report_always_ready(loop, state);
}

}  // namespace

const BackendOps epoll_backend = {"epoll",      EVBACKEND_EPOLL, epoll_init, epoll_destroy,
                                  epoll_modify, epoll_poll,      1e-3};

}  // namespace evring
