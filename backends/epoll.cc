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

// kernel_mask value for an fd epoll refused with EPERM (a regular file, /dev/null), which
// poll(2) would report as always readable and writable, so this backend does the same.
constexpr uint8_t kAlwaysReady = 0x80;
constexpr int kReadWrite = EV_READ | EV_WRITE;

// What the epoll set has for an fd.
struct EpollFd {
  uint8_t kernel_mask;     // EV_READ|EV_WRITE|EVRING_EDGE as registered, or kAlwaysReady
  uint32_t registrations;  // counts the fd's registrations: the tag in its event data
};

inline EpollFd &epoll_fd_of(FdEntry &entry) {
  return backend_fd_state<EpollFd>(entry.backend);
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

epoll_event kernel_event(int fd, const EpollFd &kernel, int mask) {
  epoll_event event{};
  event.events = (mask & EV_READ ? EPOLLIN : 0u) | (mask & EV_WRITE ? EPOLLOUT : 0u) |
                 (mask & EVRING_EDGE ? EPOLLET : 0u);
  event.data.u64 = uint64_t(uint32_t(fd)) | (uint64_t(kernel.registrations) << 32);
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
  loop->backend_fd.number = epoll_fd;
  return true;
}

void epoll_destroy(ev_loop *loop) {
  EpollState &state = state_of(loop);
  close(state.epoll_fd);
  state.events.release();
  state.always_ready.release();
  mem_free(&state);
  loop->backend_state = nullptr;
  loop->backend_fd.number = -1;
}

// Registers the fd for new_mask; returns false if the fd must be killed.
bool register_fd(EpollState &state, int fd, EpollFd &kernel, int old_mask, int new_mask) {
  uint8_t kernel_had = kernel.kernel_mask;
  kernel.kernel_mask = uint8_t(new_mask);
  ++kernel.registrations;
  epoll_event event = kernel_event(fd, kernel, new_mask);
  bool in_kernel = old_mask && kernel_had != new_mask;
  if (!epoll_ctl(state.epoll_fd, in_kernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event))
    return true;
  if (errno == ENOENT) {
    // The fd was closed and reopened since: register the new file.
    if (!epoll_ctl(state.epoll_fd, EPOLL_CTL_ADD, fd, &event)) return true;
  } else if (errno == EEXIST) {
    // Still registered from before (lazy unregistration): same mask means nothing to do.
    if (kernel_had == new_mask) {
      --kernel.registrations;
      return true;
    }
    if (!epoll_ctl(state.epoll_fd, EPOLL_CTL_MOD, fd, &event)) return true;
  }
  if (errno == EPERM) {
    kernel.kernel_mask = kAlwaysReady;
    if (!(kernel_had & kAlwaysReady)) state.always_ready.push(fd);
    return true;
  }
  --kernel.registrations;
  return false;
}

// A new file needs nothing special: its number's MOD fails with ENOENT (epoll keys the old
// registration by its file), and the file is then added.
void epoll_modify(ev_loop *loop, int fd, int old_mask, int new_mask, bool) {
  if (!new_mask) return;  // lazy: see the top of this file
  if (!register_fd(state_of(loop), fd, epoll_fd_of(loop->fds[fd]), old_mask, new_mask))
    fd_kill(loop, fd);
}

void report_always_ready(ev_loop *loop, EpollState &state) {
  for (int i = 0; i < state.always_ready.count;) {
    int fd = state.always_ready[i];
    FdEntry &entry = loop->fds[fd];
    if ((epoll_fd_of(entry).kernel_mask & kAlwaysReady) && (entry.registered & kReadWrite)) {
      fd_event(loop, fd, entry.registered & kReadWrite);
      ++i;
    } else {
      epoll_fd_of(entry).kernel_mask = 0;
      state.always_ready[i] = state.always_ready[--state.always_ready.count];
    }
  }
}

// An event for a mask nobody wants any more: narrow the registration, or drop it.
bool narrow_registration(EpollState &state, int fd, FdEntry &entry) {
  EpollFd &kernel = epoll_fd_of(entry);
  epoll_event event = kernel_event(fd, kernel, entry.registered);
  kernel.kernel_mask = entry.registered;
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
    if (epoll_fd_of(entry).registrations != uint32_t(event.data.u64 >> 32)) {
      loop->backend_repair = BackendRepair::kRebuild;
      continue;
    }
    int got = revents_of(event.events);
    if ((got & ~entry.registered) && !narrow_registration(state, fd, entry)) {
      loop->backend_repair = BackendRepair::kRebuild;
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

// The table reads by concern, a line each.
// clang-format off
const BackendOps epoll_backend = {
    .name = "epoll", .flag = EVBACKEND_EPOLL,
    .init = epoll_init, .destroy = epoll_destroy, .modify = epoll_modify, .poll = epoll_poll,
    .min_wait = 1e-3, .rebuilt_after_fork = true, .embed = {.embeddable = true}};
// clang-format on

}  // namespace evring
