/* The order in which several fds that are ready in the same iteration get their callbacks.
 * This legitimately differs between backends (fd number order, registration order, readiness
 * order), so it is only ever compared within one backend. Fd numbers are never printed, only
 * labels, because evring may hold a different number of internal fds. */
#include "compat.h"

enum { PIPES = 6 };
static int pipes[PIPES][2];
static ev_io watchers[PIPES];
static const char *const labels[PIPES] = {"p0", "p1", "p2", "p3", "p4", "p5"};

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
}

static void fill(const int order[PIPES]) {
  for (int i = 0; i < PIPES; ++i) require(write(pipes[order[i]][1], "x", 1) == 1, "write");
}

static void start_all(struct ev_loop *loop, const int order[PIPES]) {
  for (int i = 0; i < PIPES; ++i) ev_io_start(loop, &watchers[order[i]]);
}

static void stop_all(struct ev_loop *loop) {
  for (int i = 0; i < PIPES; ++i) ev_io_stop(loop, &watchers[i]);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  for (int i = 0; i < PIPES; ++i) {
    require(pipe(pipes[i]) == 0, "pipe");
    ev_io_init(&watchers[i], on_readable, pipes[i][0], EV_READ);
    watchers[i].data = (void *)labels[i];
  }
  static const int start_order[PIPES] = {3, 0, 5, 1, 4, 2};
  static const int write_order[PIPES] = {4, 2, 0, 5, 3, 1};

  printf("data written before the watchers were started\n");
  fill(write_order);
  start_all(loop, start_order);
  ev_run(loop, EVRUN_ONCE);

  printf("data written after the fds were registered\n");
  ev_run(loop, EVRUN_NOWAIT);
  fill(write_order);
  ev_run(loop, EVRUN_ONCE);

  /* Without an iteration in between the loop sees no net change, so nothing is re-registered. */
  printf("watchers restarted in reverse within one iteration, data in start order\n");
  stop_all(loop);
  static const int reverse_order[PIPES] = {5, 4, 3, 2, 1, 0};
  start_all(loop, reverse_order);
  ev_run(loop, EVRUN_NOWAIT);
  fill(start_order);
  ev_run(loop, EVRUN_ONCE);

  printf("watchers stopped for one iteration, restarted in reverse, data in start order\n");
  stop_all(loop);
  ev_run(loop, EVRUN_NOWAIT);
  start_all(loop, reverse_order);
  ev_run(loop, EVRUN_NOWAIT);
  fill(start_order);
  ev_run(loop, EVRUN_ONCE);
  stop_all(loop);
  return 0;
}
