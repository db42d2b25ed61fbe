/* The contract between the shared loop benchmark (loop_bench.c) and one contender. Each contender
   binary links loop_bench.c with exactly one adapter, so these are plain functions. */
#ifndef BENCH_LOOP_ADAPTER_H
#define BENCH_LOOP_ADAPTER_H

#include <stdbool.h>

/* Prepares watchers for count read fds (and one timer each if with_timers). Returns NULL when
   ready, or why this contender cannot run here; the benchmark then exits with status 77. */
const char *adapter_init(const char *backend, const int *read_fds, int count, bool with_timers);

/* What the contender actually runs on (backend in use, setup flags), for the report. */
const char *adapter_describe(void);

/* Stops and restarts every watcher (and timer), as the classic benchmark does each round. */
void adapter_setup_watchers(void);

/* One loop iteration that does not block. */
void adapter_run_once(void);

/* Re-arms the timer of fd index to its repeat interval from now. */
void adapter_timer_again(int index);

/* Provided by loop_bench.c for the adapters' callbacks. */
void bench_on_readable(int index);
void bench_on_timeout(int index);
double bench_timer_repeat(int index); /* seconds */

#endif
