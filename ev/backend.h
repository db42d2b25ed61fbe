// The interface between the loop core and one kernel readiness mechanism. A backend is one file
// in backends/ that fills in a BackendOps; everything the backends have in common (the fd table,
// the change list, generations, killing bad fds, re-arming after fork) lives in the core.
#ifndef EVRING_BACKEND_H
#define EVRING_BACKEND_H

struct ev_loop;

namespace evring {

struct BackendOps {
  const char *name;
  unsigned flag;  // the EVBACKEND_* bit
  // Sets up loop->backend_state. Returns false (errno set) when the mechanism is unavailable.
  bool (*init)(ev_loop *loop);
  // Releases what init made. Must not change kernel state shared with another process, since
  // the core also calls it in a forked child before init-ing afresh.
  void (*destroy)(ev_loop *loop);
  // The fd's wanted mask (EV_READ|EV_WRITE) goes from `old_mask` to `new_mask`. Called at most
  // once per changed fd per iteration. old_mask == new_mask means the fd may now be a different
  // file (ev_io_set or re-registration): register afresh. The fd's generation in the fd table
  // has already been advanced, so events tagged with an older one are stale.
  void (*modify)(ev_loop *loop, int fd, int old_mask, int new_mask);
  // Waits at most `timeout` seconds (0: don't block) and reports readiness through
  // fd_event()/fd_kill() in ev/fd.h.
  void (*poll)(ev_loop *loop, double timeout);
  // The smallest nonzero wait the mechanism can express: shorter waits are rounded up to it.
  double min_wait;
  // Whether its kernel object (an epoll set, a ring) is shared with the parent after a fork, so
  // that the child must build its own. select and poll keep their state, and their order.
  bool rebuilt_after_fork;
  // Optional: hands registrations the backend keeps for its next poll to the kernel now,
  // without waiting or reporting. An embedding loop calls it before it blocks on this loop's
  // backend fd, which would otherwise not become ready for fds whose polls wait to be re-armed.
  void (*submit)(ev_loop *loop);
  // Whether it reports readiness as the kernel saw it when the fd woke it (io_uring's poll
  // completions), not as of the poll call (epoll_wait, poll, select). Readiness consumed in
  // between is still reported then.
  bool reports_wakeup_readiness;
};

extern const BackendOps select_backend;
extern const BackendOps poll_backend;
extern const BackendOps epoll_backend;
extern const BackendOps io_uring_backend;

// Whether this kernel lets the process use io_uring (asked once, without creating a ring; the
// features the backend needs are probed when the first io_uring loop is made).
bool io_uring_usable();

}  // namespace evring

#endif
