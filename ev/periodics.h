#ifndef EVRING_PERIODICS_H
#define EVRING_PERIODICS_H

#include "loop.h"

namespace evring {

// Queues EV_PERIODIC for every periodic due before rt_now, in due order.
void periodics_reify(ev_loop *loop);
// Recomputes every periodic's due time (the wall clock jumped, or the loop resumed).
void periodics_reschedule(ev_loop *loop);
// The wall-clock timerfd (clock_watch.cc): opened with a loop's first periodic (which it
// reschedules), made anew in a forked child, closed with the loop.
void clock_watch_first_periodic(ev_loop *loop);
void clock_watch_after_fork(ev_loop *loop);
void clock_watch_release(ev_loop *loop);

}  // namespace evring

#endif
