// Signal ownership is process-wide (one loop per signal number), as in libev.
#ifndef EVRING_SIGNALS_H
#define EVRING_SIGNALS_H

#include "loop.h"

namespace evring {

// Feeds EV_SIGNAL for every signal owned by `loop` that arrived since the last call.
void signals_feed_pending(ev_loop *loop);
// Gives up every signal `loop` owns (at destroy): handlers back to SIG_DFL.
void signals_release(ev_loop *loop);
// In a forked child: the signalfd is shared with the parent, make a new one.
void signals_after_fork(ev_loop *loop);

}  // namespace evring

#endif
