// Epoll's ready-list order, emulated by the io_uring backend (uring_epoll_order.cc).
#ifndef EVRING_URING_EPOLL_ORDER_H
#define EVRING_URING_EPOLL_ORDER_H

#include "uring_state.h"

namespace evring {

// modify: whether the fd's next poll is a new registration in epoll's terms (kFresh).
inline void order_note_change(UringFd &uring, int old_mask) {
  if (!old_mask || uring.armed_mask) uring.flags |= kFresh;
}
// flush: the fd's registration is up to date; a fresh one whose poll went into the ring is
// followed until the poll ends. `superseded`: the generation of the poll the flush removed for
// it on the same file (a mask change), or 0.
inline void order_note_flushed(UringState &state, int fd, UringFd &uring, uint32_t superseded) {
  if (!(uring.flags & kFresh)) return;
  if (uring.state == UringFdState::kPolled)
    state.order.fresh.push(FreshPoll{fd, superseded, false});
  else
    uring.flags &= uint8_t(~kFresh);
}
// reap: a poll of an older generation of fd completed with readiness. If it was the poll a
// fresh one superseded, the fd was in epoll's ready list already and keeps its place there.
void order_keep_place(ev_loop *loop, UringState &state, int fd, uint32_t generation);
inline void order_note_superseded_ready(ev_loop *loop, UringState &state, int fd,
                                        uint32_t generation) {
  if (state.order.fresh.count) order_keep_place(loop, state, fd, generation);
}
// reap: whether the completion is a fresh poll's, kept aside until the poll ends. Inline: reap
// asks for every completion, and no fresh poll is in flight in the common iteration.
bool order_defer_if_fresh(ev_loop *loop, UringState &state, const io_uring_cqe &cqe);
inline bool order_defers(ev_loop *loop, UringState &state, const io_uring_cqe &cqe) {
  return state.order.fresh.count && order_defer_if_fresh(loop, state, cqe);
}
// The poll ends (`interrupted`: with nothing reported): handles the completions kept aside that
// fit in the batch, postpones the rest. Inline: most polls have no fresh poll to follow.
void order_report_fresh(ev_loop *loop, UringState &state, bool interrupted);
inline void order_report(ev_loop *loop, UringState &state, bool interrupted) {
  if (state.order.fresh.count) order_report_fresh(loop, state, interrupted);
}
// The ring was replaced: every fd is armed afresh, the completions kept aside mean nothing.
inline void order_forget_deferred(UringState &state) {
  state.order.deferred.count = 0;
}

}  // namespace evring

#endif
