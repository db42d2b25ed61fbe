// What the io_uring backend's files share: the per-loop state, grouped by lifetime, and how
// requests are tagged.
#ifndef EVRING_URING_STATE_H
#define EVRING_URING_STATE_H

#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>

#include "io_uring_hooks.h"
#include "uring_fd.h"
#include "uring_sys.h"

namespace evring {

// user_data: the fd (or an op's slot) in bits 0-28, the request kind in bits 29-31, the
// generation in bits 32-63. Fds beyond 29 bits are served by the internal epoll set.
constexpr int kMaxRingFd = (1 << 29) - 1;
enum RequestKind : uint64_t {
  kPollRequest = 0,   // an fd's poll
  kEpollSetPoll = 1,  // the poll on the internal epoll set
  kIgnored = 2,       // removals, timeouts, cancellations: their completions carry no news
  kOpRequest = 3,     // an op (ev/ops.h): the slot's index and generation (uring_ops.cc)
  // 4-7: never submitted, read as kIgnored (the probe's tags have all kind bits set)
};

inline uint64_t user_data(RequestKind kind, int fd, uint32_t generation) {
  return uint64_t(uint32_t(fd)) | (uint64_t(kind) << 29) | (uint64_t(generation) << 32);
}
inline RequestKind kind_of(uint64_t data) {
  return RequestKind((data >> 29) & 7);
}
inline int fd_of(uint64_t data) {
  return int(data & kMaxRingFd);
}
inline uint32_t generation_of(uint64_t data) {
  return uint32_t(data >> 32);
}

// The current ring: replaced when it must grow and cannot be resized, or when another thread
// runs the loop (uring_ring.cc).
struct CurrentRing {
  UringRing ring;
  bool issuer_known;    // a thread has enabled the ring and submitted to it
  bool issuer_refused;  // the kernel says the ring belongs to another task (quirk I)
  pthread_t issuer;
  uint32_t overflow_seen;  // the kernel's count of dropped completions we know of
  bool must_grow;          // the completion queue overflowed (quirk N)
};

// One uring_poll call.
struct PollCall {
  // Readiness that must end the wait although no watcher is queued for it (uring_linger.cc).
  bool woken;
  unsigned events_queued_before;  // the loop's count when the call began
  int batch_reported;             // events reported so far, at most UringState::batch
  bool released;                  // the loop's release/acquire hooks have run
  // The wait of a timeout SQE (without IORING_FEAT_EXT_ARG), read when the kernel consumes it.
  __kernel_timespec timeout;
};

// Epoll's ready-list order, emulated (uring_epoll_order.cc).
struct FreshPoll {
  int fd;                  // has kFresh, and its poll went into the ring this poll
  uint32_t superseded;     // the generation of the poll it replaced on the same file, or 0
  bool reported_in_place;  // reported where the superseded poll completed: the fresh poll's
                           // completion only re-arms
};
struct EpollOrder {
  Vec<FreshPoll> fresh;
  Vec<io_uring_cqe> deferred;  // completions of those polls, handled when the poll ends
};

// Lingering wake-ups (uring_linger.cc): fds whose last watcher stopped after their one-shot
// poll had completed, with the mask they had, checked once before the loop blocks.
struct Lingering {
  Vec<pollfd> stopped;
};

// The internal epoll set (uring_epoll_set.cc), itself polled through the ring, for fds io_uring
// cannot poll and for lingering registrations.
struct EpollSet {
  int fd;          // -1 until first needed
  int members;     // fds in kInEpollSet
  bool lingering;  // it may hold lingering registrations: keep it polled
  bool armed;      // its poll is in the current ring
  bool stale;      // it reported a registration we no longer have: rebuild it (quirk O)
  Vec<epoll_event> events;
};

// The loop's buffer pool handed to the kernel as a provided-buffer ring (uring_ops.cc).
struct ProvidedBuffers {
  io_uring_buf_ring *ring;  // mapped memory, or nullptr
  size_t size;              // of the mapping
  unsigned mask;
  uint16_t tail;
};

struct UringState {
  // For the loop's lifetime.
  unsigned features;     // UringFeature bits in use
  unsigned op_kinds;     // bit k: the kernel has the opcode for op kind k (uring_ops.cc)
  unsigned setup_flags;  // what its rings are created with
  bool flavours_known;   // the poll flavours (uring_poll_flavours) are in `features`
  int batch;             // events one poll reports at most (event_batch.h)
  unsigned watched;      // fds with watchers
  Vec<int> queued;       // fds with kQueued
  CurrentRing current;
  // Set while completions are being handled: an op's request due then (a completion's
  // follow-up, the next op of a lane, a receive a returned buffer unparks) waits in
  // ops_waiting for the next flush. Asking for an SQE there could make room by reaping the
  // same completion queue again, under the loop that is reading it.
  bool reaping;
  Vec<int> ops_waiting;
  PollCall call;
  EpollOrder order;
  Lingering lingering;
  EpollSet epoll;
  ProvidedBuffers provided;
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

// Quirk S (io_uring.cc): a poll completion that carries POLLRDHUP and nothing the fd's watchers
// asked for. It reports no event.
inline bool rdhup_alone(const FdEntry &entry, int result) {
  return result > 0 && (result & POLLRDHUP) && !(revents_of(uint32_t(result)) & entry.registered);
}

// Marks the fd for the next flush, which brings its kernel registration up to date.
inline void queue(UringState &state, int fd, UringFd &uring) {
  if (uring.flags & kQueued) return;
  uring.flags |= kQueued;
  state.queued.push(fd);
}

// The kernel no longer has the fd's poll (it completed, its update failed, or the ring went):
// the next flush arms it again if it is watched.
inline void disarm_and_requeue(UringState &state, int fd, FdEntry &entry) {
  UringFd &uring = uring_fd(entry);
  set_idle(uring);
  if (entry.registered) queue(state, fd, uring);
}

// ---- uring_ring.cc: the ring itself ------------------------------------------------------

// Creates the loop's first ring; false (errno set) when io_uring cannot serve the loop.
bool ring_open_first(ev_loop *loop, UringState &state);
// Makes sure the calling thread may submit to the ring, replacing it if not (quirk I). False
// when no ring can be had: the loop then falls back to epoll.
bool ensure_issuer(ev_loop *loop, UringState &state);
// Before arming: room in the completion queue for every watched fd's poll (quirk N). Inline:
// checked before every poll, and the room is there.
void grow_to_fit(ev_loop *loop, UringState &state);
inline void fit_ring(ev_loop *loop, UringState &state) {
  if (state.watched > state.current.ring.cq_entries) grow_to_fit(loop, state);
}
// After an overflow: a larger ring, or epoll at the kernel's limit.
void grow_ring(ev_loop *loop, UringState &state);
// A free SQE, after handing the queued ones to the kernel if the submission queue is full.
io_uring_sqe *next_sqe(ev_loop *loop, UringState &state);

// ---- uring_ops.cc: ops (ev/ops.h) done by the kernel -----------------------------------------

// Which op kinds this ring's kernel can do (REGISTER_PROBE), for UringState::op_kinds.
unsigned uring_op_kinds(const UringRing &ring);
void uring_op_completed(ev_loop *loop, UringState &state, const io_uring_cqe &cqe);
// Writes the requests of the ops in ops_waiting (flush_queued).
void uring_ops_flush(ev_loop *loop, UringState &state);
// Before the current ring is closed (replaced, or the backend destroyed): the completions it
// holds for ops are handled, not dropped; ops the close cancels begin again on the next ring
// (or backend) where the core asked for that (ops_suspend), else they are dropped.
void uring_ops_harvest(ev_loop *loop, const io_uring_cqe &cqe);
// The current ring was replaced: no op's request is in the kernel any more. (Those that go on
// begin again with ops_resume; a stopped op's last completion is lost where the closed ring
// belonged to a thread that has exited, whose requests only the kernel's teardown ends.)
void uring_ops_ring_closed(ev_loop *loop);
// The backend is destroyed (after its ring): the provided-buffer ring's memory goes.
void uring_ops_destroy(UringState &state);
// uring_close's visitor that hands op completions to uring_ops_harvest.
inline CompletionVisitor ops_visitor(ev_loop *loop) {
  return {[](void *context, const io_uring_cqe &cqe) {
            uring_ops_harvest(static_cast<ev_loop *>(context), cqe);
          },
          loop};
}
extern const NativeOps uring_native_ops;

// ---- io_uring.cc: completions --------------------------------------------------------------

// Handles the completions waiting in the ring, up to a batch of events per poll; the rest wait
// for the next iteration. Returns how many it took from the ring.
unsigned reap(ev_loop *loop, UringState &state);
// Handles one completion (reap's own copy is inlined).
void handle_completion(ev_loop *loop, UringState &state, const io_uring_cqe &cqe);

}  // namespace evring

#endif
