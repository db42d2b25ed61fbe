// Creating, forking and destroying loops, and choosing their backend.
#ifndef EVRING_LIFECYCLE_H
#define EVRING_LIFECYCLE_H

#include <atomic>

#include "loop.h"

namespace evring {

// Runs in the iteration after ev_loop_fork (or a FORKCHECK pid change): new kernel objects
// for the backend, the wakeup fd and the signalfd, and every fd registered again.
void loop_after_fork(ev_loop *loop);
// Counts the forks of this process: a pthread_atfork child handler (registered with the first
// loop) advances it in each child, before fork returns there.
extern std::atomic<unsigned> forks_seen;
inline unsigned fork_epoch() {
  return forks_seen.load(std::memory_order_relaxed);
}
void loop_claim_in_child_slow(ev_loop *loop);
// Called before the loop's backend is used: in a forked child, a backend whose memory the
// parent shares (BackendOps::rebuilt_in_child) is rebuilt first, and the parent's ops are
// abandoned, whether or not the child called ev_loop_fork.
inline void loop_claim_in_child(ev_loop *loop) {
  if (loop->backend && loop->backend->rebuilt_in_child && loop->fork_epoch != fork_epoch())
    loop_claim_in_child_slow(loop);
}
// Throws the backend's kernel state away and builds it again from the fd table, with the same
// backend or, after BackendRepair::kFallBack, the next one that works. `queue_fds` false: the
// fds are registered again only when the caller queues them (fd_rearm_all).
void backend_restart(ev_loop *loop, bool queue_fds = true);
// Picks the backend for `flags` (after environment overrides) and initialises it.
bool backend_choose(ev_loop *loop);
// Initialises the first working backend after the loop's (destroyed) one in preference order,
// whatever the flags allowed: a loop whose backend gave up goes on. False if none works.
bool backend_fall_back(ev_loop *loop);
// Moves a running loop to `next` now, as backend_restart does; if `next` cannot be made, the
// loop keeps its backend (made afresh) and this returns false.
bool backend_switch(ev_loop *loop, const BackendOps *next);
// The program starts its first op: a loop whose backend was chosen automatically moves to
// io_uring, which does ops in the kernel. True if it moved.
bool backend_upgrade_for_ops(ev_loop *loop);

}  // namespace evring

#endif
