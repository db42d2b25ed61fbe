// Filling in SQEs: one function per request, naming the fields each opcode overloads (the
// idea of liburing's io_uring_prep_*). Every SQE evring submits is filled through these; the
// SQE comes zeroed from uring_get_sqe.
#ifndef EVRING_URING_PREP_H
#define EVRING_URING_PREP_H

#include <linux/io_uring.h>
#include <stdint.h>

namespace evring {

// A poll for `poll_events` (POLLIN|POLLOUT...) on fd; multishot stays armed after completing.
inline void prep_poll_add(io_uring_sqe *sqe, int fd, uint32_t poll_events, bool multishot,
                          uint64_t user_data) {
  sqe->opcode = IORING_OP_POLL_ADD;
  sqe->fd = fd;
  sqe->poll32_events = poll_events;
  if (multishot) sqe->len = IORING_POLL_ADD_MULTI;
  sqe->user_data = user_data;
}

// Removes the poll submitted with user_data `target`.
inline void prep_poll_remove(io_uring_sqe *sqe, uint64_t target, uint64_t user_data) {
  sqe->opcode = IORING_OP_POLL_REMOVE;
  sqe->fd = -1;
  sqe->addr = target;
  sqe->user_data = user_data;
}

// Gives the pending poll submitted with user_data `target` new events and a new user_data, in
// place: POLL_REMOVE with the update flags, the new user_data in `off`.
inline void prep_poll_update(io_uring_sqe *sqe, uint64_t target, uint64_t new_target,
                             uint32_t poll_events, uint64_t user_data) {
  prep_poll_remove(sqe, target, user_data);
  sqe->off = new_target;
  sqe->len = IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA;
  sqe->poll32_events = poll_events;
}

// Completes after `*wait` (read by the kernel when it consumes the SQE), or after `count` other
// completions, whichever comes first.
inline void prep_timeout(io_uring_sqe *sqe, const __kernel_timespec *wait, unsigned count,
                         uint64_t user_data) {
  sqe->opcode = IORING_OP_TIMEOUT;
  sqe->addr = uint64_t(uintptr_t(wait));
  sqe->len = 1;  // one timespec
  sqe->off = count;
  sqe->user_data = user_data;
}

// Cancels every request in flight in the ring (Linux 5.19).
inline void prep_cancel_all(io_uring_sqe *sqe, uint64_t user_data) {
  sqe->opcode = IORING_OP_ASYNC_CANCEL;
  sqe->fd = -1;
  sqe->cancel_flags = IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL;
  sqe->user_data = user_data;
}

// No completion if the request succeeds (IOSQE_CQE_SKIP_SUCCESS, IORING_FEAT_CQE_SKIP).
inline void skip_success(io_uring_sqe *sqe) {
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

}  // namespace evring

#endif
