#ifndef EVRING_PERIODICS_H
#define EVRING_PERIODICS_H

#include "loop.h"

namespace evring {

// Queues EV_PERIODIC for every periodic due before rt_now, in due order.
void periodics_reify(ev_loop *loop);
// Recomputes every periodic's due time (the wall clock jumped, or the loop resumed).
void periodics_reschedule(ev_loop *loop);
// Re-reads the wall clock and reschedules (a watcher callback: see ev_periodic_start).
void recheck_clock(ev_loop *loop, ev_watcher *, int);
void periodics_after_fork(ev_loop *loop);

}  // namespace evring

#endif
