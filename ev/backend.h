// The interface between the loop core and one kernel readiness mechanism. A backend is one file
// in backends/ that fills in a BackendOps; everything the backends have in common (the fd table,
// the change list, generations, killing bad fds, re-arming after fork, the fallback order) lives
// in the core.
#ifndef EVRING_BACKEND_H
#define EVRING_BACKEND_H

#include <stdint.h>

struct ev_loop;

namespace evring {

struct NativeOps;

// How a backend takes part in ev_embed (ev/embed.cc), in the embedded loop and in the
// embedding one. The loop's side of it is ev_loop::backend_fd.
struct EmbedSupport {
  // It has an fd (ev_loop::backend_fd) that is readable while events wait (epoll's own,
  // io_uring's ring), so ev_embed can embed it.
  bool embeddable = false;
  // Embedded: hands the kernel the registrations the backend keeps for its next poll, without
  // waiting or reporting, so that its fd becomes readable for them too. The embedding loop calls
  // it before it blocks. nullptr: the backend hands everything over in modify already.
  void (*submit)(ev_loop *loop) = nullptr;
  // Embedding: it reports readiness as the kernel saw it when the fd woke it (io_uring's poll
  // completions), not as of the poll call (epoll_wait). Readiness of the embedded loop's fd that
  // the embed watcher's own sweep consumed in between would still be reported, so ev_embed
  // checks the fd again before it tells the watcher.
  bool reports_wakeup_readiness = false;
};

struct BackendOps {
  const char *name;
  unsigned flag;  // the EVBACKEND_* bit
  // Sets up loop->backend_state. Returns false (errno set) when the mechanism is unavailable.
  bool (*init)(ev_loop *loop);
  // Releases what init made. Must not change kernel state shared with another process, since
  // the core also calls it in a forked child before init-ing afresh.
  void (*destroy)(ev_loop *loop);
  // The fd's wanted mask (EV_READ|EV_WRITE) goes from `old_mask` to `new_mask` (maybe the
  // same). Called at most once per changed fd per iteration. `new_file`: ev_io_set was called
  // since, so the number may name another file than the kernel has: register afresh, whatever
  // the masks. The fd's generation in the fd table has already been advanced, so events tagged
  // with an older one are stale.
  void (*modify)(ev_loop *loop, int fd, int old_mask, int new_mask, bool new_file);
  // Waits at most `timeout` seconds (0: don't block) and reports readiness through
  // fd_event()/fd_kill() in ev/fd.h. A backend whose kernel state cannot go on asks the core
  // for a repair (loop->backend_repair), applied before the next poll.
  void (*poll)(ev_loop *loop, double timeout);
  // The smallest nonzero wait the mechanism can express: shorter waits are rounded up to it.
  double min_wait;
  // Whether its kernel object (an epoll set, a ring) is shared with the parent after a fork, so
  // that the child must build its own. select and poll keep their state, and their order.
  bool rebuilt_after_fork = false;
  // Whether a forked child must not touch it at all, even before ev_loop_fork: its queues are
  // memory shared with the parent (io_uring's rings). The core rebuilds it at the child's first
  // use (loop_claim_in_child).
  bool rebuilt_in_child = false;
  EmbedSupport embed = {};
  // Whether watching an fd keeps its file open (io_uring's poll requests hold the file): the
  // ops emulation then stops its watchers as soon as no op waits, so that a program's close(2)
  // really ends the file.
  bool watch_holds_file = false;
  // Completion I/O done by the kernel itself (ev/ops.h); nullptr: the core emulates every op.
  const NativeOps *native_ops = nullptr;
};

// What a backend asks of the core when its kernel state cannot go on (backend_restart).
enum class BackendRepair : uint8_t {
  kNone,
  kRebuild,   // destroy and init the same backend, then register every fd again
  kFallBack,  // hand the loop to the next working backend in the core's preference order
};

extern const BackendOps select_backend;
extern const BackendOps poll_backend;
extern const BackendOps epoll_backend;
extern const BackendOps io_uring_backend;

// Whether this kernel lets the process use io_uring (asked once, without creating a ring; the
// features the backend needs are learnt from each io_uring loop's own ring).
bool io_uring_usable();

// Per-fd state of the backend in use, kept in the fd table (FdEntry::backend): each backend
// reads it as its own type through backend_fd_state<T>. The core zeroes it whenever the
// backend's registrations are lost (fd_rearm_all).
struct BackendFdBytes {
  alignas(uint32_t) unsigned char bytes[8];
};

template <class T>
inline T &backend_fd_state(BackendFdBytes &storage) {
  static_assert(sizeof(T) <= sizeof storage.bytes && alignof(T) <= alignof(BackendFdBytes),
                "a backend's per-fd state must fit in FdEntry::backend");
  static_assert(__is_trivial(T), "the core zeroes it with memset");
  return *reinterpret_cast<T *>(storage.bytes);
}
template <class T>
inline const T &backend_fd_state(const BackendFdBytes &storage) {
  return backend_fd_state<T>(const_cast<BackendFdBytes &>(storage));
}

}  // namespace evring

#endif
