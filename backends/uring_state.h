// What the io_uring backend's two halves (io_uring.cc, uring_epoll_set.cc) share: the per-loop
// state, how requests are tagged, and how each fd's registration is kept in the fd table.
#ifndef EVRING_URING_STATE_H
#define EVRING_URING_STATE_H

#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>

#include "fd.h"
#include "io_uring_hooks.h"
#include "uring_sys.h"

namespace evring {

// user_data: the fd in bits 0-29, the request kind in bits 30-31, the generation in bits 32-63.
// Fds beyond 30 bits are served by the internal epoll set.
constexpr int kMaxRingFd = (1 << 30) - 1;
enum RequestKind : uint64_t {
  kPollRequest = 0,    // an fd's poll
  kUpdateRequest = 1,  // an in-place update of an fd's poll (failures only, with CQE_SKIP)
  kEpollSetPoll = 2,   // the poll on the internal epoll set
  kIgnored = 3,        // removals and timeouts: their completions carry no news
};

inline uint64_t user_data(RequestKind kind, int fd, uint32_t generation) {
  return uint64_t(uint32_t(fd)) | (uint64_t(kind) << 30) | (uint64_t(generation) << 32);
}
inline RequestKind kind_of(uint64_t data) {
  return RequestKind((data >> 30) & 3);
}
inline int fd_of(uint64_t data) {
  return int(data & kMaxRingFd);
}
inline uint32_t generation_of(uint64_t data) {
  return uint32_t(data >> 32);
}

// FdEntry::backend_flags. The low bits hold the mask (EV_READ|EV_WRITE|EVRING_EDGE) of the poll
// in the ring (or of the epoll set registration); backend_index holds its generation.
constexpr uint8_t kArmedMask = EV_READ | EV_WRITE | EVRING_EDGE;
constexpr uint8_t kQueued = 0x04;      // in UringState::queued
constexpr uint8_t kRebind = 0x08;      // the fd may name a new file: never update its poll
constexpr uint8_t kInEpollSet = 0x10;  // io_uring refused to poll it (-EINVAL)
constexpr uint8_t kLingerItem = 0x20;  // has (or had) a lingering registration in the epoll set
constexpr uint8_t kFresh = 0x80;       // its watchers changed: its next poll is a new registration
static_assert((kArmedMask & (kQueued | kRebind | kInEpollSet | kLingerItem | kFresh)) == 0,
              "flag bits overlap");

struct UringState {
  UringRing ring;
  unsigned features;     // UringFeature bits in use
  unsigned setup_flags;  // what the ring was created with
  bool issuer_known;     // a thread has enabled the ring and submitted to it
  bool issuer_refused;   // the kernel says the ring belongs to another task
  bool flavours_known;   // the poll flavours (uring_poll_flavours) are in `features`
  pthread_t issuer;
  uint32_t overflow_seen;
  bool must_grow;
  // The poll saw readiness that must end the wait although no watcher is queued for it (see
  // "lingering" in io_uring.cc).
  bool woken;
  unsigned events_queued_before;  // the loop's count when this poll began
  int batch;                      // events one poll reports at most (event_batch.h)
  int batch_reported;             // events this poll has reported
  bool released;                  // this poll has called the loop's release/acquire hooks
  unsigned watched;               // fds with watchers
  Vec<int> queued;                // fds whose kernel registration differs from what the core wants
  Vec<int> fresh;                 // fds with kFresh, whose poll went into the ring this iteration
  Vec<io_uring_cqe> deferred;     // completions of fresh polls, handled when the poll ends
  // Fds whose last watcher stopped after their one-shot poll had completed, with the mask they
  // had: checked once before the loop blocks.
  Vec<pollfd> lingering;
  // The internal epoll set, polled through the ring, for fds io_uring cannot poll, and for
  // lingering fds whose last watcher stopped while their poll was pending.
  int epoll_fd;
  int epoll_members;
  bool epoll_lingering;  // it may hold lingering registrations: keep it polled
  bool epoll_armed;
  bool epoll_stale;  // it reported a registration we no longer have: rebuild it
  Vec<epoll_event> epoll_events;
  // The wait of a timeout SQE (without IORING_FEAT_EXT_ARG), read when the kernel consumes it.
  __kernel_timespec timeout;
};

inline UringState &state_of(ev_loop *loop) {
  return *static_cast<UringState *>(loop->backend_state);
}

// The same bits serve poll(2), io_uring and the internal epoll set, as on every Linux port.
static_assert(POLLIN == EPOLLIN && POLLOUT == EPOLLOUT && POLLERR == EPOLLERR &&
                  POLLHUP == EPOLLHUP,
              "poll and epoll event bits differ");

inline uint32_t poll_bits(uint8_t mask) {
  return (mask & EV_READ ? POLLIN : 0u) | (mask & EV_WRITE ? POLLOUT : 0u);
}

inline int revents_of(uint32_t bits) {
  return (bits & (POLLOUT | POLLERR | POLLHUP) ? EV_WRITE : 0) |
         (bits & (POLLIN | POLLERR | POLLHUP) ? EV_READ : 0);
}

inline void set_armed(FdEntry &entry, uint8_t mask, uint32_t generation) {
  entry.backend_flags = uint8_t((entry.backend_flags & ~kArmedMask) | mask);
  entry.backend_index = int32_t(generation);
}

inline uint8_t armed_mask(const FdEntry &entry) {
  return entry.backend_flags & kArmedMask;
}

// Marks the fd for the next flush, which brings its kernel registration up to date.
inline void queue(UringState &state, int fd, FdEntry &entry) {
  if (entry.backend_flags & kQueued) return;
  entry.backend_flags |= kQueued;
  state.queued.push(fd);
}

// A free SQE, after handing the queued ones to the kernel if the submission queue is full.
io_uring_sqe *next_sqe(ev_loop *loop, UringState &state);

// The epoll set for fds io_uring cannot poll (uring_epoll_set.cc). Its members have
// kInEpollSet; their armed mask and generation describe their epoll registration.
void epoll_set_adopt(UringState &state, FdEntry &entry);
void epoll_set_leave(UringState &state, int fd, FdEntry &entry);
// Registers the fd's wanted mask; an fd epoll refuses too is killed.
void epoll_set_register(ev_loop *loop, UringState &state, int fd, FdEntry &entry);
// Registers a stopped fd once (EPOLLONESHOT) with `mask`, the events its watchers had: if it
// becomes ready before it is watched again, the loop wakes once, as libev's epoll backend does.
// Unlike a poll left in the ring, an epoll registration does not keep the file open.
void epoll_set_linger(UringState &state, int fd, FdEntry &entry, uint8_t mask);
// Reports the members' readiness (the set's poll completed).
void epoll_set_report(ev_loop *loop, UringState &state);
// Puts the set's own poll in the ring if it has members and none is pending.
void epoll_set_arm(ev_loop *loop, UringState &state);
void epoll_set_close(UringState &state);

}  // namespace evring

#endif
