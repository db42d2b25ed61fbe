/* evring's edge-triggered mode for the "evring-io_uring-edge" contender, which the driver builds
 * from loop_libev.c with -DBENCH_EDGE_MODE. The mode is per io watcher: EVRING_EDGE in its events
 * (ev.h; docs/io_uring.md). loop_libev.c uses three definitions:
 *   EDGE_MODE_LOOP_FLAGS         extra flags OR-ed into ev_loop_new's flags (0 if none),
 *   EDGE_MODE_ENABLE(loop)       a statement run on the new loop (empty if the flags suffice),
 *   EDGE_MODE_IO_EVENTS          extra event bits OR-ed into every io watcher's EV_READ.
 * Nothing else in the benchmark needs to change: its callbacks already drain each fd in one read,
 * which is what edge triggering requires. */
#ifndef BENCH_EDGE_MODE_H
#define BENCH_EDGE_MODE_H

#define EDGE_MODE_LOOP_FLAGS 0
#define EDGE_MODE_ENABLE(loop) ((void)(loop))
#ifdef BENCH_EDGE_MODE
#define EDGE_MODE_IO_EVENTS EVRING_EDGE
#else
#define EDGE_MODE_IO_EVENTS 0
#endif

#endif
