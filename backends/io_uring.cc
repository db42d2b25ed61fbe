// io_uring backend: readiness through IORING_OP_POLL_ADD.
//
// Every watched fd has at most one poll in the ring, tagged with the fd and the generation the
// core gave its registration; a completion from an older generation is dropped, so a closed and
// reused fd never sees its predecessor's events. Level-triggered watchers (the default) use
// one-shot polls, re-armed after each completion; EVRING_EDGE fds use multishot polls that stay
// armed. The core's modify() only queues the fd: all SQEs (registrations, removals, re-arms) are
// written just before the iteration's single io_uring_enter, which also waits for completions.
// A ring is bound to the thread that first submits to it (SINGLE_ISSUER/DEFER_TASKRUN, task
// work); when another thread runs the loop, the backend builds a new ring and re-arms every fd.
//
// Wake-ups follow libev's epoll backend, which keeps an fd registered after its last watcher
// stops ("lingering") until the fd's next event: a stopped fd that is or becomes ready ends the
// wait once, with no callback. A removed poll's completion (-ECANCELED) carries no news and
// does not end the wait.
// See docs/io_uring.md.
#include <errno.h>
#include <string.h>

#include "event_batch.h"
#include "uring_probe.h"
#include "uring_state.h"
#include "wakeup.h"

