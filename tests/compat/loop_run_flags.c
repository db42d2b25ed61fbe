/* ev_run with flags 0, EVRUN_NOWAIT and EVRUN_ONCE: which callbacks run, what ev_run returns
 * (printed raw, as programs do), and how ev_iteration and ev_depth move. */
#include "compat.h"

static void on_reader(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
}

static void run(struct ev_loop *loop, const char *what, int flags) {
  unsigned before = ev_iteration(loop);
  int result = ev_run(loop, flags);
  printf("%-40s returned %d, iterations +%u, depth %u\n", what, result, ev_iteration(loop) - before,
         ev_depth(loop));
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  require(loop != NULL, "ev_loop_new");
  printf("fresh loop: iteration %u depth %u pending %u\n", ev_iteration(loop), ev_depth(loop),
         ev_pending_count(loop));

  run(loop, "0 with no watchers", 0);
  run(loop, "NOWAIT with no watchers", EVRUN_NOWAIT);
  run(loop, "ONCE with no watchers", EVRUN_ONCE);

  ev_timer far;
  ev_timer_init(&far, TRACE_CB(ev_timer), 100., 0.);
  far.data = "far-timer";
  ev_timer_start(loop, &far);
  run(loop, "NOWAIT with a far timer", EVRUN_NOWAIT);

  ev_idle idle;
  ev_idle_init(&idle, TRACE_CB(ev_idle));
  idle.data = "idle";
  ev_idle_start(loop, &idle);
  run(loop, "ONCE with an idle watcher", EVRUN_ONCE);
  run(loop, "NOWAIT with an idle watcher", EVRUN_NOWAIT);
  ev_idle_stop(loop, &idle);

  int fds[2];
  require(pipe(fds) == 0, "pipe");
  require(write(fds[1], "ab", 2) == 2, "write");
  ev_io reader;
  ev_io_init(&reader, on_reader, fds[0], EV_READ);
  reader.data = "reader";
  ev_io_start(loop, &reader);
  run(loop, "ONCE with a readable pipe", EVRUN_ONCE);
  run(loop, "NOWAIT with a readable pipe", EVRUN_NOWAIT);
  run(loop, "NOWAIT with an empty pipe", EVRUN_NOWAIT);

  ev_timer soon;
  ev_timer_init(&soon, TRACE_CB(ev_timer), 0., 0.);
  soon.data = "zero-timer";
  ev_timer_start(loop, &soon);
  run(loop, "ONCE with an expired timer", EVRUN_ONCE);
  run(loop, "ONCE | NOWAIT with nothing ready", EVRUN_ONCE | EVRUN_NOWAIT);

  ev_io_stop(loop, &reader);
  ev_timer_stop(loop, &far);
  run(loop, "0 after stopping everything", 0);
  printf("total iterations %u\n", ev_iteration(loop));
  ev_loop_destroy(loop);
  return 0;
}
