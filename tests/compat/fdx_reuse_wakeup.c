/* Reduced from fdx_stop_close_reuse: a reader stops itself in its callback with its pipe still
 * readable, closes the pipe (the documented order: stop, then close), and a new, already
 * readable pipe that nothing watches takes the fd number. The loop must not wake up for the
 * new pipe: on libev's epoll the closed file's registration is gone with it. A check watcher
 * traces the iterations; a timer ends the run. */
#include "compat.h"

static int fds[2], fresh[2];

static void on_reader(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  ev_io_stop(loop, w);
  require(close(fds[0]) == 0, "close");
  require(pipe(fresh) == 0, "pipe");
  require(write(fresh[1], "n", 1) == 1, "write");
  printf("  stopped, closed; a readable new pipe %s the number\n",
         fresh[0] == fds[0] ? "reuses" : "does not reuse");
}

static void on_finisher(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  stop_tracing_iterations(loop);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_timer finisher;
  ev_timer_init(&finisher, on_finisher, 0.1, 0.);
  finisher.data = "finisher";
  ev_timer_start(loop, &finisher);
  require(pipe(fds) == 0, "pipe");
  require(write(fds[1], "xx", 2) == 2, "write");
  ev_io reader;
  ev_io_init(&reader, on_reader, fds[0], EV_READ);
  reader.data = "reader";
  ev_io_start(loop, &reader);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("run returned %d after %u iterations\n", result, ev_iteration(loop));
  return 0;
}
