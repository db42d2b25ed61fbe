// The raw io_uring kernel interface: its three system calls and the rings shared with the
// kernel, with the memory ordering the kernel expects on their heads and tails. No policy lives
// here (what to submit, when to wait): that is backends/io_uring.cc. evring does not use
// liburing, so that the library keeps depending on libc alone.
#ifndef EVRING_URING_SYS_H
#define EVRING_URING_SYS_H

#include <linux/io_uring.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef IORING_SETUP_DEFER_TASKRUN
#error "the io_uring backend needs <linux/io_uring.h> from Linux 6.1 or newer to build"
#endif

namespace evring {

// Kernel interface constants newer than the 6.1 headers evring builds with. Each use is
// detected at run time: an older kernel refuses it with EINVAL.
constexpr unsigned kRegisterResizeRings = 33;   // IORING_REGISTER_RESIZE_RINGS, Linux 6.13
constexpr unsigned kSetupNoSqArray = 1u << 16;  // IORING_SETUP_NO_SQARRAY, Linux 6.6

struct UringRing {
  int fd;
  unsigned features;     // IORING_FEAT_* as the kernel reported them
  unsigned setup_flags;  // IORING_SETUP_* it was created with
  // Submission queue. Slot i is SQE i (the SQ index array, where the ring has one, says so
  // once and for all), so filling an SQE and advancing the tail is all a submission takes.
  unsigned *sq_head;
  unsigned *sq_tail;
  unsigned *sq_flags;
  unsigned sq_mask;
  unsigned sq_entries;
  unsigned sq_filled;  // our tail: SQEs filled in, published to the kernel by uring_enter
  io_uring_sqe *sqes;
  // Completion queue.
  unsigned *cq_head;
  unsigned *cq_tail;
  unsigned *cq_overflow;
  unsigned cq_mask;
  unsigned cq_entries;
  io_uring_cqe *cqes;
  // The mappings, for uring_close.
  void *rings_map;
  size_t rings_size;
  void *cq_map;  // rings_map itself with IORING_FEAT_SINGLE_MMAP
  size_t cq_size;
  size_t sqes_size;
  pid_t creator;  // a forked child must leave the parent's requests alone
};

// Creates a ring of at least `entries` SQEs with IORING_SETUP_* `flags` and maps it. Returns
// false with errno set (ENOSYS, EPERM, EINVAL for unknown flags, ENOMEM...).
bool uring_open(UringRing *ring, unsigned entries, unsigned flags);
// Hands one completion to the ring's owner as the ring closes.
struct CompletionVisitor {
  void (*visit)(void *context, const io_uring_cqe &cqe);
  void *context;
};

// Unmaps and closes the ring. In the process that created it, every request still in flight is
// cancelled and completed first: left to the kernel, the cancellation runs after the close and
// interrupts this thread's system calls with EINTR, more than once. Every completion the ring
// holds then, or gets from the cancellation, goes to `visitor` (if any). In a forked child it
// touches nothing the parent shares: the parent's ring lives on.
void uring_close(UringRing *ring, CompletionVisitor visitor = {});

// Gives the ring new queues of `sq_entries` and `cq_entries` (IORING_REGISTER_RESIZE_RINGS,
// Linux 6.13, DEFER_TASKRUN rings only), keeping what they hold. Returns 0, or -errno with
// nothing changed: -EBUSY while SQEs wait to be submitted, -EINVAL where the kernel cannot.
int uring_resize(UringRing *ring, unsigned sq_entries, unsigned cq_entries);

int uring_register(const UringRing *ring, unsigned opcode, void *arg, unsigned count);
// The opcodes the kernel implements (IORING_REGISTER_PROBE). A kernel too old to answer the
// question counts as implementing none.
struct UringOpcodes {
  uint64_t bits[4];
  bool has(uint8_t op) const { return (bits[op / 64] >> (op % 64)) & 1; }
};
UringOpcodes uring_opcodes(const UringRing *ring);

// SQEs filled in that the kernel has not consumed yet.
inline unsigned uring_sq_pending(const UringRing *ring) {
  return ring->sq_filled - __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE);
}

// A zeroed SQE to fill in (stale fields from the slot's previous use would change the meaning
// of the request), or nullptr when the submission queue is full. Inline: one per re-arm.
inline io_uring_sqe *uring_get_sqe(UringRing *ring) {
  if (uring_sq_pending(ring) >= ring->sq_entries) return nullptr;
  io_uring_sqe *sqe = &ring->sqes[ring->sq_filled++ & ring->sq_mask];
  __builtin_memset(sqe, 0, sizeof *sqe);
  return sqe;
}

// IORING_SQ_* flags the kernel raises: CQ_OVERFLOW, TASKRUN (completions wait for us to enter).
inline unsigned uring_sq_flags(const UringRing *ring) {
  return __atomic_load_n(ring->sq_flags, __ATOMIC_RELAXED);
}

// Publishes the filled SQEs and calls io_uring_enter to submit them all, waiting for
// `min_complete` completions. With `timeout_ns` >= 0 (IORING_FEAT_EXT_ARG only) the wait ends
// after that long. Returns the number of SQEs consumed or -errno.
int uring_enter(UringRing *ring, unsigned min_complete, unsigned flags, int64_t timeout_ns);

// Completions are read in place: uring_cqe(ring, 0 .. uring_cq_ready()-1), then handed back.
inline unsigned uring_cq_ready(const UringRing *ring) {
  return __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE) - *ring->cq_head;
}
inline const io_uring_cqe &uring_cqe(const UringRing *ring, unsigned index) {
  return ring->cqes[(*ring->cq_head + index) & ring->cq_mask];
}
inline void uring_cq_consume(UringRing *ring, unsigned count) {
  __atomic_store_n(ring->cq_head, *ring->cq_head + count, __ATOMIC_RELEASE);
}
// Completions the kernel had to drop since the ring was created (only without
// IORING_FEAT_NODROP, or when even the kernel's overflow list could not grow).
inline unsigned uring_cq_dropped(const UringRing *ring) {
  return __atomic_load_n(ring->cq_overflow, __ATOMIC_RELAXED);
}

}  // namespace evring

#endif
