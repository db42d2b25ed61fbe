// epoll backend.
//
// Like libev's, it unregisters lazily: when nobody wants an fd any more its registration stays,
// and is narrowed or deleted only if the kernel reports an event nobody wants. Watchers are
// often stopped and started again on the same fd, so this saves epoll_ctl calls, and it gives
// the same wake-ups (and so the same ev_iteration counts) as libev.
//
// The event data carries the fd and a per-fd registration counter. An event with an older
// counter comes from a registration the kernel kept for a file that was closed here but stays
// open elsewhere (dup, fork); no epoll_ctl can reach such a registration any more, so the
// epoll set is rebuilt from the fd table (the core does this before the next poll).
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "event_batch.h"
#include "fd.h"

namespace evring {

namespace {

// FdEntry::backend_flags holds the mask the kernel has (EV_READ|EV_WRITE|EVRING_EDGE), or
// kAlwaysReady: epoll refused the fd with EPERM (a regular file, /dev/null), which poll(2)
// would report as always readable and writable, so this backend does the same.
constexpr uint8_t kAlwaysReady = 0x80;
constexpr int kReadWrite = EV_READ | EV_WRITE;

// FdEntry::backend_index counts the fd's registrations: the tag in the event data.
inline uint32_t registration_tag(const FdEntry &entry) {
  return uint32_t(entry.backend_index);
}

struct EpollState {
  int epoll_fd;
  int batch;  // events per epoll_wait (event_batch.h)
  Vec<epoll_event> events;
  Vec<int> always_ready;
};

EpollState &state_of(ev_loop *loop) {
  return *static_cast<EpollState *>(loop->backend_state);
}

epoll_event kernel_event(int fd, const FdEntry &entry, int mask) {
  epoll_event event{};
  event.events = (mask & EV_READ ? EPOLLIN : 0u) | (mask & EV_WRITE ? EPOLLOUT : 0u) |
                 (mask & EVRING_EDGE ? EPOLLET : 0u);
  event.data.u64 = uint64_t(uint32_t(fd)) | (uint64_t(registration_tag(entry)) << 32);
  return event;
}

int revents_of(uint32_t events) {
  return (events & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? EV_WRITE : 0) |
         (events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? EV_READ : 0);
}

bool epoll_init(ev_loop *loop) {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return false;
  auto *state = static_cast<EpollState *>(mem_realloc(nullptr, sizeof(EpollState)));
  *state = EpollState{epoll_fd, kFirstEventBatch, {}, {}};
  state->events.reserve_zeroed(state->batch);
  loop->backend_state = state;
  loop->backend_fd = epoll_fd;
  return true;
}

void epoll_destroy(ev_loop *loop) {
  EpollState &state = state_of(loop);
  close(state.epoll_fd);
  state.events.release();
  state.always_ready.release();
  mem_free(&state);
  loop->backend_state = nullptr;
  loop->backend_fd = -1;
}

// Registers the fd for new_mask; returns false if the fd must be killed.
bool register_fd(EpollState &state, int fd, FdEntry &entry, int old_mask, int new_mask) {
  uint8_t kernel_had = entry.backend_flags;
  entry.backend_flags = uint8_t(new_mask);
  ++entry.backend_index;
  epoll_event event = kernel_event(fd, entry, new_mask);
  bool in_kernel = old_mask && kernel_had != new_mask;
  if (!epoll_ctl(state.epoll_fd, in_kernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event))
    return true;
  if (errno == ENOENT) {
    // The fd was closed and reopened since: register the new file.
    if (!epoll_ctl(state.epoll_fd, EPOLL_CTL_ADD, fd, &event)) return true;
  } else if (errno == EEXIST) {
    // Still registered from before (lazy unregistration): same mask means nothing to do.
    if (kernel_had == new_mask) {
      --entry.backend_index;
      return true;
    }
    if (!epoll_ctl(state.epoll_fd, EPOLL_CTL_MOD, fd, &event)) return true;
  }
  if (errno == EPERM) {
    entry.backend_flags = kAlwaysReady;
    if (!(kernel_had & kAlwaysReady)) state.always_ready.push(fd);
    return true;
  }
  --entry.backend_index;
  return false;
}

void epoll_modify(ev_loop *loop, int fd, int old_mask, int new_mask) {
  if (!new_mask) return;  // lazy: see the top of this file
  if (!register_fd(state_of(loop), fd, loop->fds[fd], old_mask, new_mask)) fd_kill(loop, fd);
}

void report_always_ready(ev_loop *loop, EpollState &state) {
  for (int i = 0; i < state.always_ready.count;) {
    int fd = state.always_ready[i];
    FdEntry &entry = loop->fds[fd];
    if ((entry.backend_flags & kAlwaysReady) && (entry.registered & kReadWrite)) {
      fd_event(loop, fd, entry.registered & kReadWrite);
      ++i;
    } else {
      entry.backend_flags = 0;
      state.always_ready[i] = state.always_ready[--state.always_ready.count];
    }
  }
}

// An event for a mask nobody wants any more: narrow the registration, or drop it.
bool narrow_registration(EpollState &state, int fd, FdEntry &entry) {
  epoll_event event = kernel_event(fd, entry, entry.registered);
  entry.backend_flags = entry.registered;
  return !epoll_ctl(state.epoll_fd, entry.registered ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, fd, &event);
}

void epoll_poll(ev_loop *loop, ev_tstamp timeout) {
  EpollState &state = state_of(loop);
  if (state.always_ready.count) timeout = 0.;
  // Rounded up: waking before the timer is due would cost an extra iteration.
  int timeout_ms = int(timeout * 1e3 + 0.9999);
  loop_release(loop);
  int ready = epoll_wait(state.epoll_fd, state.events.items, state.batch, timeout_ms);
  loop_acquire(loop);
  if (ready < 0) {
    if (errno != EINTR) fatal_syserr("evring: epoll_wait");
    return;
  }
  for (int i = 0; i < ready; ++i) {
    const epoll_event &event = state.events[i];
    int fd = int(uint32_t(event.data.u64));
    FdEntry &entry = loop->fds[fd];
    if (registration_tag(entry) != uint32_t(event.data.u64 >> 32)) {
      loop->backend_needs_rebuild = true;
      continue;
    }
    int got = revents_of(event.events);
    if ((got & ~entry.registered) && !narrow_registration(state, fd, entry)) {
      loop->backend_needs_rebuild = true;
      continue;
    }
    fd_event(loop, fd, got);
  }
  if (ready == state.batch) {
    state.batch = next_event_batch(state.batch);
    state.events.reserve_zeroed(state.batch);
  }
  if (state.always_ready.count) report_always_ready(loop, state);
}

}  // namespace

const BackendOps epoll_backend = {
    "epoll", EVBACKEND_EPOLL, epoll_init, epoll_destroy, epoll_modify, epoll_poll, 1e-3,
    true,    nullptr,         false};

}  // namespace evring
