/* Reduced from fdx_many_late_ready: 30 pipes are watched while nothing is readable, then one
 * timer callback writes a byte to each. Every backend's single wait can return all 30 (libev's
 * epoll has room for 64 events from the start), so all callbacks run in the next iteration.
 * Each callback reads its byte and stops its watcher; only counts are printed. */
#include "compat.h"

enum { PIPES = 30 };
static int pipes[PIPES][2];
static ev_io watchers[PIPES];
static int calls, calls_this_iteration;

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  (void)revents;
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  ev_io_stop(loop, w);
  ++calls_this_iteration;
  ++calls;
}

static void on_writer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  for (int i = 0; i < PIPES; ++i) require(write(pipes[i][1], "x", 1) == 1, "write");
  printf("  wrote to every pipe\n");
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents) {
  (void)revents;
  if (calls_this_iteration)
    printf("iteration %u: %d callbacks, %d in all\n", ev_iteration(loop), calls_this_iteration,
           calls);
  calls_this_iteration = 0;
  if (calls == PIPES) ev_prepare_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  for (int i = 0; i < PIPES; ++i) {
    require(pipe(pipes[i]) == 0, "pipe");
    ev_io_init(&watchers[i], on_readable, pipes[i][0], EV_READ);
    ev_io_start(loop, &watchers[i]);
  }
  ev_timer writer;
  ev_timer_init(&writer, on_writer, 0.03, 0.);
  writer.data = "writer";
  ev_timer_start(loop, &writer);
  ev_prepare prepare;
  ev_prepare_init(&prepare, on_prepare);
  ev_prepare_start(loop, &prepare);
  int result = ev_run(loop, 0);
  printf("run returned %d after %u iterations\n", result, ev_iteration(loop));
  return 0;
}
