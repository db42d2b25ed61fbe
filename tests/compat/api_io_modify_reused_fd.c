/* ev_io_modify misused: inside one callback an io watcher is stopped, its fd closed, the number
 * reused by a new (readable) pipe, and the watcher restarted with ev_io_modify instead of
 * ev_io_set, so the loop is not told that the number names another file now. What each backend
 * then reports, bounded by a guard timer. libev documents that ev_io_modify lets it assume the
 * fd still refers to the same file description. */
#include "compat.h"

static struct ev_loop *loop;
static ev_io io;
static ev_timer guard;

static void on_io(struct ev_loop *l, ev_io *w, int revents) {
  trace(l, w, revents);
  ev_io_stop(l, w);
  ev_timer_stop(l, &guard);
}

static void on_guard(struct ev_loop *l, ev_timer *w, int revents) {
  trace(l, w, revents);
  show_state(&io);
  ev_io_stop(l, &io);
}

static void run_guarded(void) {
  ev_timer_init(&guard, on_guard, 0.2, 0.);
  guard.data = "guard";
  ev_timer_start(loop, &guard);
  ev_run(loop, 0);
}

static int pipe_fds[2];

static void on_swap(struct ev_loop *l, ev_timer *w, int revents) {
  trace(l, w, revents);
  ev_io_stop(l, &io);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  int old = io.fd;
  require(pipe(pipe_fds) == 0 && write(pipe_fds[1], "n", 1) == 1, "pipe");
  printf("  new readable pipe reuses the number: %s\n", pipe_fds[0] == old ? "yes" : "no");
  ev_io_modify(&io, EV_READ);
  ev_io_start(l, &io);
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  ev_init(&io, on_io);
  io.data = "watcher";
  require(pipe(pipe_fds) == 0, "pipe");
  ev_io_set(&io, pipe_fds[0], EV_READ);
  ev_io_start(loop, &io);
  ev_run(loop, EVRUN_NOWAIT);
  ev_timer swap;
  ev_timer_init(&swap, on_swap, 0., 0.);
  swap.data = "swap";
  ev_timer_start(loop, &swap);
  run_guarded();
  return 0;
}
