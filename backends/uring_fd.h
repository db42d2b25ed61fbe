// The io_uring backend's state of one fd, kept in the fd table (FdEntry::backend): where the
// kernel has the fd's interest, and the fd's part in the backend's lists.
//
// UringFdState, with FdEntry::registered the mask the core wants and FdEntry::generation the
// registration's generation (advanced by the core at every change); letters are the quirks of
// io_uring.cc:
//
// clang-format off
//   kIdle       --flush, watched-----------------------> kPolled      POLL_ADD
//   kIdle       --flush, watched, fd beyond user_data--> kInEpollSet  epoll_ctl ADD
//   kPolled     --its poll completes (one-shot)--------> kIdle        queued again if watched
//   kPolled     --its poll completes with -EINVAL (E)--> kInEpollSet  registered at next flush
//   kPolled     --it completes with RDHUP alone (S)----> kInEpollSet  registered at next flush
//   kPolled     --flush, new generation (G)------------> kIdle        POLL_REMOVE, then as kIdle
//   kPolled     --the ring is replaced-----------------> kIdle        queued again if watched
//   kInEpollSet --flush, watched, same file------------> kInEpollSet  epoll_ctl ADD/MOD
//   kInEpollSet --flush, unwatched or maybe a new file-> kIdle        EPOLL_CTL_DEL, then as kIdle
//   kInEpollSet --epoll refuses the fd-----------------> kIdle        fd killed
// clang-format on
//
// "flush" is flush_queued() bringing the kernel up to date before each poll; only queued fds
// (kQueued) are looked at, so every transition that leaves work for the kernel queues the fd.
#ifndef EVRING_URING_FD_H
#define EVRING_URING_FD_H

#include <linux/io_uring.h>

#include "fd.h"

namespace evring {

enum class UringFdState : uint8_t {
  kIdle,        // nothing in the kernel for this fd (a lingering epoll registration aside)
  kPolled,      // a poll for armed_mask and armed_generation is in the ring
  kInEpollSet,  // served by the internal epoll set (uring_epoll_set.cc); armed_mask and
                // armed_generation describe its epoll registration (0: not registered yet)
};

// UringFd::flags.
enum : uint8_t {
  kQueued = 1,      // in UringState::queued: its kernel registration is to be brought up to date
  kRebind = 2,      // ev_io_set since the last flush: the number may name a new file
  kFresh = 4,       // its next poll is a new registration (epoll order, uring_epoll_order.cc)
  kLingering = 8,   // has (or had) a lingering registration in the epoll set (uring_linger.cc)
  kUnwatched = 16,  // all its watchers stopped since the last flush: the file may have changed
};

struct UringFd {
  UringFdState state;
  uint8_t flags;
  uint8_t armed_mask;         // EV_READ|EV_WRITE|EVRING_EDGE the kernel has, 0 if none
  uint32_t armed_generation;  // the registration generation the kernel has
};

inline UringFd &uring_fd(FdEntry &entry) {
  return backend_fd_state<UringFd>(entry.backend);
}
inline const UringFd &uring_fd(const FdEntry &entry) {
  return backend_fd_state<UringFd>(entry.backend);
}

inline void set_idle(UringFd &fd) {
  fd.state = UringFdState::kIdle;
  fd.armed_mask = 0;
  fd.armed_generation = 0;
}

inline void set_armed(UringFd &fd, UringFdState state, uint8_t mask, uint32_t generation) {
  fd.state = state;
  fd.armed_mask = mask;
  fd.armed_generation = generation;
}

// Whether a poll for `generation` is in the ring (generation 0 is never the core's).
inline bool polled_for(const UringFd &fd, uint32_t generation) {
  return fd.state == UringFdState::kPolled && fd.armed_generation == generation;
}

// Whether the completion ends the fd's armed poll: the one-shot poll of the registration the
// kernel has (a multishot poll goes on while IORING_CQE_F_MORE says so).
inline bool ends_armed_poll(const UringFd &fd, uint32_t generation, uint32_t cqe_flags) {
  return polled_for(fd, generation) && !(cqe_flags & IORING_CQE_F_MORE);
}

}  // namespace evring

#endif
