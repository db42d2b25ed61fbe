/* Loop benchmark contender written against the libev API only, so the same file builds against
   libev (-lev) and against evring. The backend is chosen by name and passed to ev_loop_new. */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/ev_backend_flag.h"
#include "edge_mode.h"
#include "loop_adapter.h"

static struct ev_loop *loop;
static ev_io *io_watchers;
static ev_timer *timers;
static const int *fds;
static int watcher_count;
static bool use_timers;

static void on_io(struct ev_loop *l, ev_io *w, int revents) {
  (void)l;
  (void)revents;
  bench_on_readable((int)(w - io_watchers));
}

static void on_timer(struct ev_loop *l, ev_timer *w, int revents) {
  (void)l;
  (void)revents;
  bench_on_timeout((int)(w - timers));
}

const char *adapter_init(const char *backend, const int *read_fds, int count, bool with_timers) {
  unsigned backend_flag = bench_backend_flag(backend);
  if (!backend_flag) return "unknown backend name";
  if (!(ev_supported_backends() & backend_flag)) return "backend not supported by this library";
  loop = ev_loop_new(backend_flag | EVFLAG_NOENV | EDGE_MODE_LOOP_FLAGS);
  if (!loop) return "ev_loop_new failed for this backend";
  if (ev_backend(loop) != backend_flag) return "library fell back to another backend";
  EDGE_MODE_ENABLE(loop);
  fds = read_fds;
  watcher_count = count;
  use_timers = with_timers;
  io_watchers = calloc((size_t)count, sizeof *io_watchers);
  timers = calloc((size_t)count, sizeof *timers);
  if (!io_watchers || !timers) return "out of memory";
  for (int i = 0; i < count; i++) {
    ev_io_init(&io_watchers[i], on_io, fds[i], EV_READ | EDGE_MODE_IO_EVENTS);
    ev_timer_init(&timers[i], on_timer, bench_timer_repeat(i), bench_timer_repeat(i));
  }
  return NULL;
}

const char *adapter_describe(void) {
  static char text[64];
  snprintf(text, sizeof text, "ev %d.%d backend 0x%x", ev_version_major(), ev_version_minor(),
           ev_backend(loop));
  return text;
}

/* The io watchers keep their fd, so a restart is stop+start. Calling ev_io_set as well would force
   a kernel re-registration no other contender is asked for, and libev 4.33's io_uring backend
   aborts on it ("io_uring_enter did not consume all sqes") on current kernels. */
void adapter_setup_watchers(void) {
  for (int i = 0; i < watcher_count; i++) {
    ev_io_stop(loop, &io_watchers[i]);
    ev_io_start(loop, &io_watchers[i]);
    if (use_timers) {
      ev_timer_stop(loop, &timers[i]);
      ev_timer_set(&timers[i], bench_timer_repeat(i), bench_timer_repeat(i));
      ev_timer_start(loop, &timers[i]);
    }
  }
}

void adapter_run_once(void) {
  ev_run(loop, EVRUN_NOWAIT);
}

void adapter_timer_again(int index) {
  ev_timer_again(loop, &timers[index]);
}
