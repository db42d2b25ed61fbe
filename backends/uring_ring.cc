// The io_uring backend's ring: made, fitted to the watched fds, grown after an overflow, made
// anew for another thread, and kept supplied with free SQEs. Quirk letters: io_uring.cc.
#include <errno.h>

#include "ops.h"
#include "uring_epoll_order.h"
#include "uring_probe.h"
#include "uring_state.h"

namespace evring {

namespace {

constexpr unsigned kDefaultEntries = 256;
// The kernel's own limit is found by asking (IORING_SETUP_CLAMP); this only bounds the loop.
constexpr unsigned kMaxEntries = 1u << 15;
// Submissions in a row that make no progress before the kernel's refusal is taken as final.
constexpr int kSubmitAttempts = 1000;

// The ring fd is readable while completions wait, which is what ev_embed needs, except with
// DEFER_TASKRUN: there completions are only posted when the owner enters the ring (quirk J).
void publish_backend_fd(ev_loop *loop, const UringState &state) {
  loop->backend_fd.number =
      state.setup_flags & IORING_SETUP_DEFER_TASKRUN ? -1 : state.current.ring.fd;
}

void start_using(UringState &state) {
  CurrentRing &current = state.current;
  current.issuer_known = current.issuer_refused = false;
  current.overflow_seen = uring_cq_dropped(&current.ring);
  current.must_grow = false;
  state.epoll.armed = false;
}

// Replaces the ring by a new one of `entries` and queues every fd for arming in it. Events the
// old ring held are not lost: a fresh poll reports the fd's current readiness. Closing the old
// ring may interrupt this thread's next blocking call (quirk B).
bool replace_ring(ev_loop *loop, UringState &state, unsigned entries) {
  UringRing old = state.current.ring;
  if (!uring_open(&state.current.ring, entries, state.setup_flags)) {
    state.current.ring = old;
    return false;
  }
  start_using(state);
  ops_suspend(loop);  // the ops the close cancels begin again in the new ring
  uring_close(&old, ops_visitor(loop));
  uring_ops_ring_closed(loop);
  ops_resume(loop);
  order_forget_deferred(state);  // their fds are re-armed below
  publish_backend_fd(loop, state);
  ++loop->backend_fd.generation;  // ev_embed must watch the new ring, even under the old number
  for (int fd = 0; fd < loop->fds.count; ++fd) {
    FdEntry &entry = loop->fds[fd];
    if (uring_fd(entry).state != UringFdState::kInEpollSet) disarm_and_requeue(state, fd, entry);
  }
  return true;
}

unsigned max_entries() {
  return uring_test_hooks.max_entries ? uring_test_hooks.max_entries : kMaxEntries;
}

// Submission queue entries, at least `floor`, whose completion queue (twice as large) has room
// for a completion per watched fd, within the limit.
unsigned entries_for(unsigned watched, unsigned floor) {
  unsigned wanted = floor;
  while (2 * wanted < watched && wanted < max_entries()) wanted *= 2;
  return wanted < max_entries() ? wanted : max_entries();
}

// Hands the queued SQEs to the kernel without waiting, to make room in the submission queue.
// Without IORING_SETUP_SUBMIT_ALL the kernel stops at an SQE it rejects; EBUSY/EAGAIN mean it
// wants its completions taken first (quirk M).
void submit_pending(ev_loop *loop, UringState &state) {
  UringRing &ring = state.current.ring;
  int stalled = 0;
  while (unsigned pending = uring_sq_pending(&ring)) {
    int result = uring_enter(&ring, 0, IORING_ENTER_GETEVENTS, -1);
    if (result == -EEXIST) {
      // The ring is another task's (quirk I): build ours, which re-queues every fd.
      state.current.issuer_refused = true;
      if (!ensure_issuer(loop, state)) fatal_syserr("evring: cannot re-create the io_uring");
      continue;
    }
    if (result < 0 && result != -EBUSY && result != -EAGAIN && result != -EINTR)
      fatal_syserr("evring: io_uring_enter (submit)");
    reap(loop, state);
    if (uring_sq_pending(&ring) < pending)
      stalled = 0;
    else if (++stalled == kSubmitAttempts)
      fatal_syserr("evring: io_uring keeps refusing submissions");
  }
}

}  // namespace

bool ring_open_first(ev_loop *loop, UringState &state) {
  unsigned allowed = ~uring_test_hooks.disabled_features;
  // DEFER_TASKRUN rings post completions only when their owner enters them (quirk J): ev_embed
  // could not watch the ring's fd.
  if (loop->backend_fd.wanted) allowed &= ~unsigned(kUringDeferTaskrun);
  unsigned entries =
      uring_test_hooks.initial_entries ? uring_test_hooks.initial_entries : kDefaultEntries;
  UringSetup setup;
  if (!uring_open_probed(&state.current.ring, entries, allowed, &setup)) return false;
  if (!(setup.features & kUringUsable)) {
    // Only kernels before 5.6 (no IORING_REGISTER_PROBE) get here, and then close this ring.
    uring_close(&state.current.ring);
    errno = EOPNOTSUPP;
    return false;
  }
  state.features = setup.features;
  if (setup.features & kUringOps) state.op_kinds = uring_op_kinds(state.current.ring);
  state.setup_flags = setup.flags;
  start_using(state);
  publish_backend_fd(loop, state);
  return true;
}

// A ring serves the thread that first submitted to it. pthread_self() tells when the loop moved
// to another thread, except to a new thread that inherited an exited one's pthread_t: the kernel
// then refuses the submission (EEXIST) with SINGLE_ISSUER, and without it the ring simply goes
// on serving the new thread.
bool ensure_issuer(ev_loop *loop, UringState &state) {
  CurrentRing &current = state.current;
  pthread_t self = pthread_self();
  if (current.issuer_known) {
    if (pthread_equal(current.issuer, self) && !current.issuer_refused) return true;
    if (!replace_ring(loop, state, current.ring.sq_entries)) {
      loop->backend_repair = BackendRepair::kFallBack;
      return false;
    }
    // An op that began again in the new ring (ops_resume) has enabled it for this thread.
    if (current.issuer_known) return true;
  }
  if ((state.setup_flags & IORING_SETUP_R_DISABLED) &&
      uring_register(&current.ring, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) < 0)
    fatal_syserr("evring: io_uring_register(ENABLE_RINGS)");
  current.issuer = self;
  current.issuer_known = true;
  // Asked of the first ring that can submit. Ops started before the loop first polled are
  // submitted along: their completions are handled as usual.
  if (!state.flavours_known) {
    CompletionVisitor others = {[](void *context, const io_uring_cqe &cqe) {
                                  ev_loop *loop = static_cast<ev_loop *>(context);
                                  UringState &state = state_of(loop);
                                  bool reaping = state.reaping;
                                  state.reaping = true;  // the probe reads the queue
                                  handle_completion(loop, state, cqe);
                                  state.reaping = reaping;
                                },
                                loop};
    state.features |=
        uring_poll_flavours(&current.ring, others) & ~uring_test_hooks.disabled_features;
    state.flavours_known = true;
  }
  return true;
}

// With room for every watched fd's one-shot poll, the completion queue never overflows; an
// overflow costs a new ring, re-armed in fd order, which is not the order in which the fds'
// events came (epoll's). Without the room (a failed setup, the limit), growing on overflow
// still loses no event.
void grow_to_fit(ev_loop *loop, UringState &state) {
  UringRing &ring = state.current.ring;
  if (ring.sq_entries >= max_entries() || uring_test_hooks.grow_on_overflow_only) return;
  unsigned entries = entries_for(state.watched, ring.sq_entries * 2);
  // In place where the kernel can (not while it keeps overflowed completions, which grow_ring
  // handles): a replaced ring, once closed, interrupts this thread's next blocking call.
  if ((state.features & kUringResize) && !(uring_sq_flags(&ring) & IORING_SQ_CQ_OVERFLOW)) {
    int result = uring_resize(&ring, entries, 2 * entries);
    if (result == 0) return;
    if (result == -EINVAL) state.features &= ~unsigned(kUringResize);
  }
  replace_ring(loop, state, entries);
}

// At the kernel's limit (or the test hook's), the loop falls back to epoll.
void grow_ring(ev_loop *loop, UringState &state) {
  CurrentRing &current = state.current;
  unsigned size = current.ring.sq_entries;
  unsigned wanted = entries_for(state.watched, size * 2);
  if (wanted > size && replace_ring(loop, state, wanted) && current.ring.sq_entries > size) return;
  current.must_grow = false;
  current.overflow_seen = uring_cq_dropped(&current.ring);
  loop->backend_repair = BackendRepair::kFallBack;
}

io_uring_sqe *next_sqe(ev_loop *loop, UringState &state) {
  for (;;) {
    if (io_uring_sqe *sqe = uring_get_sqe(&state.current.ring)) return sqe;
    submit_pending(loop, state);
  }
}

unsigned uring_test_ring_entries(ev_loop *loop) {
  return loop->backend == &io_uring_backend ? state_of(loop).current.ring.sq_entries : 0;
}

int uring_test_ring_fd(ev_loop *loop) {
  return loop->backend == &io_uring_backend ? state_of(loop).current.ring.fd : -1;
}

unsigned uring_test_loop_features(ev_loop *loop) {
  return loop->backend == &io_uring_backend ? state_of(loop).features : 0;
}

}  // namespace evring
