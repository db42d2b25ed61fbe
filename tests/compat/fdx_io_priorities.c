/* Priorities among io watchers that are ready in the same iteration. Twelve pipes, watchers of
 * priorities -2..2 (plus three watchers of different priorities on one extra pipe); within one
 * priority the order is the backend's. Rounds:
 *   1. all pipes already readable when the watchers start (written in a shuffled order);
 *   2. the watchers registered and idle, a timer writes the pipes in another shuffled order;
 *   3. half of them readable before a restart, the rest written by the highest-priority
 *      callback of that iteration (those must wait for the next one).
 * Every callback drains its pipe; watchers are identified by index and priority only. */
#include <fcntl.h>

#include "compat.h"

enum { PIPES = 12 };
static int pipes[PIPES][2], shared[2];
static ev_io watchers[PIPES], shared_watchers[3];
static char labels[PIPES][16];
static ev_timer ticker;
static int round_number, writes_in_callback;

static const int order_a[PIPES] = {7, 2, 11, 0, 5, 9, 3, 10, 1, 6, 8, 4};
static const int order_b[PIPES] = {4, 9, 0, 6, 11, 1, 8, 3, 10, 5, 2, 7};

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char buf[8];
  while (read(w->fd, buf, sizeof buf) > 0) {
  }
  if (writes_in_callback) {
    writes_in_callback = 0;
    for (int i = PIPES / 2; i < PIPES; ++i)
      require(write(pipes[order_b[i]][1], "x", 1) == 1, "write");
    printf("  wrote the other half\n");
  }
}

static void on_shared_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  if (w == &shared_watchers[0]) {
    char c;
    require(read(w->fd, &c, 1) == 1, "read");
  }
}

static void start_all(struct ev_loop *loop, const int *order) {
  for (int i = 0; i < PIPES; ++i) ev_io_start(loop, &watchers[order[i]]);
}

static void stop_all(struct ev_loop *loop) {
  for (int i = 0; i < PIPES; ++i) ev_io_stop(loop, &watchers[i]);
}

/* One-shot, re-armed from its own callback: a repeating timer catches up on a busy machine and
 * would then fire in the middle of a step. */
static void on_tick(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_timer_set(w, 0.3, 0.);
  ev_timer_start(loop, w);
  switch (++round_number) {
    case 1:
      printf("round 2: writing to every pipe, shuffled\n");
      for (int i = 0; i < PIPES; ++i) require(write(pipes[order_b[i]][1], "x", 1) == 1, "write");
      require(write(shared[1], "s", 1) == 1, "write");
      break;
    case 2:
      printf("round 3: half readable, restart, the first callback writes the rest\n");
      stop_all(loop);
      for (int i = 0; i < PIPES / 2; ++i)
        require(write(pipes[order_b[i]][1], "x", 1) == 1, "write");
      start_all(loop, order_b);
      writes_in_callback = 1;
      break;
    default:
      stop_all(loop);
      for (int i = 0; i < 3; ++i) ev_io_stop(loop, &shared_watchers[i]);
      ev_timer_stop(loop, w);
      stop_tracing_iterations(loop);
      break;
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  for (int i = 0; i < PIPES; ++i) {
    require(pipe(pipes[i]) == 0, "pipe");
    require(fcntl(pipes[i][0], F_SETFL, O_NONBLOCK) == 0, "fcntl");
    ev_io_init(&watchers[i], on_readable, pipes[i][0], EV_READ);
    int priority = i % 5 - 2;
    snprintf(labels[i], sizeof labels[i], "p%d(pri %d)", i, priority);
    watchers[i].data = labels[i];
    ev_set_priority(&watchers[i], priority);
  }
  require(pipe(shared) == 0, "pipe");
  static const char *const shared_labels[] = {"shared(pri -2)", "shared(pri 0)", "shared(pri 2)"};
  for (int i = 0; i < 3; ++i) {
    ev_io_init(&shared_watchers[i], on_shared_cb, shared[0], EV_READ);
    shared_watchers[i].data = (void *)shared_labels[i];
    ev_set_priority(&shared_watchers[i], 2 * i - 2);
  }
  printf("round 1: every pipe readable before the watchers start\n");
  for (int i = 0; i < PIPES; ++i) require(write(pipes[order_a[i]][1], "x", 1) == 1, "write");
  require(write(shared[1], "s", 1) == 1, "write");
  start_all(loop, order_b);
  for (int i = 0; i < 3; ++i) ev_io_start(loop, &shared_watchers[i]);
  ev_timer_init(&ticker, on_tick, 0.3, 0.);  // far from the first busy iteration, under load too
  ticker.data = "ticker";
  ev_timer_start(loop, &ticker);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("run returned %d after %u iterations\n", result, ev_iteration(loop));
  return 0;
}
