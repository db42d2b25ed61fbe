// io_uring backend: readiness through IORING_OP_POLL_ADD.
//
// Every watched fd has at most one poll in the ring, tagged with the fd and the generation the
// core gave its registration; a completion from an older generation is dropped, so a closed and
// reused fd never sees its predecessor's events. Level-triggered watchers (the default) use
// one-shot polls, re-armed after each completion; EVRING_EDGE fds use multishot polls that stay
// armed. The core's modify() only queues the fd: all SQEs (registrations, removals, re-arms) are
// written just before the iteration's single io_uring_enter, which also waits for completions.
// Each fd's state is a UringFdState (uring_fd.h, with its transition table). The ring itself
// lives in uring_ring.cc, epoll's ready-list order in uring_epoll_order.cc, the wake-ups of
// stopped fds in uring_linger.cc, fds io_uring cannot poll in uring_epoll_set.cc, and what the
// kernel offers is learnt in uring_probe.cc. docs/io_uring.md tells the long story.
//
// Kernel quirks worked around, cited by letter where the work-around is:
//  A. A signal that ends the wait does not always surface as -EINTR: an io_uring_enter that also
//     submitted returns the submission count, and evring's own (SA_RESTART) handlers run with
//     the wakeup fd's completion already posted. epoll_wait always fails with EINTR there, and
//     libev's iteration ends.
//  B. Closing a ring makes the kernel interrupt the blocking calls of every thread that created
//     or used it some milliseconds later (EINTR where the call is not restarted), more than once
//     while requests are still in flight.
//  C. With DEFER_TASKRUN, 6.13+ kernels run deferred task work (poll wake-ups) 20 at a time per
//     io_uring_enter and keep IORING_SQ_TASKRUN raised while some is left.
//  D. A poll armed on an fd that is already ready completes at submission, ahead of wake-ups
//     the kernel processes next, where epoll_ctl puts such an fd behind them.
//  E. POLL_ADD fails with -EINVAL for files io_uring cannot poll.
//  F. A poll holds a reference to its file: left in the ring, it keeps a closed fd's file open.
//  G. A poll update (IORING_POLL_UPDATE_*) that finds the poll completed fails, and the
//     completion it missed carries the old mask: reporting what epoll_ctl's MOD reports at once
//     would take a re-arm and another enter. evring never updates a poll in place.
//  H. The kernel does not say where a resized ring's SQ index array is.
//  I. A SINGLE_ISSUER ring refuses other threads' submissions with -EEXIST, also a new thread
//     that inherited an exited thread's pthread_t.
//  J. A DEFER_TASKRUN ring posts completions only when its owner enters it: its fd is not
//     readable while they wait.
//  K. A poll completion carries readiness as of the wake-up; it may be consumed before reaping.
//  M. Without SUBMIT_ALL the kernel stops at an SQE it rejects; -EBUSY/-EAGAIN mean it wants its
//     completions taken before it takes more SQEs.
//  N. The completion queue overflows when more polls complete than it holds (into the kernel's
//     list, or dropped without IORING_FEAT_NODROP); a ring cannot be resized while overflowed.
//  O. An epoll registration outlives the fd closed here while its file is open elsewhere.
//  P. A removed poll's completion (-ECANCELED) carries no news.
//  Q. A multishot request being completed refuses removal and cancellation with -EALREADY.
//  R. The kernel header's io_uring_buf_ring puts its flexible array one struct further in C++
//     (an empty struct has a size there) than the kernel reads it.
//  S. A poll always watches POLLRDHUP too (the kernel adds it, as ERR and HUP): once the peer
//     has shut down its writing, a poll for POLLOUT alone on a full socket completes at once
//     with POLLRDHUP, again at every re-arm, a loop that never waits. epoll reports RDHUP only
//     when asked.
#include <errno.h>
#include <string.h>

#include "event_batch.h"
#include "uring_epoll_order.h"
#include "uring_epoll_set.h"
#include "uring_linger.h"
#include "uring_prep.h"
#include "wakeup.h"

