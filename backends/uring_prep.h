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

// Cancels the request submitted with user_data `target`.
inline void prep_cancel(io_uring_sqe *sqe, uint64_t target, uint64_t user_data) {
  sqe->opcode = IORING_OP_ASYNC_CANCEL;
  sqe->fd = -1;
  sqe->addr = target;
  sqe->user_data = user_data;
}

// Does nothing: takes the place of a request that must not reach the kernel after all.
inline void prep_nop(io_uring_sqe *sqe, uint64_t user_data) {
  __builtin_memset(sqe, 0, sizeof *sqe);
  sqe->opcode = IORING_OP_NOP;
  sqe->user_data = user_data;
}

// recv(2) into `buf`; with `buffer_group` >= 0 into a buffer the kernel picks from that
// provided-buffer ring instead (len 0: the buffer's size), `multishot` then repeating.
inline void prep_recv(io_uring_sqe *sqe, int fd, void *buf, uint32_t len, int buffer_group,
                      bool multishot, uint64_t user_data) {
  sqe->opcode = IORING_OP_RECV;
  sqe->fd = fd;
  sqe->addr = uint64_t(uintptr_t(buf));
  sqe->len = len;
  if (buffer_group >= 0) {
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = uint16_t(buffer_group);
  }
  if (multishot) sqe->ioprio |= IORING_RECV_MULTISHOT;
  sqe->user_data = user_data;
}

// send(2) with `msg_flags`.
inline void prep_send(io_uring_sqe *sqe, int fd, const void *buf, uint32_t len, int msg_flags,
                      uint64_t user_data) {
  sqe->opcode = IORING_OP_SEND;
  sqe->fd = fd;
  sqe->addr = uint64_t(uintptr_t(buf));
  sqe->len = len;
  sqe->msg_flags = uint32_t(msg_flags);
  sqe->user_data = user_data;
}

// accept4(2) without the peer's address, `flags` SOCK_CLOEXEC...; multishot repeats.
inline void prep_accept(io_uring_sqe *sqe, int fd, int flags, bool multishot, uint64_t user_data) {
  sqe->opcode = IORING_OP_ACCEPT;
  sqe->fd = fd;
  sqe->accept_flags = uint32_t(flags);
  if (multishot) sqe->ioprio |= IORING_ACCEPT_MULTISHOT;
  sqe->user_data = user_data;
}

// connect(2): the address is copied when the kernel takes the SQE.
inline void prep_connect(io_uring_sqe *sqe, int fd, const void *address, uint32_t length,
                         uint64_t user_data) {
  sqe->opcode = IORING_OP_CONNECT;
  sqe->fd = fd;
  sqe->addr = uint64_t(uintptr_t(address));
  sqe->off = length;  // the address length rides in `off`
  sqe->user_data = user_data;
}

inline void prep_shutdown(io_uring_sqe *sqe, int fd, int how, uint64_t user_data) {
  sqe->opcode = IORING_OP_SHUTDOWN;
  sqe->fd = fd;
  sqe->len = uint32_t(how);
  sqe->user_data = user_data;
}

inline void prep_close(io_uring_sqe *sqe, int fd, uint64_t user_data) {
  sqe->opcode = IORING_OP_CLOSE;
  sqe->fd = fd;
  sqe->user_data = user_data;
}

// No completion if the request succeeds (IOSQE_CQE_SKIP_SUCCESS, IORING_FEAT_CQE_SKIP).
inline void skip_success(io_uring_sqe *sqe) {
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

}  // namespace evring

#endif
