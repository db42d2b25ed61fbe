// The default loop's child reaping (ev_child): the loop.cc side of it.
#ifndef EVRING_CHILDREN_H
#define EVRING_CHILDREN_H

#include "loop.h"

namespace evring {

// The default loop takes SIGCHLD as soon as it exists, so that a child that exits before its
// watcher starts is still reported (and every child is reaped, watched or not).
void children_init(ev_loop *loop);
// At the default loop's destruction: SIGCHLD goes back to its default disposition.
void children_release(ev_loop *loop);

}  // namespace evring

#endif
