// Ops (ev/ops.h) done by the kernel: each op is one request in the ring, tagged with its slot's
// index and generation (so a completion never reaches a slot that changed hands), written into
// the submission queue when the op begins (often inside a callback) and submitted with
// everything else in the iteration's one io_uring_enter. Multishot accepts and receives stay
// in the ring; pooled receives let the kernel pick a buffer from the pool's provided-buffer
// ring. A send-all goes on with the rest after a short send. Where the kernel lacks a piece
// (found by trying: it answers EINVAL), the piece falls back: repeated one-shot requests for
// multishot receives, the emulation for multishot accepts (it takes every connection waiting at
// a readiness, where one-shot requests would take one an iteration), an asynchronous cancel and a
// wait for IORING_REGISTER_SYNC_CANCEL, and pooled receives without a provided-buffer ring are
// emulated (which takes a buffer only once data is there: a request holding a buffer could wait for
// ever on an idle connection). An op the kernel refuses for its fd (EINVAL, EOPNOTSUPP before any
// result) is handed to the emulation too. Quirk letters: io_uring.cc.
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ops.h"
#include "uring_prep.h"
#include "uring_state.h"

namespace evring {

namespace {

// The op's record in OpSlot::backend_data.
struct UringOp {
  uint32_t sq_position;  // the submission queue's tail just after the op's latest SQE
  bool in_kernel;        // a request of the op is in the ring (or about to be)
  bool multishot;        // that request is a kernel multishot one
  bool repeat;           // EVRING_MULTISHOT done as one-shot requests submitted again
  bool delivered;        // a result has gone to the core (the kernel took the op)
  bool waiting;          // its next request waits in UringState::ops_waiting
};
static_assert(sizeof(UringOp) <= sizeof(OpSlot::backend_data), "UringOp fits in an OpSlot");

UringOp &uring_op(OpSlot &slot) {
  return *reinterpret_cast<UringOp *>(slot.backend_data);
}

constexpr int kBufferGroup = 0;
// A request's length is 32 bits: longer sends go in pieces (send-all), receives take less.
constexpr size_t kMaxLength = size_t(1) << 30;
constexpr uint8_t kOpcodes[kOpKinds] = {IORING_OP_RECV,    IORING_OP_SEND,     IORING_OP_ACCEPT,
                                        IORING_OP_CONNECT, IORING_OP_SHUTDOWN, IORING_OP_CLOSE};

uint32_t length_of(size_t length) {
  return uint32_t(length < kMaxLength ? length : kMaxLength);
}

BufferPool &pool_of(ev_loop *loop) {
  return loop->ops->pool;
}

// A receive into the op's buffer, or a pooled one into a buffer the kernel picks from the
// provided-buffer ring (the only way multishot receives exist).
void prep_recv_op(UringState &state, io_uring_sqe *sqe, OpSlot &slot, uint64_t data) {
  evring_op &op = *slot.op;
  UringOp &uring = uring_op(slot);
  bool pooled = op.flags & EVRING_POOLED;
  uring.multishot =
      (op.flags & EVRING_MULTISHOT) && pooled && (state.features & kUringMultishotOps);
  uring.repeat = (op.flags & EVRING_MULTISHOT) && !uring.multishot;
  prep_recv(sqe, op.fd, pooled ? nullptr : op.buf, pooled ? 0 : length_of(op.len),
            pooled ? kBufferGroup : -1, uring.multishot, data);
}

// Writes the op's request (the rest of a send-all, the next of a repeated multishot op) into
// the submission queue.
void submit(ev_loop *loop, UringState &state, OpSlot &slot, int index) {
  evring_op &op = *slot.op;
  UringOp &uring = uring_op(slot);
  uint64_t data = user_data(kOpRequest, index, slot.generation);
  io_uring_sqe *sqe = next_sqe(loop, state);
  uring.multishot = uring.repeat = false;
  switch (op.kind) {
    case EVRING_RECV:
      prep_recv_op(state, sqe, slot, data);
      break;
    case EVRING_SEND:
      prep_send(sqe, op.fd, static_cast<char *>(op.buf) + slot.moved,
                length_of(op.len - slot.moved), MSG_NOSIGNAL, data);
      break;
    case EVRING_ACCEPT:
      uring.multishot = (op.flags & EVRING_MULTISHOT) && (state.features & kUringMultishotOps);
      uring.repeat = (op.flags & EVRING_MULTISHOT) && !uring.multishot;
      prep_accept(sqe, op.fd, SOCK_CLOEXEC, uring.multishot, data);
      break;
    case EVRING_CONNECT:
      prep_connect(sqe, op.fd, op.buf, uint32_t(op.len), data);
      break;
    case EVRING_SHUTDOWN:
      prep_shutdown(sqe, op.fd, int(op.len), data);
      break;
    case EVRING_CLOSE:
      prep_close(sqe, op.fd, data);
      break;
  }
  uring.sq_position = state.current.ring.sq_filled;
  uring.in_kernel = true;
}

// Submits again, or, while completions are being handled, at the next flush.
void resubmit(ev_loop *loop, UringState &state, OpSlot &slot, int index) {
  UringOp &uring = uring_op(slot);
  if (state.reaping) {
    uring.waiting = uring.in_kernel = true;
    state.ops_waiting.push(index);
    return;
  }
  submit(loop, state, slot, index);
}

// A multishot accept without the kernel's multishot is the emulation's.
bool accept_emulated(const UringState &state, const evring_op &op) {
  return op.kind == EVRING_ACCEPT && (op.flags & EVRING_MULTISHOT) &&
         !(state.features & kUringMultishotOps);
}

bool uring_op_start(ev_loop *loop, OpSlot &slot, int index) {
  UringState &state = state_of(loop);
  if (!(state.op_kinds & (1u << slot.op->kind)) || index > kMaxRingFd) return false;
  if (accept_emulated(state, *slot.op)) return false;
  if ((slot.op->flags & EVRING_POOLED) && !pool_of(loop).native) return false;
  // The ring takes requests once a thread has enabled it: an op started before the loop first
  // polls must not fill a disabled submission queue. (Another thread that runs the loop later
  // gets its own ring, and the ops follow: ops_suspend.)
  if (!ensure_issuer(loop, state)) return false;
  uring_op(slot) = UringOp{0, false, false, false, false, false};
  resubmit(loop, state, slot, index);
  return true;
}

// Whether the kernel has seen the op's latest SQE: the queue's tail is published at each enter.
bool submitted(const UringState &state, const UringOp &uring) {
  return int32_t(uring.sq_position - *state.current.ring.sq_tail) <= 0;
}

// Handles every completion in the ring, the batch limit aside (a stop waits for one).
void reap_all(ev_loop *loop, UringState &state) {
  UringRing &ring = state.current.ring;
  unsigned ready = uring_cq_ready(&ring);
  bool reaping = state.reaping;
  state.reaping = true;
  for (unsigned i = 0; i < ready; ++i) handle_completion(loop, state, uring_cqe(&ring, i));
  uring_cq_consume(&ring, ready);
  state.reaping = reaping;
}

// Waits until the op's last request has completed, handling what comes meanwhile.
void wait_out_of_kernel(ev_loop *loop, UringState &state, UringOp &uring) {
  int64_t timeout_ns = (state.features & kUringExtArg) ? 100 * 1000000 : -1;
  for (int round = 0; uring.in_kernel; ++round) {
    if (round == 100) fatal_syserr("evring: io_uring does not complete a cancelled op");
    int result = uring_enter(&state.current.ring, 1, IORING_ENTER_GETEVENTS, timeout_ns);
    if (result < 0 && result != -EINTR && result != -ETIME && result != -EBUSY && result != -EAGAIN)
      fatal_syserr("evring: io_uring_enter (cancel)");
    reap_all(loop, state);
  }
}

bool sync_cancel(UringState &state, uint64_t data) {
  if (!(state.features & kUringSyncCancel)) return false;
  io_uring_sync_cancel_reg cancel;
  memset(&cancel, 0, sizeof cancel);
  cancel.addr = data;
  cancel.fd = -1;
  cancel.timeout.tv_sec = cancel.timeout.tv_nsec = -1;
  int result = uring_register(&state.current.ring, IORING_REGISTER_SYNC_CANCEL, &cancel, 1);
  if (result == -EINVAL) state.features &= ~unsigned(kUringSyncCancel);
  return result != -EINVAL;
}

void uring_op_cancel(ev_loop *loop, OpSlot &slot, int index, bool sync) {
  UringState &state = state_of(loop);
  UringOp &uring = uring_op(slot);
  if (!uring.in_kernel) return;
  uint64_t data = user_data(kOpRequest, index, slot.generation);
  if (uring.waiting) {  // nothing written yet: uring_ops_flush skips it
    uring.waiting = uring.in_kernel = false;
    if (!sync) ops_complete(loop, index, OpResult{-ECANCELED, slot.moved, -1, false});
    return;
  }
  if (!submitted(state, uring)) {
    // Never seen by the kernel: the request becomes a no-op, and nothing was done.
    UringRing &ring = state.current.ring;
    prep_nop(&ring.sqes[(uring.sq_position - 1) & ring.sq_mask], user_data(kIgnored, 0, 0));
    uring.in_kernel = false;
    if (!sync) ops_complete(loop, index, OpResult{-ECANCELED, slot.moved, -1, false});
    return;
  }
  // Another thread may stop an op while it holds the loop: the ring then becomes its own
  // (quirk I), and closing the old one ended the op there already.
  if (!ensure_issuer(loop, state) || !uring.in_kernel) return;
  if (sync && sync_cancel(state, data)) {
    wait_out_of_kernel(loop, state, uring);
    return;
  }
  io_uring_sqe *sqe = next_sqe(loop, state);
  prep_cancel(sqe, data, user_data(kIgnored, 0, 0));
  if (state.features & kUringCqeSkip) skip_success(sqe);
  if (sync) wait_out_of_kernel(loop, state, uring);
}

// The pool buffer the kernel picked for the completion, if any.
int32_t buffer_of(const io_uring_cqe &cqe) {
  return cqe.flags & IORING_CQE_F_BUFFER ? int32_t(cqe.flags >> IORING_CQE_BUFFER_SHIFT) : -1;
}

// A completion that the op goes on from in the kernel, rather than one to report: a send-all's
// short send, the next one-shot request of a repeated multishot op, or the same op again
// without the kernel's multishot (which it answered with EINVAL).
bool goes_on(ev_loop *loop, UringState &state, OpSlot &slot, int index, int result) {
  evring_op &op = *slot.op;
  UringOp &uring = uring_op(slot);
  if (slot.state != OpState::kInFlight || uring.in_kernel) return false;
  if (uring.multishot && result == -EINVAL && !uring.delivered) {
    state.features &= ~unsigned(kUringMultishotOps);
    if (accept_emulated(state, op))
      ops_refused(loop, index);
    else
      resubmit(loop, state, slot, index);
    return true;
  }
  bool short_send =
      op.kind == EVRING_SEND && (op.flags & EVRING_SEND_ALL) && result > 0 && slot.moved < op.len;
  if (!short_send) return false;
  resubmit(loop, state, slot, index);
  return true;
}

}  // namespace

void uring_op_completed(ev_loop *loop, UringState &state, const io_uring_cqe &cqe) {
  int index = fd_of(cqe.user_data);
  OpSlot *found = ops_slot(loop, index, generation_of(cqe.user_data));
  if (!found) return;
  OpSlot &slot = *found;
  UringOp &uring = uring_op(slot);
  bool more = cqe.flags & IORING_CQE_F_MORE;
  if (!more) uring.in_kernel = false;
  int32_t buffer = buffer_of(cqe);
  int result = cqe.res;
  if (result <= 0 && buffer >= 0) {
    pool_put_back(loop, buffer);
    buffer = -1;
  }
  // The provided-buffer ring ran dry: the receive waits for a buffer, as the emulation's does.
  if (result == -ENOBUFS && (slot.op->flags & EVRING_POOLED) && slot.state == OpState::kInFlight) {
    ops_park(loop, index);
    return;
  }
  if ((result == -EINVAL || result == -EOPNOTSUPP) && !uring.delivered && !uring.multishot &&
      slot.state == OpState::kInFlight) {
    ops_refused(loop, index);  // the emulation tries, and reports its own outcome
    return;
  }
  if (slot.op->kind == EVRING_SEND && result > 0) slot.moved += size_t(result);
  if (goes_on(loop, state, slot, index, result)) return;
  if (slot.op->kind == EVRING_SEND && (slot.op->flags & EVRING_SEND_ALL) && result > 0)
    result = int(slot.moved);
  // A repeated one-shot request ends after each result; a kernel multishot one may end with a
  // result too, where the kernel had to stop (its completion queue overflowed): the op goes on
  // with a new request either way.
  bool again = (uring.repeat || uring.multishot) && !more && result >= 0 &&
               !(slot.op->kind == EVRING_RECV && result == 0) && slot.state == OpState::kInFlight;
  uring.delivered = true;
  ops_complete(loop, index, OpResult{result, slot.moved, buffer, more || again});
  // After the result: a pooled receive that finds no buffer then ends after it, in order.
  if (again) resubmit(loop, state, slot, index);
}

void uring_ops_flush(ev_loop *loop, UringState &state) {
  for (int i = 0; i < state.ops_waiting.count; ++i) {
    OpSlot &slot = *loop->ops->slots[state.ops_waiting[i]];
    UringOp &uring = uring_op(slot);
    if (!uring.waiting) continue;  // cancelled, or listed twice
    uring.waiting = false;
    resubmit(loop, state, slot, state.ops_waiting[i]);
  }
  state.ops_waiting.count = 0;
}

unsigned uring_op_kinds(const UringRing &ring) {
  UringOpcodes opcodes = uring_opcodes(&ring);
  if (!opcodes.has(IORING_OP_ASYNC_CANCEL) || !opcodes.has(IORING_OP_NOP)) return 0;
  unsigned kinds = 0;
  for (int kind = 1; kind <= kOpKinds; ++kind)
    if (opcodes.has(kOpcodes[kind - 1])) kinds |= 1u << kind;
  return kinds;
}

void uring_ops_harvest(ev_loop *loop, const io_uring_cqe &cqe) {
  if (kind_of(cqe.user_data) != kOpRequest) return;
  OpSlot *slot = ops_slot(loop, fd_of(cqe.user_data), generation_of(cqe.user_data));
  if (!slot) return;
  if (slot->resume || slot->state == OpState::kStopped) {
    // Delivered (or kept for evring_op_stop), but nothing submitted again into the closing
    // ring's successor: an op that goes on begins afresh there with ops_resume.
    UringState &state = state_of(loop);
    bool reaping = state.reaping;
    state.reaping = true;
    uring_op_completed(loop, state, cqe);
    state.reaping = reaping;
    return;
  }
  // The loop is going away: nothing is reported, but an accepted socket must not leak.
  if (slot->kind == EVRING_ACCEPT && cqe.res >= 0) close(cqe.res);
}

void uring_ops_ring_closed(ev_loop *loop) {
  if (!loop->ops) return;
  for (OpSlot *slot : loop->ops->slots)
    if (slot->engine == OpEngine::kNative && !slot->resume) uring_op(*slot).in_kernel = false;
}

void uring_ops_destroy(UringState &state) {
  if (state.provided.ring) munmap(state.provided.ring, state.provided.size);
  state.provided = ProvidedBuffers{};
}

// ---- the pool as a provided-buffer ring ---------------------------------------------------

namespace {

// The ring is an array of io_uring_buf whose first entry's last field is the tail; the entries
// are indexed by hand (quirk R).
void provide(ProvidedBuffers &provided, const BufferPool &pool, int buffer) {
  io_uring_buf &entry =
      reinterpret_cast<io_uring_buf *>(provided.ring)[provided.tail & provided.mask];
  entry.addr = uint64_t(uintptr_t(pool.memory + size_t(buffer) * pool.size));
  entry.len = uint32_t(pool.size);
  entry.bid = uint16_t(buffer);
  ++provided.tail;
}

void publish(ProvidedBuffers &provided) {
  __atomic_store_n(&provided.ring->tail, provided.tail, __ATOMIC_RELEASE);
}

void unmap_provided(ProvidedBuffers &provided) {
  if (provided.ring) munmap(provided.ring, provided.size);
  provided = ProvidedBuffers{};
}

bool uring_pool_attach(ev_loop *loop) {
  UringState &state = state_of(loop);
  unmap_provided(state.provided);  // a previous ring's registration went with it
  BufferPool &pool = pool_of(loop);
  // Only where the kernel does the receives: emulated ones take their buffers themselves.
  if (!(state.features & kUringBufRing) || !(state.op_kinds & (1u << EVRING_RECV)) ||
      pool.size > UINT32_MAX)
    return false;
  ProvidedBuffers &provided = state.provided;
  // Page-aligned, as the kernel wants: mapped, not from the loop's allocator.
  provided.size = pool.count * sizeof(io_uring_buf);
  void *memory =
      mmap(nullptr, provided.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return false;
  provided.ring = static_cast<io_uring_buf_ring *>(memory);
  provided.mask = pool.count - 1;
  io_uring_buf_reg registration;
  memset(&registration, 0, sizeof registration);
  registration.ring_addr = uint64_t(uintptr_t(memory));
  registration.ring_entries = pool.count;
  registration.bgid = kBufferGroup;
  int result = uring_register(&state.current.ring, IORING_REGISTER_PBUF_RING, &registration, 1);
  if (result < 0) {
    if (result == -EINVAL) state.features &= ~unsigned(kUringBufRing);
    unmap_provided(provided);
    return false;
  }
  for (unsigned buffer = 0; buffer < pool.count; ++buffer)
    if (!pool.is_out[int(buffer)]) provide(provided, pool, int(buffer));
  publish(provided);
  return true;
}

void uring_pool_detach(ev_loop *loop) {
  UringState &state = state_of(loop);
  if (!state.provided.ring) return;
  io_uring_buf_reg registration;
  memset(&registration, 0, sizeof registration);
  registration.bgid = kBufferGroup;
  uring_register(&state.current.ring, IORING_UNREGISTER_PBUF_RING, &registration, 1);
  unmap_provided(state.provided);
}

void uring_pool_release(ev_loop *loop, int buffer) {
  ProvidedBuffers &provided = state_of(loop).provided;
  provide(provided, pool_of(loop), buffer);
  publish(provided);
}

}  // namespace

const NativeOps uring_native_ops = {
    .start = uring_op_start,
    .cancel = uring_op_cancel,
    .pool_attach = uring_pool_attach,
    .pool_detach = uring_pool_detach,
    .pool_release = uring_pool_release,
};

}  // namespace evring
