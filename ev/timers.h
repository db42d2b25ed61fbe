// What the iteration needs from timers and periodics.
#ifndef EVRING_TIMERS_H
#define EVRING_TIMERS_H

#include "loop.h"

namespace evring {

// Queues EV_TIMER for every timer that expired before mn_now, in expiry order.
void timers_reify(ev_loop *loop);
// Moves every timer by delta (ev_resume: time spent suspended does not count).
void timers_shift(ev_loop *loop, ev_tstamp delta);
// Queues `events` for the watchers collected in loop->expired, earliest first.
void feed_expired(ev_loop *loop, int events);

}  // namespace evring

#endif
