/* The contract between the shared timer benchmark (timer_bench.c) and one contender's timers.
   Times are seconds, relative to the loop's notion of now. */
#ifndef BENCH_TIMER_ADAPTER_H
#define BENCH_TIMER_ADAPTER_H

/* Prepares count timers; returns NULL when ready or why this contender cannot run here. */
const char *timers_init(const char *backend, int count);
const char *timers_describe(void);

/* Starts a one-shot timer due after seconds. */
void timers_start(int index, double after);
/* Re-arms a running timer to fire repeat seconds from now (ev_timer_again). */
void timers_again(int index, double repeat);
void timers_stop(int index);

/* One loop iteration that may block until the next timer is due. */
void timers_run_once(void);

/* Provided by timer_bench.c: every timer callback reports here. */
void timer_bench_fired(int index);

#endif
