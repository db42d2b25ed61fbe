// Epoll's ready-list order. Programs print the order of their callbacks, and under libev's
// epoll backend it is the order of epoll's ready list: fds in the order they became ready, and
// epoll_ctl puts a new registration whose fd is already ready at the end, behind the fds that
// woke before (a level-triggered fd reported by the last poll is in the list already and keeps
// its place). io_uring completes a poll armed on a ready fd when it is submitted, ahead of the
// wake-ups it processes next (quirk D). So polls armed for new registrations ("fresh": the fd
// was unwatched, or its mask changed while its poll was pending) are followed, and their
// completions are kept aside and handled when the poll ends, after the others. Those that do not
// fit in the poll's batch (all of them when the poll was interrupted) are postponed: armed
// again, which reports the fd again while it is ready, ahead of the fds reported now, as epoll
// keeps them ahead of the level-triggered fds it queues again.
// A mask change is a MOD in epoll's terms: an fd that woke before it, unreported, keeps its
// place in the ready list. Its superseded poll then completes with that readiness (the removal
// comes too late) where the wake-up was, before or after the fresh poll's completion: the fd is
// reported there, from the fresh completion if it came, else from a poll(2) of the fd, as
// epoll_wait checks it (the fresh completion then only re-arms).
#include "uring_epoll_order.h"

namespace evring {

namespace {

bool is_fresh(const ev_loop *loop, const io_uring_cqe &cqe) {
  if (kind_of(cqe.user_data) != kPollRequest || (cqe.flags & IORING_CQE_F_MORE)) return false;
  int fd = fd_of(cqe.user_data);
  if (fd >= loop->fds.count) return false;
  const FdEntry &entry = loop->fds[fd];
  // One that reports nothing is no news: handled at once, it leaves the wait waiting.
  return (uring_fd(entry).flags & kFresh) && entry.generation == generation_of(cqe.user_data) &&
         !rdhup_alone(entry, cqe.res);
}

FreshPoll *fresh_poll_of(EpollOrder &order, int fd) {
  for (FreshPoll &fresh : order.fresh)
    if (fresh.fd == fd) return &fresh;
  return nullptr;
}

// Takes the fd's fresh completion out of those kept aside; false if none came yet.
bool take_deferred(EpollOrder &order, int fd, io_uring_cqe *taken) {
  for (int i = 0; i < order.deferred.count; ++i) {
    if (kind_of(order.deferred[i].user_data) != kPollRequest ||
        fd_of(order.deferred[i].user_data) != fd)
      continue;
    *taken = order.deferred[i];
    memmove(&order.deferred[i], &order.deferred[i + 1],
            sizeof(io_uring_cqe) * size_t(order.deferred.count - i - 1));
    --order.deferred.count;
    return true;
  }
  return false;
}

// What epoll_wait would report for the fd now, for what its watchers want.
int current_revents(const FdEntry &entry, int fd) {
  pollfd probe = {fd, short(poll_bits(entry.registered)), 0};
  if (poll(&probe, 1, 0) != 1 || (probe.revents & POLLNVAL)) return 0;
  return revents_of(uint32_t(uint16_t(probe.revents)));
}

// Unless the fd has a newer registration (an embedding loop's callbacks ran in between).
void postpone(ev_loop *loop, UringState &state, const io_uring_cqe &cqe) {
  int fd = fd_of(cqe.user_data);
  FdEntry &entry = loop->fds[fd];
  uint32_t generation = generation_of(cqe.user_data);
  if (entry.generation == generation && polled_for(uring_fd(entry), generation))
    disarm_and_requeue(state, fd, entry);
}

}  // namespace

bool order_defer_if_fresh(ev_loop *loop, UringState &state, const io_uring_cqe &cqe) {
  if (!is_fresh(loop, cqe)) return false;
  FreshPoll *fresh = fresh_poll_of(state.order, fd_of(cqe.user_data));
  if (fresh && fresh->reported_in_place) {
    io_uring_cqe rearm_only = cqe;
    rearm_only.res = 0;
    handle_completion(loop, state, rearm_only);
    return true;
  }
  state.order.deferred.push(cqe);
  return true;
}

void order_keep_place(ev_loop *loop, UringState &state, int fd, uint32_t generation) {
  FreshPoll *fresh = fresh_poll_of(state.order, fd);
  if (!fresh || fresh->superseded != generation) return;
  fresh->superseded = 0;
  FdEntry &entry = loop->fds[fd];
  io_uring_cqe completion;
  if (take_deferred(state.order, fd, &completion)) {
    uring_fd(entry).flags &= uint8_t(~kFresh);
    handle_completion(loop, state, completion);
    return;
  }
  if (state.call.batch_reported >= state.batch) return;  // epoll's batch ends before it
  int revents = current_revents(entry, fd);
  if (!revents) return;
  fd_event(loop, fd, revents);
  ++state.call.batch_reported;
  fresh->reported_in_place = true;
}

void order_report_fresh(ev_loop *loop, UringState &state, bool interrupted) {
  EpollOrder &order = state.order;
  int room = interrupted ? 0 : state.batch - state.call.batch_reported;
  int fitting = order.deferred.count < room ? order.deferred.count : room;
  for (int i = fitting; i < order.deferred.count; ++i) postpone(loop, state, order.deferred[i]);
  for (int i = 0; i < fitting; ++i) handle_completion(loop, state, order.deferred[i]);
  order.deferred.count = 0;
  for (const FreshPoll &fresh : order.fresh)
    uring_fd(loop->fds[fresh.fd]).flags &= uint8_t(~kFresh);
  order.fresh.count = 0;
}

}  // namespace evring
