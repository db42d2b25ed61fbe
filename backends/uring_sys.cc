#include "uring_sys.h"

#include "memory.h"
#include "uring_prep.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace evring {

namespace {

template <typename T>
T *at(void *map, unsigned offset) {
  return reinterpret_cast<T *>(static_cast<char *>(map) + offset);
}

void *map_ring(int fd, size_t size, off_t offset) {
  // MAP_POPULATE: the rings are touched on every iteration, so fault them in now.
  return mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
}

void unmap_all(UringRing *ring) {
  if (ring->sqes && ring->sqes != MAP_FAILED) munmap(ring->sqes, ring->sqes_size);
  if (ring->cq_map && ring->cq_map != MAP_FAILED && ring->cq_map != ring->rings_map)
    munmap(ring->cq_map, ring->cq_size);
  if (ring->rings_map && ring->rings_map != MAP_FAILED) munmap(ring->rings_map, ring->rings_size);
  ring->sqes = nullptr;
  ring->cq_map = ring->rings_map = nullptr;
}

constexpr uint64_t kCancelAllTag = ~uint64_t(0);

// One ASYNC_CANCEL for every request (IORING_ASYNC_CANCEL_ANY, Linux 5.19; older kernels refuse
// it and keep the EINTR problem). It reports how many requests it cancelled, and each of those
// completes with -ECANCELED once this task runs its task work, which io_uring_enter does a batch
// at a time: enter until they are all in. SQEs not yet handed to the kernel are dropped.
// The completions in the ring go to the visitor (those visible in its memory can be read from
// any thread, even where this one may not enter the ring).
void take_completions(UringRing *ring, const CompletionVisitor &visitor) {
  unsigned ready = uring_cq_ready(ring);
  for (unsigned i = 0; i < ready && visitor.visit; ++i)
    visitor.visit(visitor.context, uring_cqe(ring, i));
  uring_cq_consume(ring, ready);
}

void cancel_in_flight(UringRing *ring, const CompletionVisitor &visitor) {
  take_completions(ring, visitor);
  ring->sq_filled = __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE);
  prep_cancel_all(uring_get_sqe(ring), kCancelAllTag);
  long cancelled = -1, completed = 0;
  // Bounded: a request that would not complete must not hang the close.
  for (int round = 0; round < 10000 && (cancelled < 0 || completed < cancelled); ++round) {
    // EEXIST: another thread owns the ring (SINGLE_ISSUER); EBADFD: it was never enabled and
    // holds no request. Either way there is nothing this thread can do.
    int result = uring_enter(ring, 0, IORING_ENTER_GETEVENTS, -1);
    if (result < 0 && result != -EINTR && result != -EAGAIN && result != -EBUSY) return;
    unsigned ready = uring_cq_ready(ring);
    for (unsigned i = 0; i < ready; ++i) {
      const io_uring_cqe &cqe = uring_cqe(ring, i);
      if (cqe.user_data == kCancelAllTag) {
        if (cqe.res < 0) return;
        cancelled = cqe.res;
        continue;
      }
      completed += cqe.res == -ECANCELED;
      if (visitor.visit) visitor.visit(visitor.context, cqe);
    }
    uring_cq_consume(ring, ready);
  }
}

}  // namespace

namespace {

// Maps the rings the kernel describes in `params` (for a ring made with `setup_flags`) and
// fills in the pointers to them. The SQ index array, if any, maps slot i to SQE i. False with
// errno set (and nothing mapped) on failure.
bool map_rings(UringRing *ring, const io_uring_params &params, unsigned setup_flags) {
  const io_sqring_offsets &sq = params.sq_off;
  const io_cqring_offsets &cq = params.cq_off;
  bool sq_array = !(setup_flags & kSetupNoSqArray);
  ring->cq_size = cq.cqes + params.cq_entries * sizeof(io_uring_cqe);
  ring->rings_size = sq_array ? sq.array + params.sq_entries * sizeof(unsigned) : ring->cq_size;
  bool single_mmap = params.features & IORING_FEAT_SINGLE_MMAP;
  if (single_mmap && ring->cq_size > ring->rings_size) ring->rings_size = ring->cq_size;
  ring->rings_map = map_ring(ring->fd, ring->rings_size, IORING_OFF_SQ_RING);
  ring->cq_map =
      single_mmap ? ring->rings_map : map_ring(ring->fd, ring->cq_size, IORING_OFF_CQ_RING);
  ring->sqes_size = params.sq_entries * sizeof(io_uring_sqe);
  ring->sqes = static_cast<io_uring_sqe *>(map_ring(ring->fd, ring->sqes_size, IORING_OFF_SQES));
  if (ring->rings_map == MAP_FAILED || ring->cq_map == MAP_FAILED || ring->sqes == MAP_FAILED) {
    int saved_errno = errno;
    unmap_all(ring);
    errno = saved_errno;
    return false;
  }

  ring->sq_head = at<unsigned>(ring->rings_map, sq.head);
  ring->sq_tail = at<unsigned>(ring->rings_map, sq.tail);
  ring->sq_flags = at<unsigned>(ring->rings_map, sq.flags);
  ring->sq_mask = *at<unsigned>(ring->rings_map, sq.ring_mask);
  ring->sq_entries = *at<unsigned>(ring->rings_map, sq.ring_entries);
  ring->sq_filled = *ring->sq_tail;
  if (sq_array) {
    unsigned *slots = at<unsigned>(ring->rings_map, sq.array);
    for (unsigned i = 0; i < ring->sq_entries; ++i) slots[i] = i;
  }

  ring->cq_head = at<unsigned>(ring->cq_map, cq.head);
  ring->cq_tail = at<unsigned>(ring->cq_map, cq.tail);
  ring->cq_overflow = at<unsigned>(ring->cq_map, cq.overflow);
  ring->cq_mask = *at<unsigned>(ring->cq_map, cq.ring_mask);
  ring->cq_entries = *at<unsigned>(ring->cq_map, cq.ring_entries);
  ring->cqes = at<io_uring_cqe>(ring->cq_map, cq.cqes);
  return true;
}

}  // namespace

