/* A level-triggered watcher whose callback never reads (its fd stays readable, so it is called
 * in every iteration) together with an idle watcher, at different relative priorities, plus a
 * second fd that only becomes readable from within the first watcher's fifth callback. libev
 * queues idle watchers only when nothing of their priority or higher is pending. The io watchers
 * stop after five calls, the idle watcher after six; a check watcher traces the iterations. */
#include "compat.h"

struct priorities {
  int io, idle;
};

static ev_io spinning, late;
static ev_idle idle;
static int spin_calls, idle_calls, late_pipe[2];

static void on_spinning(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  if (++spin_calls == 5) {
    require(write(late_pipe[1], "l", 1) == 1, "write");
    printf("  made late readable, stopping\n");
    ev_io_stop(loop, w);
  }
}

static void on_late(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  ev_io_stop(loop, w);
}

static void on_idle(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  if (++idle_calls == 6) ev_idle_stop(loop, w);
}

static void run_case(const void *arg) {
  const struct priorities *p = arg;
  struct ev_loop *loop = ev_default_loop(0);
  int fds[2];
  require(pipe(fds) == 0 && pipe(late_pipe) == 0, "pipe");
  require(write(fds[1], "x", 1) == 1, "write");
  ev_io_init(&spinning, on_spinning, fds[0], EV_READ);
  spinning.data = "spinning";
  ev_set_priority(&spinning, p->io);
  ev_io_start(loop, &spinning);
  ev_io_init(&late, on_late, late_pipe[0], EV_READ);
  late.data = "late";
  ev_io_start(loop, &late);
  ev_idle_init(&idle, on_idle);
  idle.data = "idle";
  ev_set_priority(&idle, p->idle);
  ev_idle_start(loop, &idle);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
}

int main(void) {
  compat_begin();
  run_isolated("same-priority", run_case, &(struct priorities){0, 0});
  run_isolated("idle-higher", run_case, &(struct priorities){0, 1});
  run_isolated("io-higher", run_case, &(struct priorities){1, 0});
  run_isolated("idle-lowest", run_case, &(struct priorities){0, EV_MINPRI});
  return 0;
}