namespace evring {

UringTestHooks uring_test_hooks;

namespace {

// ---- bringing the kernel up to date -------------------------------------------------------

void add_poll(ev_loop *loop, UringState &state, int fd, FdEntry &entry) {
  io_uring_sqe *sqe = next_sqe(loop, state);
  bool multishot = (entry.registered & EVRING_EDGE) && (state.features & kUringMultishot);
  prep_poll_add(sqe, fd, poll_bits(entry.registered), multishot,
                user_data(kPollRequest, fd, entry.generation));
  // Fault injection: a field POLL_ADD must leave zero makes the kernel answer -EINVAL.
  if (uring_test_hooks.poll_einval && uring_test_hooks.poll_einval(fd)) sqe->addr = 1;
  set_armed(uring_fd(entry), UringFdState::kPolled, entry.registered, entry.generation);
}

// It fails harmlessly (-ENOENT, -EALREADY) when the poll completed meanwhile.
void remove_poll(ev_loop *loop, UringState &state, int fd, UringFd &uring) {
  io_uring_sqe *sqe = next_sqe(loop, state);
  prep_poll_remove(sqe, user_data(kPollRequest, fd, uring.armed_generation),
                   user_data(kIgnored, 0, 0));
  if (state.features & kUringCqeSkip) skip_success(sqe);
  set_idle(uring);
}

// Takes the fd along its transitions (uring_fd.h) to what the core wants.
void reconcile(ev_loop *loop, UringState &state, int fd, FdEntry &entry) {
  UringFd &uring = uring_fd(entry);
  if (uring.state == UringFdState::kInEpollSet) {
    if (entry.registered && !(uring.flags & kRebind)) {
      epoll_set_register(loop, state, fd, entry);
      return;
    }
    epoll_set_leave(state, fd, uring);  // a new file gets another chance with io_uring
  }
  if (uring.state == UringFdState::kPolled) {
    if (uring.armed_generation == entry.generation) return;
    remove_poll(loop, state, fd, uring);  // and a new poll: quirk G
  }
  if (!entry.registered) return;
  if (fd <= kMaxRingFd) {
    add_poll(loop, state, fd, entry);
    return;
  }
  epoll_set_adopt(state, uring);
  epoll_set_register(loop, state, fd, entry);
}

// Brings every queued fd up to date. Reaping to make room in the SQ reports events and queues
// their fds for re-arming: that belongs to the next iteration (re-arming a still-ready fd now
// would complete at once, again and again), so those stay queued.
void flush_queued(ev_loop *loop, UringState &state) {
  if (state.ops_waiting.count) uring_ops_flush(loop, state);
  int count = state.queued.count;
  for (int i = 0; i < count; ++i) {
    int fd = state.queued[i];
    FdEntry &entry = loop->fds[fd];
    UringFd &uring = uring_fd(entry);
    uring.flags &= uint8_t(~kQueued);
    // Watched all along, the fd still names the file its poll was made for: a new poll for it
    // is epoll's MOD (a correct program stops its watchers before closing the fd).
    uint32_t superseded = uring.state == UringFdState::kPolled && !(uring.flags & kUnwatched)
                              ? uring.armed_generation
                              : 0;
    reconcile(loop, state, fd, entry);
    uring.flags &= uint8_t(~(kRebind | kUnwatched));
    order_note_flushed(state, fd, uring, superseded);
  }
  int later = state.queued.count - count;
  if (later) memmove(state.queued.items, state.queued.items + count, sizeof(int) * size_t(later));
  state.queued.count = later;
  if (state.epoll.members || state.epoll.lingering || state.epoll.stale) epoll_set_arm(loop, state);
}

// ---- completions --------------------------------------------------------------------------

// Inline, as handle().
__attribute__((always_inline)) inline void poll_completed(ev_loop *loop, UringState &state,
                                                          const io_uring_cqe &cqe) {
  int fd = fd_of(cqe.user_data);
  uint32_t generation = generation_of(cqe.user_data);
  if (fd >= loop->fds.count) return;
  FdEntry &entry = loop->fds[fd];
  UringFd &uring = uring_fd(entry);
  bool ended = ends_armed_poll(uring, generation, cqe.flags);
  if (ended) disarm_and_requeue(state, fd, entry);
  int result = cqe.res;
  if (entry.generation != generation) {
    linger_poll_completed(state, entry, result);
    if (result > 0 && !rdhup_alone(entry, result))
      order_note_superseded_ready(loop, state, fd, generation);
    return;
  }
  if (ended && rdhup_alone(entry, result)) {
    // Quirk S: the re-arm queued above registers it with the epoll set, which waits for what
    // the watchers asked for.
    if (uring.state != UringFdState::kInEpollSet) epoll_set_adopt(state, uring);
  } else if (result > 0) {
    fd_event(loop, fd, revents_of(uint32_t(result)));
    ++state.call.batch_reported;
  } else if (result == -EINVAL) {
    // Quirk E: the re-arm queued above registers it with the epoll set.
    if (uring.state != UringFdState::kInEpollSet) epoll_set_adopt(state, uring);
  } else if (result < 0 && result != -ECANCELED && result != -EINTR && result != -EAGAIN &&
             result != -ENOMEM) {
    // -EBADF above all. Cancellation (the submitting thread exited) and transient shortages
    // only need the re-arm queued above.
    fd_kill(loop, fd);
  }
}

// Inline: reap() calls it once per completion.
__attribute__((always_inline)) inline void handle(ev_loop *loop, UringState &state,
                                                  const io_uring_cqe &cqe) {
  switch (kind_of(cqe.user_data)) {
    case kPollRequest:
      poll_completed(loop, state, cqe);
      break;
    case kEpollSetPoll:
      state.epoll.armed = false;
      epoll_set_report(loop, state);
      break;
    case kOpRequest:
      uring_op_completed(loop, state, cqe);
      break;
    default:  // kIgnored: quirk P, among others
      break;
  }
}

// ---- waiting ------------------------------------------------------------------------------

// Whether this poll has something for the loop: a watcher queued, or lingering readiness.
bool has_news(const ev_loop *loop, const UringState &state) {
  return state.call.woken || loop->events_queued != state.call.events_queued_before ||
         state.order.deferred.count;
}

// Rounded up to whole microseconds: waking before the timer is due costs an extra iteration.
int64_t timeout_ns_of(ev_tstamp timeout) {
  ev_tstamp us = timeout * 1e6;
  int64_t whole = int64_t(us);
  return (whole + (ev_tstamp(whole) < us)) * 1000;
}

// Whether the enter should wait. Fds still queued after the flush (re-arms of events reaped
// meanwhile, or everything after the ring had to be replaced half-way) are the next
// iteration's, which must come at once. Without IORING_FEAT_EXT_ARG the wait's timeout is an
// SQE, which also completes with the first other completion, so none lingers.
bool should_wait(ev_loop *loop, UringState &state, ev_tstamp timeout) {
  if (timeout <= 0. || uring_cq_ready(&state.current.ring) || has_news(loop, state) ||
      state.queued.count)
    return false;
  if (state.features & kUringExtArg) return true;
  int64_t timeout_ns = timeout_ns_of(timeout);
  state.call.timeout.tv_sec = timeout_ns / 1000000000;
  state.call.timeout.tv_nsec = timeout_ns % 1000000000;
  prep_timeout(next_sqe(loop, state), &state.call.timeout, 1, user_data(kIgnored, 0, 0));
  return !has_news(loop, state) && !state.queued.count;  // making room for it may reap
}

// Submits what is queued and, unless this iteration has news already, waits (at most
// `timeout`) for a completion in the same io_uring_enter. No system call at all when there is
// nothing to submit, nothing to wait for and the kernel has nothing for us either.
// Returns false when the wait was cut short by a signal or refused: the iteration ends there.
bool submit_and_wait(ev_loop *loop, UringState &state, ev_tstamp timeout, ev_tstamp deadline) {
  UringRing &ring = state.current.ring;
  bool wait = should_wait(loop, state, timeout);
  unsigned kernel_flags = uring_sq_flags(&ring);
  // Entering flushes the kernel's overflow list, which may clear the flag: note it now.
  if (kernel_flags & IORING_SQ_CQ_OVERFLOW) state.current.must_grow = true;
  bool kernel_has_news = kernel_flags & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW);
  unsigned submitting = uring_sq_pending(&ring);
  if (!wait && !kernel_has_news && !submitting) return true;
  int64_t timeout_ns = wait && (state.features & kUringExtArg) ? timeout_ns_of(timeout) : -1;
  unsigned handlers_before = wakeup_handler_runs(loop);
  // Only a wait gives the loop away (release/acquire hooks); uring_poll() makes sure each poll
  // does that once, as libev's epoll_wait does.
  if (wait) loop_release(loop);
  state.call.released |= wait;
  int result = uring_enter(&ring, wait ? 1 : 0, IORING_ENTER_GETEVENTS, timeout_ns);
  if (wait) loop_acquire(loop);
  if (result == -EEXIST) {
    state.current.issuer_refused = true;  // quirk I: the next iteration builds our ring
    return false;
  }
  if (result < 0 && result != -EINTR && result != -ETIME && result != -EBUSY && result != -EAGAIN)
    fatal_syserr("evring: io_uring_enter");
  // Quirk A: end the iteration wherever epoll_wait would have failed with EINTR.
  if (result == -EINTR || (wait && wakeup_handler_runs(loop) != handlers_before)) return false;
  return !(wait && submitting && !uring_cq_ready(&ring) && monotonic_now() < deadline);
}

// Enters (and reaps) until this poll has news or its time is up. Returns false when a signal
// cut it short: the iteration then ends with nothing reported, as epoll_wait's EINTR ends
// libev's; the completions (the wakeup fd's, most likely) are the next iteration's.
bool wait_for_news(ev_loop *loop, UringState &state, ev_tstamp timeout, ev_tstamp deadline) {
  for (;;) {
    if (!submit_and_wait(loop, state, timeout, deadline)) return false;
    unsigned reaped = reap(loop, state);
    // Quirk C: enter again, without waiting, while that brings completions and the batch has
    // room, so that an iteration sees what epoll_wait would.
    if ((uring_sq_flags(&state.current.ring) & IORING_SQ_TASKRUN) && reaped &&
        state.call.batch_reported < state.batch) {
      timeout = 0.;
      continue;
    }
    if (timeout <= 0. || has_news(loop, state) || state.current.must_grow) return true;
    // Only completions without news (quirk P) ended the wait: wait on, after re-arming what
    // they queued.
    timeout = deadline - monotonic_now();
    if (timeout <= 0.) return true;
    flush_queued(loop, state);
  }
}

// ---- the backend --------------------------------------------------------------------------

bool uring_init(ev_loop *loop) {
  auto *state = static_cast<UringState *>(mem_realloc(nullptr, sizeof(UringState)));
  memset(static_cast<void *>(state), 0, sizeof *state);
  state->epoll.fd = -1;
  state->batch = kFirstEventBatch;
  if (!ring_open_first(loop, *state)) {
    int saved_errno = errno;
    mem_free(state);
    errno = saved_errno;
    return false;
  }
  loop->backend_state = state;
  return true;
}

void uring_destroy(ev_loop *loop) {
  UringState &state = state_of(loop);
  loop->backend_fd.number = -1;
  uring_close(&state.current.ring, ops_visitor(loop));
  uring_ops_destroy(state);
  epoll_set_close(state);
  state.queued.release();
  state.ops_waiting.release();
  state.lingering.stopped.release();
  state.order.fresh.release();
  state.order.deferred.release();
  mem_free(&state);
  loop->backend_state = nullptr;
}

// A poll keeps the file it was made for (quirk F): a new file needs a new poll.
void uring_modify(ev_loop *loop, int fd, int old_mask, int new_mask, bool new_file) {
  UringState &state = state_of(loop);
  FdEntry &entry = loop->fds[fd];
  UringFd &uring = uring_fd(entry);
  if (new_file) uring.flags |= kRebind;
  if (!old_mask != !new_mask) state.watched += new_mask ? 1 : -1;
  order_note_change(uring, old_mask);
  if (!new_mask) uring.flags |= kUnwatched;
  if (!new_mask && old_mask) linger_on_last_stop(state, fd, entry, uint8_t(old_mask));
  queue(state, fd, uring);
}

void uring_poll(ev_loop *loop, ev_tstamp timeout) {
  UringState &state = state_of(loop);
  state.call.woken = false;
  state.call.events_queued_before = loop->events_queued;
  state.call.batch_reported = 0;
  state.call.released = false;
  fit_ring(loop, state);
  if (!ensure_issuer(loop, state)) return;
  ev_tstamp deadline = loop->mn_now + timeout;  // from the clock read that computed the wait
  flush_queued(loop, state);
  if (state.lingering.stopped.count) {
    if (linger_ready(loop, state)) timeout = 0.;
    // The epoll registrations it made must wake this wait, not only the next one.
    epoll_set_arm(loop, state);
  }
  bool interrupted = !wait_for_news(loop, state, timeout, deadline);
  if (!state.call.released) {
    // libev's epoll backend calls the hooks around every epoll_wait, a zero wait included.
    loop_release(loop);
    loop_acquire(loop);
  }
  if (state.current.must_grow && !interrupted) grow_ring(loop, state);
  order_report(loop, state, interrupted);
  if (state.call.batch_reported >= state.batch) state.batch = next_event_batch(state.batch);
}

// Embedded: quirk J makes the embedding loop watch a ring without DEFER_TASKRUN, whose fd is
// readable only for polls in the ring.
void uring_submit(ev_loop *loop) {
  UringState &state = state_of(loop);
  if (!state.queued.count || !ensure_issuer(loop, state)) return;
  flush_queued(loop, state);
  // Without IORING_ENTER_GETEVENTS and without reaping: the completions must stay in the ring,
  // whose fd the embedding loop watches.
  uring_enter(&state.current.ring, 0, 0, -1);
}

}  // namespace