namespace evring {

UringTestHooks uring_test_hooks;

namespace {

constexpr unsigned kDefaultEntries = 256;
// The kernel's own limit is found by asking (IORING_SETUP_CLAMP); this only bounds the loop.
constexpr unsigned kMaxEntries = 1u << 15;
// Submissions in a row that make no progress before the kernel's refusal is taken as final.
constexpr int kSubmitAttempts = 1000;

// ---- submissions --------------------------------------------------------------------------

// Handles the completions waiting in the ring, up to a batch of events (event_batch.h) per
// poll: the rest wait for the next iteration. Returns how many it took from the ring.
unsigned reap(ev_loop *loop, UringState &state);
bool ensure_issuer(ev_loop *loop, UringState &state);

// Hands the queued SQEs to the kernel without waiting, to make room in the submission queue.
// Without IORING_SETUP_SUBMIT_ALL the kernel stops at an SQE it rejects; EBUSY/EAGAIN mean it
// wants its completions taken first.
void submit_pending(ev_loop *loop, UringState &state) {
  int stalled = 0;
  while (unsigned pending = uring_sq_pending(&state.ring)) {
    int result = uring_enter(&state.ring, 0, IORING_ENTER_GETEVENTS, -1);
    if (result == -EEXIST) {
      // The ring is another task's (see ensure_issuer): build ours, which re-queues every fd.
      state.issuer_refused = true;
      if (!ensure_issuer(loop, state)) fatal_syserr("evring: cannot re-create the io_uring");
      continue;
    }
    if (result < 0 && result != -EBUSY && result != -EAGAIN && result != -EINTR)
      fatal_syserr("evring: io_uring_enter (submit)");
    reap(loop, state);
    if (uring_sq_pending(&state.ring) < pending)
      stalled = 0;
    else if (++stalled == kSubmitAttempts)
      fatal_syserr("evring: io_uring keeps refusing submissions");
  }
}

bool multishot(const UringState &state, uint8_t mask) {
  return (mask & EVRING_EDGE) && (state.features & kUringMultishot);
}

void add_poll(ev_loop *loop, UringState &state, int fd, FdEntry &entry) {
  io_uring_sqe *sqe = next_sqe(loop, state);
  sqe->opcode = IORING_OP_POLL_ADD;
  sqe->fd = fd;
  sqe->poll32_events = poll_bits(entry.registered);
  if (multishot(state, entry.registered)) sqe->len = IORING_POLL_ADD_MULTI;
  sqe->user_data = user_data(kPollRequest, fd, entry.generation);
  // Fault injection: a field POLL_ADD must leave zero makes the kernel answer -EINVAL.
  if (uring_test_hooks.poll_einval && uring_test_hooks.poll_einval(fd)) sqe->addr = 1;
  set_armed(entry, entry.registered, entry.generation);
}

void remove_poll(ev_loop *loop, UringState &state, int fd, FdEntry &entry) {
  io_uring_sqe *sqe = next_sqe(loop, state);
  sqe->opcode = IORING_OP_POLL_REMOVE;
  sqe->fd = -1;
  sqe->addr = user_data(kPollRequest, fd, uint32_t(entry.backend_index));
  // It fails harmlessly (-ENOENT, -EALREADY) when the poll completed meanwhile.
  if (state.features & kUringCqeSkip) sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
  sqe->user_data = user_data(kIgnored, 0, 0);
  set_armed(entry, 0, 0);
}

// Gives a pending one-shot poll its new mask and generation without a removal. If the poll
// completed meanwhile, the update fails and its completion re-arms the fd.
void update_poll(ev_loop *loop, UringState &state, int fd, FdEntry &entry) {
  io_uring_sqe *sqe = next_sqe(loop, state);
  sqe->opcode = IORING_OP_POLL_REMOVE;
  sqe->fd = -1;
  sqe->addr = user_data(kPollRequest, fd, uint32_t(entry.backend_index));
  sqe->off = user_data(kPollRequest, fd, entry.generation);
  sqe->len = IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA;
  sqe->poll32_events = poll_bits(entry.registered);
  if (state.features & kUringCqeSkip) sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
  sqe->user_data = user_data(kUpdateRequest, fd, entry.generation);
  set_armed(entry, entry.registered, entry.generation);
}

// An update keeps the poll's file and its one-shot or multishot nature. It is also never used
// with edge mode: a multishot completion tagged with the old generation would be dropped, while
// a fresh poll reports the fd's current readiness.
bool can_update(const UringState &state, const FdEntry &entry) {
  return (state.features & kUringPollUpdate) && !(entry.backend_flags & kRebind) &&
         !((armed_mask(entry) | entry.registered) & EVRING_EDGE);
}

// ---- bringing the kernel up to date -------------------------------------------------------

void reconcile(ev_loop *loop, UringState &state, int fd, FdEntry &entry) {
  if (entry.backend_flags & kInEpollSet) {
    if (entry.registered && !(entry.backend_flags & kRebind)) {
      epoll_set_register(loop, state, fd, entry);
      return;
    }
    // A new file gets another chance with io_uring.
    epoll_set_leave(state, fd, entry);
  }
  if (armed_mask(entry)) {
    if (uint32_t(entry.backend_index) == entry.generation) return;
    if (entry.registered && can_update(state, entry)) {
      update_poll(loop, state, fd, entry);
      return;
    }
    remove_poll(loop, state, fd, entry);
  }
  if (!entry.registered) return;
  if (fd <= kMaxRingFd) {
    add_poll(loop, state, fd, entry);
    return;
  }
  epoll_set_adopt(state, entry);
  epoll_set_register(loop, state, fd, entry);
}

// Brings every queued fd up to date. Reaping to make room in the SQ reports events and queues
// their fds for re-arming: that belongs to the next iteration (re-arming a still-ready fd now
// would complete at once, again and again), so those stay queued.
void flush_queued(ev_loop *loop, UringState &state) {
  int count = state.queued.count;
  for (int i = 0; i < count; ++i) {
    int fd = state.queued[i];
    FdEntry &entry = loop->fds[fd];
    entry.backend_flags &= uint8_t(~kQueued);
    reconcile(loop, state, fd, entry);
    entry.backend_flags &= uint8_t(~kRebind);
    if (entry.backend_flags & kFresh) {
      if (armed_mask(entry) && !(entry.backend_flags & kInEpollSet))
        state.fresh.push(fd);
      else
        entry.backend_flags &= uint8_t(~kFresh);
    }
  }
  int later = state.queued.count - count;
  if (later) memmove(state.queued.items, state.queued.items + count, sizeof(int) * size_t(later));
  state.queued.count = later;
  if (state.epoll_members || state.epoll_lingering || state.epoll_stale) epoll_set_arm(loop, state);
}

// ---- completions --------------------------------------------------------------------------

// Inline, as handle().
__attribute__((always_inline)) inline void poll_completed(ev_loop *loop, UringState &state,
                                                          const io_uring_cqe &cqe) {
  int fd = fd_of(cqe.user_data);
  uint32_t generation = generation_of(cqe.user_data);
  if (fd >= loop->fds.count) return;
  FdEntry &entry = loop->fds[fd];
  bool current = entry.generation == generation;
  if (armed_mask(entry) && uint32_t(entry.backend_index) == generation &&
      !(cqe.flags & IORING_CQE_F_MORE) && !(entry.backend_flags & kInEpollSet)) {
    set_armed(entry, 0, 0);
    if (entry.registered) queue(state, fd, entry);
  }
  if (!current) {
    // A poll removed after its fd became ready: lingering readiness.
    if (cqe.res > 0 && !entry.registered) state.woken = true;
    return;
  }
  int result = cqe.res;
  if (result > 0) {
    fd_event(loop, fd, revents_of(uint32_t(result)));
    ++state.batch_reported;
  } else if (result == -EINVAL) {
    // Not pollable by io_uring: the re-arm queued above registers it with the epoll set.
    if (!(entry.backend_flags & kInEpollSet)) epoll_set_adopt(state, entry);
  } else if (result < 0 && result != -ECANCELED && result != -EINTR && result != -EAGAIN &&
             result != -ENOMEM) {
    // -EBADF above all. Cancellation (the submitting thread exited) and transient shortages
    // only need the re-arm queued above.
    fd_kill(loop, fd);
  }
}

void update_completed(ev_loop *loop, UringState &state, const io_uring_cqe &cqe) {
  if (cqe.res >= 0) return;
  int fd = fd_of(cqe.user_data);
  if (fd >= loop->fds.count) return;
  FdEntry &entry = loop->fds[fd];
  // The poll had completed (with its old generation) before the update reached it.
  if (armed_mask(entry) && uint32_t(entry.backend_index) == generation_of(cqe.user_data) &&
      !(entry.backend_flags & kInEpollSet)) {
    set_armed(entry, 0, 0);
    if (entry.registered) queue(state, fd, entry);
  }
}

// Inline: reap() calls it once per completion.
__attribute__((always_inline)) inline void handle(ev_loop *loop, UringState &state,
                                                  const io_uring_cqe &cqe) {
  switch (kind_of(cqe.user_data)) {
    case kPollRequest:
      poll_completed(loop, state, cqe);
      break;
    case kUpdateRequest:
      update_completed(loop, state, cqe);
      break;
    case kEpollSetPoll:
      state.epoll_armed = false;
      epoll_set_report(loop, state);
      break;
    case kIgnored:
      break;
  }
}

// Whether the completion is that of a one-shot poll armed for a new registration (kFresh).
bool is_fresh(const ev_loop *loop, const io_uring_cqe &cqe) {
  if (kind_of(cqe.user_data) != kPollRequest || (cqe.flags & IORING_CQE_F_MORE)) return false;
  int fd = fd_of(cqe.user_data);
  return fd < loop->fds.count && (loop->fds[fd].backend_flags & kFresh) &&
         loop->fds[fd].generation == generation_of(cqe.user_data);
}

// A fresh poll that completed is armed again, which reports the fd again while it is ready;
// unless the fd has a newer registration (an embedding loop's callbacks ran in between).
void postpone(ev_loop *loop, UringState &state, const io_uring_cqe &cqe) {
  int fd = fd_of(cqe.user_data);
  FdEntry &entry = loop->fds[fd];
  uint32_t generation = generation_of(cqe.user_data);
  if (entry.generation != generation || uint32_t(entry.backend_index) != generation) return;
  set_armed(entry, 0, 0);
  queue(state, fd, entry);
}

// The fresh completions, after the others. Those that do not fit in the batch (all of them
// when the poll was interrupted) are postponed, ahead of the fds reported now, as epoll keeps
// them ahead of the level-triggered fds it queues again.
void report_fresh(ev_loop *loop, UringState &state, bool interrupted) {
  int room = interrupted ? 0 : state.batch - state.batch_reported;
  int fitting = state.deferred.count < room ? state.deferred.count : room;
  for (int i = fitting; i < state.deferred.count; ++i) postpone(loop, state, state.deferred[i]);
  for (int i = 0; i < fitting; ++i) handle(loop, state, state.deferred[i]);
  state.deferred.count = 0;
  for (int fd : state.fresh) loop->fds[fd].backend_flags &= uint8_t(~kFresh);
  state.fresh.count = 0;
}

// Completions are handled in the order of epoll's ready list. epoll_ctl puts a new
// registration whose fd is ready behind the fds that woke before; io_uring completes such a poll
// when it is submitted, ahead of the wake-ups it processes next. So fresh completions are kept
// aside (deferred) and handled when the poll ends (report_fresh).
unsigned reap(ev_loop *loop, UringState &state) {
  UringRing &ring = state.ring;
  unsigned ready = uring_cq_ready(&ring);
  bool fresh_in_flight = state.fresh.count;
  for (unsigned i = 0; i < ready; ++i) {
    const io_uring_cqe &cqe = uring_cqe(&ring, i);
    if (fresh_in_flight && is_fresh(loop, cqe)) {
      state.deferred.push(cqe);
      continue;
    }
    if (state.batch_reported == state.batch) {
      ready = i;
      break;
    }
    handle(loop, state, cqe);
  }
  uring_cq_consume(&ring, ready);
  if ((uring_sq_flags(&ring) & IORING_SQ_CQ_OVERFLOW) ||
      uring_cq_dropped(&ring) != state.overflow_seen)
    state.must_grow = true;
  return ready;
}

// ---- rings --------------------------------------------------------------------------------

// The ring fd is readable while completions wait, which is what ev_embed needs, except with
// DEFER_TASKRUN: there completions are only posted when the owner enters the ring.
void publish_backend_fd(ev_loop *loop, const UringState &state) {
  loop->backend_fd = state.setup_flags & IORING_SETUP_DEFER_TASKRUN ? -1 : state.ring.fd;
}

bool open_ring(UringState &state, unsigned entries) {
  if (!uring_open(&state.ring, entries, state.setup_flags)) return false;
  state.issuer_known = state.issuer_refused = false;
  state.overflow_seen = uring_cq_dropped(&state.ring);
  state.must_grow = false;
  state.epoll_armed = false;
  return true;
}

// Replaces the ring by a new one of `entries` and queues every fd for arming in it. Events the
// old ring held are not lost: a fresh poll reports the fd's current readiness.
bool replace_ring(ev_loop *loop, UringState &state, unsigned entries) {
  UringRing old = state.ring;
  if (!open_ring(state, entries)) {
    state.ring = old;
    return false;
  }
  uring_close(&old);
  state.deferred.count = 0;  // their fds are re-armed below
  publish_backend_fd(loop, state);
  ++loop->backend_generation;  // ev_embed must watch the new ring, even under the old number
  for (int fd = 0; fd < loop->fds.count; ++fd) {
    FdEntry &entry = loop->fds[fd];
    if (entry.backend_flags & kInEpollSet) continue;
    set_armed(entry, 0, 0);
    if (entry.registered) queue(state, fd, entry);
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

// The completion queue overflowed: at least double the ring. At the kernel's limit (or the test
// hook's), the loop moves to epoll.
void grow_ring(ev_loop *loop, UringState &state) {
  unsigned current = state.ring.sq_entries;
  unsigned wanted = entries_for(state.watched, current * 2);
  if (wanted <= current || !replace_ring(loop, state, wanted) || state.ring.sq_entries <= current) {
    state.must_grow = false;
    state.overflow_seen = uring_cq_dropped(&state.ring);
    loop->backend_replacement = &epoll_backend;
    loop->backend_needs_rebuild = true;
  }
}

// Before arming: with room for every watched fd's one-shot poll, the completion queue never
// overflows; an overflow costs a new ring, re-armed in fd order, which is not the order in which
// the fds' events came (epoll's). Without the room (a failed setup, the limit), growing on
// overflow still loses no event.
void fit_ring(ev_loop *loop, UringState &state) {
  if (state.watched <= state.ring.cq_entries || state.ring.sq_entries >= max_entries() ||
      uring_test_hooks.grow_on_overflow_only)
    return;
  unsigned entries = entries_for(state.watched, state.ring.sq_entries * 2);
  // In place where the kernel can (not while it keeps overflowed completions, which grow_ring
  // handles): a replaced ring, once closed, interrupts this thread's next blocking call.
  if ((state.features & kUringResize) && !(uring_sq_flags(&state.ring) & IORING_SQ_CQ_OVERFLOW)) {
    int result = uring_resize(&state.ring, entries, 2 * entries);
    if (result == 0) return;
    if (result == -EINVAL) state.features &= ~unsigned(kUringResize);
  }
  replace_ring(loop, state, entries);
}

// A ring serves the thread that first submitted to it. pthread_self() tells when the loop moved
// to another thread, except to a new thread that inherited an exited one's pthread_t: the kernel
// then refuses the submission (EEXIST) with SINGLE_ISSUER, and without it the ring simply goes
// on serving the new thread.
bool ensure_issuer(ev_loop *loop, UringState &state) {
  pthread_t self = pthread_self();
  if (state.issuer_known) {
    if (pthread_equal(state.issuer, self) && !state.issuer_refused) return true;
    if (!replace_ring(loop, state, state.ring.sq_entries)) {
      loop->backend_replacement = &epoll_backend;
      loop->backend_needs_rebuild = true;
      return false;
    }
  }
  if ((state.setup_flags & IORING_SETUP_R_DISABLED) &&
      uring_register(&state.ring, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) < 0)
    fatal_syserr("evring: io_uring_register(ENABLE_RINGS)");
  state.issuer = self;
  state.issuer_known = true;
  // Asked of the first ring that can submit (nothing is queued in it yet).
  if (!state.flavours_known) {
    state.features |= uring_poll_flavours(&state.ring) & ~uring_test_hooks.disabled_features;
    state.flavours_known = true;
  }
  return true;
}

// ---- the backend --------------------------------------------------------------------------

bool uring_init(ev_loop *loop) {
  unsigned allowed = ~uring_test_hooks.disabled_features;
  // DEFER_TASKRUN rings post completions only when their owner enters them: ev_embed could not
  // watch the ring's fd.
  if (loop->backend_fd_wanted) allowed &= ~unsigned(kUringDeferTaskrun);
  auto *state = static_cast<UringState *>(mem_realloc(nullptr, sizeof(UringState)));
  memset(static_cast<void *>(state), 0, sizeof *state);
  state->epoll_fd = -1;
  state->batch = kFirstEventBatch;
  unsigned entries =
      uring_test_hooks.initial_entries ? uring_test_hooks.initial_entries : kDefaultEntries;
  UringSetup setup;
  if (!uring_open_probed(&state->ring, entries, allowed, &setup)) {
    mem_free(state);
    return false;
  }
  if (!(setup.features & kUringUsable)) {
    // Only kernels before 5.6 (no IORING_REGISTER_PROBE) get here, and then close this ring.
    uring_close(&state->ring);
    mem_free(state);
    errno = EOPNOTSUPP;
    return false;
  }
  state->features = setup.features;
  state->setup_flags = setup.flags;
  state->overflow_seen = uring_cq_dropped(&state->ring);
  loop->backend_state = state;
  publish_backend_fd(loop, *state);
  return true;
}

void uring_destroy(ev_loop *loop) {
  UringState &state = state_of(loop);
  loop->backend_fd = -1;
  uring_close(&state.ring);
  epoll_set_close(state);
  state.queued.release();
  state.lingering.release();
  state.fresh.release();
  state.deferred.release();
  mem_free(&state);
  loop->backend_state = nullptr;
}

void uring_modify(ev_loop *loop, int fd, int old_mask, int new_mask) {
  UringState &state = state_of(loop);
  FdEntry &entry = loop->fds[fd];
  if (old_mask == new_mask) entry.backend_flags |= kRebind;
  if (!old_mask != !new_mask) state.watched += new_mask ? 1 : -1;
  // epoll_ctl puts a ready fd at the end of epoll's ready list, except one already in it: a
  // level-triggered fd reported by the last poll, which in io_uring terms is an fd whose
  // one-shot poll has completed (and is queued for re-arming, in that order).
  if (!old_mask || armed_mask(entry)) entry.backend_flags |= kFresh;
  // The last watcher stopped. A poll that has completed leaves the fd's readiness to check
  // before blocking. A poll still pending is removed, and reports if the fd was ready by then;
  // an fd that becomes ready later is for the epoll set to notice.
  if (!new_mask && old_mask && !(entry.backend_flags & kInEpollSet)) {
    if (!armed_mask(entry))
      state.lingering.push(pollfd{fd, short(poll_bits(uint8_t(old_mask))), 0});
    else
      epoll_set_linger(state, fd, entry, uint8_t(old_mask));
  }
  queue(state, fd, entry);
}

// True if an fd whose last watcher stopped since the previous poll is ready: libev's epoll
// would still report it, so the loop wakes once instead of blocking.
bool lingering_fd_ready(ev_loop *loop, UringState &state) {
  int count = 0;
  for (pollfd &candidate : state.lingering)
    if (!loop->fds[candidate.fd].registered) state.lingering[count++] = candidate;
  if (!count || poll(state.lingering.items, nfds_t(count), 0) <= 0) return false;
  for (int i = 0; i < count; ++i)
    if (state.lingering[i].revents & (POLLIN | POLLOUT | POLLERR | POLLHUP)) return true;
  return false;  // POLLNVAL only: closed, and epoll forgets a closed fd
}

// Whether this poll has something for the loop: a watcher queued, or lingering readiness.
bool has_news(const ev_loop *loop, const UringState &state) {
  return state.woken || loop->events_queued != state.events_queued_before || state.deferred.count;
}

// Rounded up to whole microseconds: waking before the timer is due costs an extra iteration.
int64_t timeout_ns_of(ev_tstamp timeout) {
  ev_tstamp us = timeout * 1e6;
  int64_t whole = int64_t(us);
  return (whole + (ev_tstamp(whole) < us)) * 1000;
}

void add_timeout(ev_loop *loop, UringState &state, int64_t timeout_ns) {
  state.timeout.tv_sec = timeout_ns / 1000000000;
  state.timeout.tv_nsec = timeout_ns % 1000000000;
  io_uring_sqe *sqe = next_sqe(loop, state);
  sqe->opcode = IORING_OP_TIMEOUT;
  sqe->addr = uint64_t(uintptr_t(&state.timeout));
  sqe->len = 1;
  sqe->off = 1;  // also completes with the first other completion, so none lingers
  sqe->user_data = user_data(kIgnored, 0, 0);
}

// Submits what is queued and, unless this iteration has news already, waits (at most
// `timeout`) for a completion in the same io_uring_enter. No system call at all when there is
// nothing to submit, nothing to wait for and the kernel has nothing for us either.
// Returns false when the wait was cut short by a signal or refused: the iteration ends there.
bool submit_and_wait(ev_loop *loop, UringState &state, ev_tstamp timeout, ev_tstamp deadline) {
  UringRing &ring = state.ring;
  // Fds still queued after the flush (re-arms of events reaped meanwhile, or everything after
  // the ring had to be replaced half-way) are the next iteration's, which must come at once.
  bool wait =
      timeout > 0. && !uring_cq_ready(&ring) && !has_news(loop, state) && !state.queued.count;
  if (wait && !(state.features & kUringExtArg)) {
    add_timeout(loop, state, timeout_ns_of(timeout));  // making room for it may reap
    wait = !has_news(loop, state) && !state.queued.count;
  }
  unsigned kernel_flags = uring_sq_flags(&ring);
  // Entering flushes the kernel's overflow list, which may clear the flag: note it now.
  if (kernel_flags & IORING_SQ_CQ_OVERFLOW) state.must_grow = true;
  bool kernel_has_news = kernel_flags & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW);
  if (!wait && !kernel_has_news && !uring_sq_pending(&ring)) return true;
  int64_t timeout_ns = wait && (state.features & kUringExtArg) ? timeout_ns_of(timeout) : -1;
  unsigned handlers_before = wakeup_handler_runs(loop);
  // Only a wait gives the loop away (release/acquire hooks), and uring_poll() makes sure each
  // poll does that once, as libev's epoll_wait does.
  if (wait) {
    loop_release(loop);
    state.released = true;
  }
  unsigned submitting = uring_sq_pending(&ring);
  int result = uring_enter(&ring, wait ? 1 : 0, IORING_ENTER_GETEVENTS, timeout_ns);
  if (wait) loop_acquire(loop);
  // The kernel restarted the wait after a signal handler ran (SA_RESTART): end the iteration
  // as the other backends' EINTR does.
  if (wait && wakeup_handler_runs(loop) != handlers_before) return false;
  if (result == -EEXIST) {
    // The ring is another task's (see ensure_issuer): the next iteration builds ours.
    state.issuer_refused = true;
    return false;
  }
  if (result == -EINTR) return false;
  if (result < 0 && result != -ETIME && result != -EBUSY && result != -EAGAIN)
    fatal_syserr("evring: io_uring_enter");
  // An enter that submitted returns the count even when a signal ended its wait (a handler the
  // program installed, which epoll_wait's EINTR would report): a wait that ended before its
  // deadline without a completion was interrupted.
  if (wait && submitting && !uring_cq_ready(&ring) && monotonic_now() < deadline) return false;
  return true;
}

void uring_poll(ev_loop *loop, ev_tstamp timeout) {
  UringState &state = state_of(loop);
  state.woken = false;
  state.events_queued_before = loop->events_queued;
  state.batch_reported = 0;
  state.released = false;
  fit_ring(loop, state);
  if (!ensure_issuer(loop, state)) return;
  // The wait is measured from the clock read that computed it.
  ev_tstamp deadline = loop->mn_now + timeout;
  flush_queued(loop, state);
  if (state.lingering.count) {
    if (timeout > 0. && lingering_fd_ready(loop, state)) timeout = 0.;
    state.lingering.count = 0;
  }
  bool interrupted = false;
  for (;;) {
    // Interrupted by a signal: the iteration ends with nothing reported, as epoll_wait's EINTR
    // ends libev's; the completions (the wakeup fd's, most likely) are the next iteration's.
    if (!submit_and_wait(loop, state, timeout, deadline)) {
      interrupted = true;
      break;
    }
    unsigned reaped = reap(loop, state);
    // The kernel runs deferred task work (polls that woke, polls cancelled) a share at a time,
    // 20 per run on Linux 6.13+, and keeps IORING_SQ_TASKRUN raised while some is left: enter
    // again, without waiting, while that brings completions and the batch has room, so that an
    // iteration sees what epoll_wait would.
    if ((uring_sq_flags(&state.ring) & IORING_SQ_TASKRUN) && reaped &&
        state.batch_reported < state.batch) {
      timeout = 0.;
      continue;
    }
    if (timeout <= 0. || has_news(loop, state) || state.must_grow) break;
    // Only completions without news (a removed poll's cancellation) ended the wait: wait on,
    // after re-arming polls whose update came too late.
    timeout = deadline - monotonic_now();
    if (timeout <= 0.) break;
    flush_queued(loop, state);
  }
  if (!state.released) {
    // libev's epoll backend calls the hooks around every epoll_wait, a zero wait included.
    loop_release(loop);
    loop_acquire(loop);
  }
  if (state.must_grow && !interrupted) grow_ring(loop, state);
  report_fresh(loop, state, interrupted);
  if (state.batch_reported >= state.batch) state.batch = next_event_batch(state.batch);
}

void uring_submit(ev_loop *loop) {
  UringState &state = state_of(loop);
  if (!state.queued.count || !ensure_issuer(loop, state)) return;
  flush_queued(loop, state);
  // Without IORING_ENTER_GETEVENTS and without reaping: the completions must stay in the ring,
  // whose fd the embedding loop watches.
  uring_enter(&state.ring, 0, 0, -1);
}

}  // namespace

io_uring_sqe *next_sqe(ev_loop *loop, UringState &state) {
  for (;;) {
    if (io_uring_sqe *sqe = uring_get_sqe(&state.ring)) return sqe;
    submit_pending(loop, state);
  }
}

unsigned uring_test_ring_entries(ev_loop *loop) {
  return loop->backend == &io_uring_backend ? state_of(loop).ring.sq_entries : 0;
}

unsigned uring_test_loop_features(ev_loop *loop) {
  return loop->backend == &io_uring_backend ? state_of(loop).features : 0;
}

const BackendOps io_uring_backend = {
    "io_uring", EVBACKEND_IOURING, uring_init, uring_destroy, uring_modify, uring_poll, 1e-6,
    true,       uring_submit,      true};

}  // namespace evring
