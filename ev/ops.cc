// Completion I/O: the loop's record of started ops (slots), their order on each fd (lanes),
// the delivery of their results to callbacks, and stop and cancel. Who does an op is decided
// when it reaches the head of its lane: the backend (NativeOps) if it can, else the emulation
// (ev/ops_emulated.cc). See docs/ops.md.
#include "ops.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "lifecycle.h"

namespace evring {

namespace {

const NativeOps *native_of(ev_loop *loop) {
  return loop->backend ? loop->backend->native_ops : nullptr;
}

int slot_alloc(ev_loop *loop, evring_op *op) {
  OpTable &table = ops_table(loop);
  int index;
  if (table.free_slots.count) {
    index = table.free_slots[--table.free_slots.count];
  } else {
    auto *slot = static_cast<OpSlot *>(mem_alloc_line_pairs(sizeof(OpSlot)));
    index = table.slots.count;
    table.slots.push(slot);
  }
  OpSlot &slot = *table.slots[index];
  slot.op = op;
  slot.kind = uint8_t(op->kind);
  slot.engine = OpEngine::kNone;
  slot.timed_out = slot.resume = slot.parked = slot.held = false;
  slot.start_error = 0;
  slot.next_in_lane = 0;
  slot.results.count = 0;
  slot.moved = 0;
  return index;
}

void slot_free(ev_loop *loop, int index) {
  OpSlot &slot = *loop->ops->slots[index];
  ++slot.generation;
  slot.state = OpState::kFree;
  slot.op = nullptr;
  loop->ops->free_slots.push(index);
}

// An accepted fd is a new file, whatever its number named before.
void accepted(ev_loop *loop, int fd) {
  const OpTable &table = *loop->ops;
  if (fd < table.fds.count && table.fds[fd]) emulated_new_file(loop, *table.fds[fd]);
}

// What a dropped result holds goes back: an accepted fd is closed, a pool buffer returned.
void drop_result(ev_loop *loop, int kind, const OpResult &result) {
  if (kind == EVRING_ACCEPT && result.result >= 0) close(int(result.result));
  if (result.buffer >= 0) pool_put_back(loop, result.buffer);
}

// ---- lanes: the ops of one kind on one fd, in start order ------------------------------------

FdOps &fd_ops(ev_loop *loop, int fd) {
  OpTable &table = *loop->ops;
  if (fd >= table.fds.count) {
    table.fds.reserve_zeroed(fd + 1);
    table.fds.count = fd + 1;
  }
  if (!table.fds[fd]) {
    auto *ops = static_cast<FdOps *>(mem_alloc_line_pairs(sizeof(FdOps)));
    emulated_init_fd(loop, *ops, fd);
    table.fds[fd] = ops;
  }
  return *table.fds[fd];
}

void lane_push(ev_loop *loop, int fd, int kind, int index) {
  FdOps &lanes = fd_ops(loop, fd);
  if (lanes.tail[kind - 1])
    loop->ops->slots[lanes.tail[kind - 1] - 1]->next_in_lane = index + 1;
  else
    lanes.head[kind - 1] = index + 1;
  lanes.tail[kind - 1] = index + 1;
}

// Takes the op out of its lane; returns the index of the op now at the head if it was the head.
int lane_remove(ev_loop *loop, const evring_op &op, int index) {
  if (loop->ops->slots[index]->start_error) return -1;  // never in one
  FdOps &lanes = *loop->ops->fds[op.fd];
  int32_t *link = &lanes.head[op.kind - 1];
  int32_t previous = 0;
  bool was_head = *link == index + 1;
  while (*link && *link != index + 1) {
    previous = *link;
    link = &loop->ops->slots[*link - 1]->next_in_lane;
  }
  if (!*link) return -1;
  *link = loop->ops->slots[index]->next_in_lane;
  if (lanes.tail[op.kind - 1] == index + 1) lanes.tail[op.kind - 1] = previous;
  return was_head ? lanes.head[op.kind - 1] - 1 : -1;
}

bool lane_head(ev_loop *loop, const evring_op &op, int index) {
  return loop->ops->fds[op.fd]->head[op.kind - 1] == index + 1;
}

// A close cancels the fd's other ops first (from each lane's last op, so that none of them
// begins), so that no request of theirs keeps the file open in the kernel after the close (the
// peer would see no EOF) or keeps the loop running. Their cancel requests go into the ring
// ahead of the close.
void cancel_for_close(ev_loop *loop, int fd) {
  const FdOps &lanes = *loop->ops->fds[fd];
  for (int kind = 1; kind <= kOpKinds; ++kind) {
    if (kind == EVRING_CLOSE) continue;
    while (int last = lanes.tail[kind - 1]) {
      OpSlot &other = *loop->ops->slots[last - 1];
      if (other.state != OpState::kQueued && other.state != OpState::kInFlight) break;
      evring_op_cancel(loop, other.op);
    }
  }
}

// The op reaches the head of its lane: the kernel does it if the backend can, else the loop.
void begin(ev_loop *loop, int index) {
  OpSlot &slot = *loop->ops->slots[index];
  if (slot.held) return;  // release_held begins it
  slot.state = OpState::kInFlight;
  if (loop->ops->suspended) {
    slot.resume = true;
    return;
  }
  if (slot.kind == EVRING_CLOSE) cancel_for_close(loop, slot.op->fd);
  const NativeOps *native = native_of(loop);
  if (native && native->start(loop, slot, index)) {
    slot.engine = OpEngine::kNative;
    return;
  }
  slot.engine = OpEngine::kEmulated;
  emulated_start(loop, slot, index);
}

// The op ended (or was stopped): the next one of its lane begins.
void lane_advance(ev_loop *loop, const evring_op &op, int index) {
  int next = lane_remove(loop, op, index);
  if (next >= 0 && loop->ops->slots[next]->state == OpState::kQueued) begin(loop, next);
}

// ---- results ----------------------------------------------------------------------------------

void load(ev_loop *loop, evring_op *op, const OpResult &result) {
  BufferPool &pool = loop->ops->pool;
  op->result = result.result;
  op->moved = result.moved;
  op->more = result.more;
  op->buffer = nullptr;
  if (result.buffer >= 0) {
    op->buffer = pool.memory + size_t(result.buffer) * pool.size;
    ++pool.out;
  }
}

// Loads the result into the op and queues its callback. A final result ends the op: it is
// inactive (and may be started again) by the time its callback runs, as libev's one-shot
// watchers are.
void deliver(ev_loop *loop, int index, const OpResult &result) {
  OpSlot &slot = *loop->ops->slots[index];
  evring_op *op = slot.op;
  load(loop, op, result);
  if (!result.more) {
    watcher_stop(loop, reinterpret_cast<ev_watcher *>(op));
    op->slot = 0;
    slot_free(loop, index);
  }
  queue_event(loop, reinterpret_cast<ev_watcher *>(op), EVRING_COMPLETION | kOpDelivery);
}

OpResult pop_result(OpSlot &slot) {
  OpResult first = slot.results[0];
  --slot.results.count;
  memmove(slot.results.items, slot.results.items + 1,
          sizeof(OpResult) * size_t(slot.results.count));
  return first;
}

// Whether a final result of the op waits for its callback (the op is inactive).
bool delivery_pending(ev_loop *loop, evring_op *op) {
  auto *watcher = reinterpret_cast<ev_watcher *>(op);
  return watcher->pending &&
         (loop->pending[priority_index(watcher)][watcher->pending - 1].events & kOpDelivery);
}

// The callback of the op's previous final result has run: the op started meanwhile begins, or
// fails, unless it was cancelled or stopped meanwhile.
void release_held(ev_loop *loop, int index) {
  OpSlot &slot = *loop->ops->slots[index];
  if (!slot.held) return;
  slot.held = false;
  if (slot.state != OpState::kQueued) return;
  if (slot.start_error)
    deliver(loop, index, OpResult{-slot.start_error, 0, -1, false});
  else if (lane_head(loop, *slot.op, index))
    begin(loop, index);
}

// The op failed before it began: its callback gets `error`, and it never becomes active.
void fail_at_start(ev_loop *loop, evring_op *op, int error) {
  op->result = -error;
  op->moved = 0;
  op->more = 0;
  op->buffer = nullptr;
  queue_event(loop, reinterpret_cast<ev_watcher *>(op), EVRING_COMPLETION);
}

int invalid_reason(ev_loop *loop, const evring_op &op) {
  if (op.kind < 1 || op.kind > kOpKinds) return EINVAL;
  if (op.fd < 0) return EBADF;
  bool recv = op.kind == EVRING_RECV;
  if ((op.flags & EVRING_MULTISHOT) && ((!recv && op.kind != EVRING_ACCEPT) || op.timeout > 0.))
    return EINVAL;
  if ((op.flags & EVRING_SEND_ALL) && op.kind != EVRING_SEND) return EINVAL;
  if (op.flags & EVRING_POOLED) {
    if (!recv) return EINVAL;
    if (!loop->ops || !loop->ops->pool.count) return ENOBUFS;
  } else if (recv && !op.buf && op.len) {
    return EFAULT;
  }
  if (op.flags & ~(EVRING_MULTISHOT | EVRING_SEND_ALL | EVRING_POOLED)) return EINVAL;
  if (!(op.timeout >= 0.)) return EINVAL;  // also NaN
  return 0;
}

// The timeout is an unreferenced timer (the op itself keeps the loop alive); an expired timer
// has already given its reference back.
void on_timeout(ev_loop *loop, ev_timer *timer, int) {
  ev_ref(loop);
  auto *slot =
      reinterpret_cast<OpSlot *>(reinterpret_cast<char *>(timer) - offsetof(OpSlot, timer));
  slot->timed_out = true;
  evring_op_cancel(loop, slot->op);
}

void stop_timer(ev_loop *loop, OpSlot &slot) {
  if (!ev_is_active(&slot.timer)) return;
  ev_ref(loop);
  ev_timer_stop(loop, &slot.timer);
}

// A started op's leftover raced results, if the program did not collect them all.
void drop_leftovers(ev_loop *loop, evring_op *op) {
  if (!op->slot || !loop->ops || op->slot > unsigned(loop->ops->slots.count)) return;
  int index = int(op->slot) - 1;
  OpSlot &slot = *loop->ops->slots[index];
  if (slot.op != op || slot.state != OpState::kStopped || slot.generation != op->generation) return;
  for (const OpResult &result : slot.results) drop_result(loop, slot.kind, result);
  slot_free(loop, index);
  op->slot = 0;
}

// The op is stopped: what it still had in flight is ended, its lane moves on.
void end_for_stop(ev_loop *loop, OpSlot &slot, int index) {
  evring_op *op = slot.op;
  stop_timer(loop, slot);
  OpState was = slot.state;
  slot.state = OpState::kStopped;  // ops_complete keeps whatever comes from now on
  if (was == OpState::kQueued) {
    lane_remove(loop, *op, index);
    return;
  }
  if (was == OpState::kDelivering) return;  // its lane moved on with its final result
  if (slot.parked)
    slot.parked = false;  // nothing in the kernel
  else if (slot.engine == OpEngine::kNative)
    native_of(loop)->cancel(loop, slot, index, true);
  lane_advance(loop, *op, index);
}

}  // namespace

// ---- for backends ----------------------------------------------------------------------------

OpTable &ops_table(ev_loop *loop) {
  if (!loop->ops) {
    loop->ops = static_cast<OpTable *>(mem_realloc(nullptr, sizeof(OpTable)));
    memset(static_cast<void *>(loop->ops), 0, sizeof(OpTable));
  }
  return *loop->ops;
}

OpSlot *ops_slot(ev_loop *loop, int index, uint32_t generation) {
  if (!loop->ops || index < 0 || index >= loop->ops->slots.count) return nullptr;
  OpSlot *slot = loop->ops->slots[index];
  return slot->generation == generation && slot->state != OpState::kFree ? slot : nullptr;
}

void ops_complete(ev_loop *loop, int index, const OpResult &delivered) {
  OpSlot &slot = *loop->ops->slots[index];
  OpResult result = delivered;
  if (slot.kind == EVRING_ACCEPT && result.result >= 0) accepted(loop, int(result.result));
  if (result.buffer >= 0) loop->ops->pool.is_out[result.buffer] = 1;
  // Ended in the kernel by ops_suspend, to go on on the next backend.
  if (slot.resume && !result.more && result.result == -ECANCELED) return;
  if (slot.state == OpState::kStopped) {
    // What the kernel produced before the stop took effect; the stop's own cancellation, which
    // ends the op in the kernel, is no result.
    if (result.more || result.result != -ECANCELED) slot.results.push(result);
    return;
  }
  if (!result.more) {
    if (result.result == -ECANCELED && slot.timed_out) result.result = -ETIMEDOUT;
    stop_timer(loop, slot);
    slot.state = OpState::kDelivering;
    lane_advance(loop, *slot.op, index);
  }
  if (!slot.results.count && !slot.op->pending)
    deliver(loop, index, result);
  else
    slot.results.push(result);
}

void ops_suspend(ev_loop *loop) {
  if (!loop->ops) return;
  loop->ops->suspended = true;
  for (OpSlot *slot : loop->ops->slots)
    if (slot->engine == OpEngine::kNative &&
        (slot->state == OpState::kInFlight || slot->state == OpState::kCancelling))
      slot->resume = true;
}

void ops_resume(ev_loop *loop) {
  if (!loop->ops) return;
  loop->ops->suspended = false;
  pool_reattach(loop);
  for (int index = 0; index < loop->ops->slots.count; ++index) {
    OpSlot &slot = *loop->ops->slots[index];
    if (!slot.resume) continue;
    slot.resume = false;
    if (slot.state == OpState::kInFlight)
      begin(loop, index);
    else if (slot.state == OpState::kCancelling)
      ops_complete(loop, index, OpResult{-ECANCELED, slot.moved, -1, false});
  }
}

// Ends every op without a callback: a forked child's copies (made inactive, so that the child
// may start them again), or a destroyed loop's (whose op structs, as libev's watchers, are
// not touched: the program may have freed them).
void ops_abandon(ev_loop *loop, bool free_memory) {
  OpTable &table = *loop->ops;
  for (int index = 0; index < table.slots.count; ++index) {
    OpSlot &slot = *table.slots[index];
    if (slot.state != OpState::kFree) {
      for (const OpResult &result : slot.results) drop_result(loop, slot.kind, result);
      if (slot.state != OpState::kStopped && !free_memory) {
        clear_pending(loop, slot.op);
        stop_timer(loop, slot);
        watcher_stop(loop, reinterpret_cast<ev_watcher *>(slot.op));
        slot.op->slot = 0;
      }
      slot_free(loop, index);
    }
    if (free_memory) {
      slot.results.release();
      mem_free_line_pairs(&slot);
    }
  }
  for (FdOps *&lanes : table.fds) {
    if (!lanes) continue;
    memset(lanes->head, 0, sizeof lanes->head);
    memset(lanes->tail, 0, sizeof lanes->tail);
    if (!free_memory) continue;
    mem_free_line_pairs(lanes);
    lanes = nullptr;
  }
}

void ops_after_fork(ev_loop *loop) {
  if (loop->ops) ops_abandon(loop, false);
}

void ops_release(ev_loop *loop) {
  if (!loop->ops) return;
  ops_abandon(loop, true);
  pool_release_all(loop);
  loop->ops->slots.release();
  loop->ops->free_slots.release();
  loop->ops->fds.release();
  mem_free(loop->ops);
  loop->ops = nullptr;
}

void ops_park(ev_loop *loop, int index) {
  loop->ops->slots[index]->parked = true;
  loop->ops->pool.starved.push(index);
}

// Oldest first (each may park again). Not re-entered: a receive that begins may return a
// buffer itself.
void ops_unpark(ev_loop *loop) {
  BufferPool &pool = loop->ops->pool;
  if (pool.unparking) return;
  pool.unparking = true;
  Vec<int> starved = pool.starved;
  pool.starved = Vec<int>{};
  for (int index : starved) {
    OpSlot &slot = *loop->ops->slots[index];
    if (!slot.parked) continue;  // stopped or cancelled meanwhile, or listed twice
    slot.parked = false;
    if (slot.engine == OpEngine::kNative)
      native_of(loop)->start(loop, slot, index);
    else
      emulated_start(loop, slot, index);
  }
  starved.release();
  pool.unparking = false;
}

void ops_refused(ev_loop *loop, int index) {
  OpSlot &slot = *loop->ops->slots[index];
  slot.engine = OpEngine::kEmulated;
  emulated_start(loop, slot, index);
}

// ---- for the core ---------------------------------------------------------------------------

// The op's record is read before the callback: the callback may stop the op, start it again
// (in another slot), or free it.
void ops_invoke(ev_loop *loop, evring_op *op, int events) {
  unsigned slot_plus_one = op->slot, generation = op->generation;
  op->cb(loop, op, events & ~kOpDelivery);
  ops_delivery_done(loop, slot_plus_one, generation);
}

void ops_delivery_done(ev_loop *loop, unsigned slot_plus_one, unsigned generation) {
  if (!slot_plus_one || !loop->ops) return;
  int index = int(slot_plus_one) - 1;
  OpSlot &slot = *loop->ops->slots[index];
  auto current = [&] {
    return slot.generation == generation && slot.state != OpState::kFree &&
           slot.state != OpState::kStopped;
  };
  if (!current()) return;
  release_held(loop, index);
  if (!current() || !slot.results.count || slot.op->pending) return;
  deliver(loop, index, pop_result(slot));
}

}  // namespace evring

