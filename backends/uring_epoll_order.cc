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
  state.order.deferred.push(cqe);
  return true;
}

void order_report_fresh(ev_loop *loop, UringState &state, bool interrupted) {
  EpollOrder &order = state.order;
  int room = interrupted ? 0 : state.batch - state.call.batch_reported;
  int fitting = order.deferred.count < room ? order.deferred.count : room;
  for (int i = fitting; i < order.deferred.count; ++i) postpone(loop, state, order.deferred[i]);
  for (int i = 0; i < fitting; ++i) handle_completion(loop, state, order.deferred[i]);
  order.deferred.count = 0;
  for (int fd : order.fresh) uring_fd(loop->fds[fd]).flags &= uint8_t(~kFresh);
  order.fresh.count = 0;
}

}  // namespace evring
