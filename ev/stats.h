// What the loop's lifecycle needs from ev_stat (stat.cc).
#ifndef EVRING_STATS_H
#define EVRING_STATS_H

#include "loop.h"

namespace evring {

// In a forked child: the inotify fd is shared with the parent, so make a new one and watch
// every path again.
void stat_after_fork(ev_loop *loop);
// At destroy: closes the inotify fd.
void stat_release(ev_loop *loop);

}  // namespace evring

#endif