bool uring_open(UringRing *ring, unsigned entries, unsigned flags) {
  memset(ring, 0, sizeof *ring);
  io_uring_params params;
  memset(&params, 0, sizeof params);
  params.flags = flags;
  // The kernel always makes the ring fd O_CLOEXEC.
  ring->fd = int(syscall(__NR_io_uring_setup, entries, &params));
  if (ring->fd < 0) return false;
  ring->features = params.features;
  ring->setup_flags = flags;
  ring->creator = getpid();
  if (map_rings(ring, params, flags)) return true;
  int saved_errno = errno;
  uring_close(ring);
  errno = saved_errno;
  return false;
}

int uring_resize(UringRing *ring, unsigned sq_entries, unsigned cq_entries) {
  if (uring_sq_pending(ring) || ring->sq_filled != *ring->sq_tail) return -EBUSY;
  io_uring_params params;
  memset(&params, 0, sizeof params);
  params.sq_entries = sq_entries;
  params.cq_entries = cq_entries;
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
  int result = uring_register(ring, kRegisterResizeRings, &params, 1);
  if (result < 0) return result;
  // The kernel copied the queues' contents and positions into the new rings; the old mappings
  // now show memory it no longer uses.
  UringRing old = *ring;
  params.features = ring->features;
  if (!map_rings(ring, params, ring->setup_flags))
    fatal_syserr("evring: cannot map the resized io_uring");
  unmap_all(&old);
  return 0;
}

void uring_close(UringRing *ring, CompletionVisitor visitor) {
  if (ring->sq_head && ring->creator == getpid()) cancel_in_flight(ring, visitor);
  unmap_all(ring);
  if (ring->fd >= 0) close(ring->fd);
  ring->fd = -1;
}

int uring_register(const UringRing *ring, unsigned opcode, void *arg, unsigned count) {
  long result = syscall(__NR_io_uring_register, ring->fd, opcode, arg, count);
  return result < 0 ? -errno : int(result);
}

UringOpcodes uring_opcodes(const UringRing *ring) {
  constexpr unsigned kMaxOps = 256;
  union {
    io_uring_probe probe;
    char bytes[sizeof(io_uring_probe) + kMaxOps * sizeof(io_uring_probe_op)];
  } buffer;
  memset(&buffer, 0, sizeof buffer);
  UringOpcodes opcodes = {};
  if (uring_register(ring, IORING_REGISTER_PROBE, &buffer.probe, kMaxOps) < 0) return opcodes;
  for (unsigned op = 0; op < buffer.probe.ops_len; ++op)
    if (buffer.probe.ops[op].flags & IO_URING_OP_SUPPORTED)
      opcodes.bits[op / 64] |= 1ull << (op % 64);
  return opcodes;
}

int uring_enter(UringRing *ring, unsigned min_complete, unsigned flags, int64_t timeout_ns) {
  // Release: the kernel must see the SQEs' contents once it sees the new tail.
  __atomic_store_n(ring->sq_tail, ring->sq_filled, __ATOMIC_RELEASE);
  unsigned to_submit = uring_sq_pending(ring);
  io_uring_getevents_arg arg;
  __kernel_timespec timeout;
  const void *extra = nullptr;
  size_t extra_size = _NSIG / 8;  // without EXT_ARG: the size of a (null) signal mask
  if (timeout_ns >= 0) {
    timeout.tv_sec = timeout_ns / 1000000000;
    timeout.tv_nsec = timeout_ns % 1000000000;
    memset(&arg, 0, sizeof arg);
    arg.sigmask_sz = _NSIG / 8;
    arg.ts = uint64_t(uintptr_t(&timeout));
    extra = &arg;
    extra_size = sizeof arg;
    flags |= IORING_ENTER_EXT_ARG;
  }
  long result =
      syscall(__NR_io_uring_enter, ring->fd, to_submit, min_complete, flags, extra, extra_size);
  return result < 0 ? -errno : int(result);
}

}  // namespace evring
