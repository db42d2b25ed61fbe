/* ev_io_set on a stopped watcher moves it to another fd: afterwards only the new fd may wake
 * it, even though the old fd still has unread data. */
#include "compat.h"

static int pipe_a[2], pipe_b[2];

static const char *fd_name(int fd) {
  return fd == pipe_a[0] ? "A" : fd == pipe_b[0] ? "B" : "unknown";
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  printf("  fd %s gave '%c'\n", fd_name(w->fd), c);
}

static void run_once(struct ev_loop *loop, const char *what, int flags) {
  printf("%s\n", what);
  ev_run(loop, flags);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(pipe_a) == 0 && pipe(pipe_b) == 0, "pipe");
  require(write(pipe_a[1], "aa", 2) == 2 && write(pipe_b[1], "b", 1) == 1, "write");

  ev_io w;
  ev_io_init(&w, on_read, pipe_a[0], EV_READ);
  w.data = "w";
  ev_io_start(loop, &w);
  run_once(loop, "watching A", EVRUN_ONCE);

  ev_io_stop(loop, &w);
  ev_io_set(&w, pipe_b[0], EV_READ);
  printf("moved to %s while stopped\n", fd_name(w.fd));
  show_state(&w);
  ev_io_start(loop, &w);
  run_once(loop, "watching B", EVRUN_ONCE);
  run_once(loop, "B is empty, A still has data", EVRUN_NOWAIT);

  /* Two moves before the loop gets to look at the fds again. */
  ev_io_stop(loop, &w);
  ev_io_set(&w, pipe_a[0], EV_READ);
  ev_io_start(loop, &w);
  ev_io_stop(loop, &w);
  ev_io_set(&w, pipe_b[0], EV_READ);
  ev_io_start(loop, &w);
  printf("moved A then back to %s without an iteration in between\n", fd_name(w.fd));
  run_once(loop, "B is still empty", EVRUN_NOWAIT);
  require(write(pipe_b[1], "c", 1) == 1, "write");
  run_once(loop, "B has data again", EVRUN_ONCE);

  ev_io_stop(loop, &w);
  ev_io_set(&w, pipe_a[0], EV_READ);
  printf("set to %s but never started\n", fd_name(w.fd));
  run_once(loop, "nothing is watched", EVRUN_NOWAIT);
  show_state(&w);
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