using namespace evring;

void evring_op_start(ev_loop *loop, evring_op *op) noexcept {
  loop_claim_in_child(loop);
  if (op->active) return;
  bool new_file = op->flags & EVRING__FDSET;
  op->flags &= ~EVRING__FDSET;
  if (loop->backend_automatic) backend_upgrade_for_ops(loop);
  drop_leftovers(loop, op);
  int error = invalid_reason(loop, *op);
  bool held = delivery_pending(loop, op);
  if (error && !held) {
    fail_at_start(loop, op, error);
    return;
  }
  int index = slot_alloc(loop, op);
  OpSlot &slot = *loop->ops->slots[index];
  op->slot = unsigned(index) + 1;
  op->generation = slot.generation;
  watcher_start(loop, reinterpret_cast<ev_watcher *>(op), 1);
  slot.state = OpState::kQueued;
  slot.held = held;
  slot.new_file = new_file;
  slot.start_error = error;
  if (error) return;  // its failure follows the pending callback (release_held)
  lane_push(loop, op->fd, op->kind, index);
  if (op->timeout > 0.) {
    ev_timer_init(&slot.timer, on_timeout, op->timeout, 0.);
    ev_set_priority(&slot.timer, EV_MAXPRI);
    ev_timer_start(loop, &slot.timer);
    ev_unref(loop);
  }
  if (lane_head(loop, *op, index)) begin(loop, index);
}

