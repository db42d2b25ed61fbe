/* Closing a watched fd (after stopping its watcher) and getting the same number back from a new
 * pipe: the old pipe's readiness must never reach the new watcher. Done once with loop
 * iterations between the steps and once entirely inside one callback. */
#include "compat.h"

static int old_pipe[2], new_pipe[2];
static ev_io old_watcher, new_watcher;

static void on_old(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
}

static void on_new(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  ssize_t n = read(w->fd, &c, 1);
  printf("  read %zd byte(s)%s\n", n, n == 1 && c == 'n' ? " from the new pipe" : "");
}

static void open_old_pipe(void) {
  require(pipe(old_pipe) == 0, "pipe");
  require(write(old_pipe[1], "o", 1) == 1, "write");
}

/* Stops the old watcher, closes the old pipe and starts the new watcher on the reused number. */
static void swap_pipes(struct ev_loop *loop) {
  ev_io_stop(loop, &old_watcher);
  close(old_pipe[0]);
  close(old_pipe[1]);
  require(pipe(new_pipe) == 0, "pipe");
  printf("  new pipe reuses the read fd number: %s\n", new_pipe[0] == old_pipe[0] ? "yes" : "no");
  ev_io_set(&new_watcher, new_pipe[0], EV_READ);
  ev_io_start(loop, &new_watcher);
}

static void on_swap_timer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  swap_pipes(loop);
}

static void check_new_pipe(struct ev_loop *loop) {
  printf("nowait: the new pipe is empty\n");
  ev_run(loop, EVRUN_NOWAIT);
  require(write(new_pipe[1], "n", 1) == 1, "write");
  printf("once: the new pipe has data\n");
  ev_run(loop, EVRUN_ONCE);
  ev_io_stop(loop, &new_watcher);
  close(new_pipe[0]);
  close(new_pipe[1]);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_init(&old_watcher, on_old);
  ev_init(&new_watcher, on_new);
  old_watcher.data = "old";
  new_watcher.data = "new";

  printf("scenario: iterations between the steps\n");
  open_old_pipe();
  ev_io_set(&old_watcher, old_pipe[0], EV_READ);
  ev_io_start(loop, &old_watcher);
  ev_run(loop, EVRUN_ONCE);
  swap_pipes(loop);
  check_new_pipe(loop);

  printf("scenario: all steps inside one callback\n");
  open_old_pipe();
  ev_io_set(&old_watcher, old_pipe[0], EV_READ);
  ev_io_start(loop, &old_watcher);
  ev_timer swap_timer;
  ev_timer_init(&swap_timer, on_swap_timer, 0., 0.);
  swap_timer.data = "swap-timer";
  ev_timer_start(loop, &swap_timer);
  ev_run(loop, EVRUN_ONCE);
  check_new_pipe(loop);

  printf("scenario: never registered before the swap\n");
  open_old_pipe();
  ev_io_set(&old_watcher, old_pipe[0], EV_READ);
  ev_io_start(loop, &old_watcher);
  swap_pipes(loop);
  check_new_pipe(loop);
  printf("final run returned %d\n", ev_run(loop, 0));
  return 0;
}