void handle_completion(ev_loop *loop, UringState &state, const io_uring_cqe &cqe) {
  handle(loop, state, cqe);
}

// Up to a batch of events (event_batch.h) per poll, fresh completions kept aside (quirk D).
unsigned reap(ev_loop *loop, UringState &state) {
  UringRing &ring = state.current.ring;
  unsigned ready = uring_cq_ready(&ring);
  bool reaping = state.reaping;
  state.reaping = true;
  for (unsigned i = 0; i < ready; ++i) {
    const io_uring_cqe &cqe = uring_cqe(&ring, i);
    if (order_defers(loop, state, cqe)) continue;
    if (state.call.batch_reported == state.batch) {
      ready = i;
      break;
    }
    handle(loop, state, cqe);
  }
  uring_cq_consume(&ring, ready);
  state.reaping = reaping;
  // Quirk N.
  if ((uring_sq_flags(&ring) & IORING_SQ_CQ_OVERFLOW) ||
      uring_cq_dropped(&ring) != state.current.overflow_seen)
    state.current.must_grow = true;
  return ready;
}

// The table reads by concern, a line each.
// clang-format off
const BackendOps io_uring_backend = {
    .name = "io_uring", .flag = EVBACKEND_IOURING,
    .init = uring_init, .destroy = uring_destroy, .modify = uring_modify, .poll = uring_poll,
    .min_wait = 1e-6, .rebuilt_after_fork = true, .rebuilt_in_child = true,
    .embed = {.embeddable = true, .submit = uring_submit, .reports_wakeup_readiness = true},
    .watch_holds_file = true,
    .native_ops = &uring_native_ops};
// clang-format on

}  // namespace evring
