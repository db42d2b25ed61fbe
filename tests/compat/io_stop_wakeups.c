/* Which iterations a stopped io watcher's fd still causes. libev's epoll backend keeps the fd
 * registered after its last watcher stops, so an fd that is still ready when the loop next
 * blocks wakes it once, with no callback; select and poll forget the fd at once. A stop alone
 * (fd not ready) wakes nothing on any backend. A check watcher traces every iteration, and a
 * timer ends each case, so the number of iterations is visible. Each case runs in a child with
 * its own default loop. */
#include "compat.h"

enum scenario {
  STOPPED_BY_TIMER,     /* the fd never becomes ready; a timer stops its watcher */
  DRAINED_THEN_STOPPED, /* the callback reads everything, then stops the watcher */
  STOPPED_UNDRAINED,    /* the callback stops the watcher without reading */
  STOPPED_THEN_WRITTEN, /* a timer stops the watcher and makes the fd ready in one callback */
  STOPPED_THEN_CLOSED,  /* the callback stops the watcher and closes the still-ready fd */
};

static const char *const scenario_names[] = {
    "stopped-by-timer",     "drained-then-stopped", "stopped-undrained",
    "stopped-then-written", "stopped-then-closed",
};

static enum scenario current;
static int fds[2];
static ev_io reader;
static ev_timer stopper, finisher;

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  if (current == DRAINED_THEN_STOPPED) {
    char buffer[8];
    require(read(w->fd, buffer, sizeof buffer) == 2, "read");
  }
  ev_io_stop(loop, w);
  if (current == STOPPED_THEN_CLOSED) require(close(w->fd) == 0, "close");
}

static void on_stopper(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, &reader);
  if (current == STOPPED_THEN_WRITTEN) require(write(fds[1], "x", 1) == 1, "write");
}

static void on_finisher(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  stop_tracing_iterations(loop);
}

static void run_scenario(const void *arg) {
  current = *(const enum scenario *)arg;
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(fds) == 0, "pipe");
  ev_io_init(&reader, on_readable, fds[0], EV_READ);
  reader.data = "reader";
  ev_io_start(loop, &reader);
  trace_iterations(loop);
  if (current == STOPPED_BY_TIMER || current == STOPPED_THEN_WRITTEN) {
    ev_timer_init(&stopper, on_stopper, 0.02, 0.);
    stopper.data = "stopper";
    ev_timer_start(loop, &stopper);
  } else {
    require(write(fds[1], "xx", 2) == 2, "write");
  }
  ev_timer_init(&finisher, on_finisher, 0.1, 0.);
  finisher.data = "finisher";
  ev_timer_start(loop, &finisher);
  int result = ev_run(loop, 0);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
}

int main(void) {
  compat_begin();
  for (enum scenario s = STOPPED_BY_TIMER; s <= STOPPED_THEN_CLOSED; ++s)
    run_isolated(scenario_names[s], run_scenario, &s);
  return 0;
}
