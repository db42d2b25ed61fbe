/* The raw floors' per-fd timers: the same re-arm-on-every-event work a library does, kept on a
   plain heap with the time read once per loop iteration, as an event loop caches "now". */
#ifndef BENCH_FLOOR_TIMERS_H
#define BENCH_FLOOR_TIMERS_H

#include <stdbool.h>

bool floor_timers_init(int count);

/* Reads the clock; the re-arms and expiries that follow use this time. */
void floor_timers_update_now(void);

/* Schedules every timer at its repeat interval from now. */
void floor_timers_restart_all(void);

void floor_timers_again(int index);

/* Runs the callbacks of every timer due by now, re-arming each by its repeat interval. */
void floor_timers_expire(void);

#endif
