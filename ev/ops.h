// Completion I/O ("ops", evring_op in ev.h): the loop's record of each started op, the order
// of ops on an fd, the delivery of results to callbacks, stop and cancel (ev/ops.cc); the ops
// done with readiness on every backend (ev/ops_emulated.cc); the loop's buffer pool
// (ev/ops_pool.cc). A backend that does ops itself (io_uring) fills in NativeOps.
#ifndef EVRING_OPS_H
#define EVRING_OPS_H

#include "loop.h"

namespace evring {

constexpr int kOpKinds = EVRING_CLOSE;  // kinds are 1..kOpKinds

// One outcome of an op, waiting to be delivered (a multishot op's later results) or to be
// collected by evring_op_stop.
struct OpResult {
  ssize_t result;
  size_t moved;
  int32_t buffer;  // the pool buffer holding the data, or -1
  bool more;       // another result follows
};

// Where an op is. Transitions (ev/ops.cc): kQueued -> kInFlight when the op before it in its
// lane ends; kInFlight -> kCancelling (evring_op_cancel); kInFlight/kCancelling -> kDelivering
// when its final result comes (the lane moves on); kDelivering -> kFree once the final result
// is loaded into the op for its callback; any started state -> kStopped (evring_op_stop, while
// raced results wait to be collected) -> kFree.
enum class OpState : uint8_t {
  kFree,
  kQueued,      // started, waiting behind an earlier op of the same kind on the fd (or held)
  kInFlight,    // in the kernel (native) or waiting for readiness (emulated)
  kCancelling,  // evring_op_cancel asked for its end
  kDelivering,  // its final result came; earlier results are still being delivered
  kStopped,     // evring_op_stop returned; raced results wait in `results`
};

// How an op is being done.
enum class OpEngine : uint8_t {
  kNone,      // not handed over yet
  kNative,    // by the backend (NativeOps)
  kEmulated,  // with readiness (ev/ops_emulated.cc)
};

struct OpSlot {
  evring_op *op;        // while not kFree
  uint32_t generation;  // advanced whenever the slot changes hands; tags kernel requests
  OpState state;
  OpEngine engine;
  uint8_t kind;    // the op's kind, kept here for when the op struct may be gone
  bool timed_out;  // its timeout ended it: a -ECANCELED final result becomes -ETIMEDOUT
  bool resume;     // ended in the kernel by ops_suspend: begins again on the new backend
  bool parked;     // a pooled receive waiting for a pool buffer (BufferPool::starved)
  bool new_file;   // the op was set up anew (EVRING__FDSET): its fd may name another file
  // kQueued: started while the callback of the op's last final result was pending (from
  // another callback): begins, or fails with start_error, once that callback has run, so that
  // the callback finds its result and its data in the op's buffer.
  bool held;
  int start_error;        // held: the start's parameters can never work (the op is in no lane)
  int next_in_lane;       // slot index + 1 of the op started after it (same fd and kind), or 0
  Vec<OpResult> results;  // results not yet loaded into the op
  size_t moved;           // EVRING_SEND_ALL: bytes sent so far
  ev_timer timer;         // the op's timeout (emulated, or where the backend has no timeout)
  // For the backend's own use (io_uring: uring_ops.cc's UringOp).
  uint32_t backend_data[4];
};

// What the kernel does itself, where a backend can (io_uring). Each call may refuse an op, which
// the core then emulates.
struct NativeOps {
  // Starts the op in the kernel. False: this kernel or fd cannot (the core emulates it).
  bool (*start)(ev_loop *loop, OpSlot &slot, int index);
  // Ends the op in the kernel: `sync` returns once the kernel no longer touches its memory,
  // with what completed meanwhile delivered through ops_complete; else its final result comes
  // as usual (-ECANCELED if it was cancelled).
  void (*cancel)(ev_loop *loop, OpSlot &slot, int index, bool sync);
  // The loop's pool was made or is going away; a buffer came back.
  bool (*pool_attach)(ev_loop *loop);
  void (*pool_detach)(ev_loop *loop);
  void (*pool_release)(ev_loop *loop, int buffer);
};

// The loop's buffer pool (evring_buffer_pool).
struct BufferPool {
  char *memory;
  unsigned count;
  size_t size;
  unsigned out;         // buffers given to the program and not released yet
  Vec<int32_t> free;    // buffers evring may hand out itself (emulated receives)
  Vec<uint8_t> is_out;  // per buffer: not free (the program's, or in a result not delivered)
  Vec<int> starved;     // parked pooled receives (slot indices), in the order they parked
  bool unparking;       // ops_unpark is running
  bool native;          // the backend hands the buffers out (NativeOps::pool_attach)
};

// Per fd with ops: the ops started on it, one lane per kind, oldest first (slot index + 1,
// 0: none). Emulated ops wait for readiness through two unreferenced io watchers, started when
// an op needs them. The readable one stays started between receives, until an event finds
// nobody waiting (as libev's epoll backend unregisters lazily), so that a receive started from
// the last one's callback costs no watcher change; the writable one stops when its op ends.
// The readable watcher and the lanes' heads come first, in the line pair a readiness event
// touches.
struct FdOps {
  ev_io readable;    // for receives and accepts
  bool recv_filled;  // the last emulated receive filled its buffer: more is likely waiting
  int32_t head[kOpKinds];
  int32_t tail[kOpKinds];
  ev_io writable;  // for sends and connects
};

// The loop's ops (ev_loop::ops).
struct OpTable {
  Vec<OpSlot *> slots;  // each allocated once: internal watchers never move
  Vec<int> free_slots;
  Vec<FdOps *> fds;  // indexed by fd; allocated on first use, kept until the loop goes
  BufferPool pool;
  bool suspended;  // between ops_suspend and ops_resume: ops that begin wait for the latter
};

// ---- for backends (native ops) --------------------------------------------------------------

// The slot for a kernel request's (index, generation), or nullptr if it is stale.
OpSlot *ops_slot(ev_loop *loop, int index, uint32_t generation);
// A result of the op: delivered to its callback (in order), or kept for evring_op_stop.
void ops_complete(ev_loop *loop, int index, const OpResult &result);
// The backend refused the op after all (the kernel answered EINVAL or EOPNOTSUPP): it
// continues emulated.
void ops_refused(ev_loop *loop, int index);
// A pooled receive found the pool empty: it waits, with nothing in the kernel, until a buffer
// comes back (then it begins again the same way).
void ops_park(ev_loop *loop, int index);
// A buffer came back: the parked receives begin again.
void ops_unpark(ev_loop *loop);

// ---- for the core ---------------------------------------------------------------------------

// Runs an op's callback for a result the core queued (events with kOpDelivery), then
// ops_delivery_done.
void ops_invoke(ev_loop *loop, evring_op *op, int events);
// A result's callback has run, or ev_clear_pending took it away: the op's next result is
// queued, if one waits, and an op started again meanwhile begins.
void ops_delivery_done(ev_loop *loop, unsigned slot_plus_one, unsigned generation);
// The backend's kernel object is about to be closed and made again (a backend restart, a new
// io_uring ring): the native ops in flight, which closing it cancels, begin again by
// ops_resume, natively or emulated; their results that complete before the close are
// delivered, their cancellations swallowed (the backend's close hands the completions to
// ops_complete). Ops that reach the head of their lane meanwhile wait for ops_resume too.
void ops_suspend(ev_loop *loop);
void ops_resume(ev_loop *loop);
// In a forked child: every op is the parent's; they end without a callback.
void ops_after_fork(ev_loop *loop);
// ev_loop_destroy: every op ends without a callback, everything is freed.
void ops_release(ev_loop *loop);

// ---- between ev/ops*.cc ---------------------------------------------------------------------

// The loop's op table, made on first use.
OpTable &ops_table(ev_loop *loop);
// The fd's readiness watchers, for a new FdOps.
void emulated_init_fd(ev_loop *loop, FdOps &ops, int fd);
// The fd's number may name another file than its readiness watchers were registered for
// (the fd was closed, accepted, or an op on it set up anew): they stop now, and register afresh
// when next started.
void emulated_new_file(ev_loop *loop, FdOps &ops);

// Starts an op that is at the head of its lane, emulated: send, connect, shutdown and close
// try the system call at once; receives and accepts wait for readiness.
void emulated_start(ev_loop *loop, OpSlot &slot, int index);
// Takes a free pool buffer for an emulated pooled receive, or -1.
int32_t pool_take(BufferPool &pool);
// Gives a buffer of a result that is dropped back to the pool.
void pool_put_back(ev_loop *loop, int32_t buffer);
// The backend changed (fork, fallback): the free buffers go to the new one.
void pool_reattach(ev_loop *loop);
// ev_loop_destroy.
void pool_release_all(ev_loop *loop);

}  // namespace evring

#endif