int evring_op_stop(ev_loop *loop, evring_op *op) noexcept {
  loop_claim_in_child(loop);
  // A result already loaded into the op for a callback that has not run yet raced the stop.
  bool loaded = clear_pending(loop, op) != 0;
  if (!op->slot || !loop->ops || op->slot > unsigned(loop->ops->slots.count)) return loaded;
  int index = int(op->slot) - 1;
  OpSlot &slot = *loop->ops->slots[index];
  if (slot.op != op || slot.generation != op->generation) return loaded;
  if (slot.state != OpState::kStopped) {
    end_for_stop(loop, slot, index);
    watcher_stop(loop, reinterpret_cast<ev_watcher *>(op));
  }
  if (loaded) return 1;
  if (slot.results.count) {
    load(loop, op, pop_result(slot));
    return 1;
  }
  slot_free(loop, index);
  op->slot = 0;
  return 0;
}

void evring_op_cancel(ev_loop *loop, evring_op *op) noexcept {
  loop_claim_in_child(loop);
  if (!op->active || !op->slot) return;
  int index = int(op->slot) - 1;
  OpSlot &slot = *loop->ops->slots[index];
  if (slot.state != OpState::kQueued && slot.state != OpState::kInFlight) return;
  bool in_kernel =
      slot.state == OpState::kInFlight && slot.engine == OpEngine::kNative && !slot.parked;
  slot.state = OpState::kCancelling;
  slot.parked = false;
  if (in_kernel) {
    native_of(loop)->cancel(loop, slot, index, false);  // the final result comes from there
    return;
  }
  ops_complete(loop, index, OpResult{-ECANCELED, slot.moved, -1, false});
}
