// Creating, forking and destroying loops, and choosing their backend.
#ifndef EVRING_LIFECYCLE_H
#define EVRING_LIFECYCLE_H

#include "loop.h"

namespace evring {

// Runs in the iteration after ev_loop_fork (or a FORKCHECK pid change): new kernel objects
// for the backend, the wakeup fd and the signalfd, and every fd registered again.
void loop_after_fork(ev_loop *loop);
// Throws the backend's kernel state away and builds it again from the fd table, with the same
// backend or, after BackendRepair::kFallBack, the next one that works.
void backend_restart(ev_loop *loop);
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
