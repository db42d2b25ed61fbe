/* 600 pipes are watched (more than an io_uring ring's 512 completion entries) while nothing is
 * readable; one timer callback then writes a byte to every pipe at once. Each callback reads its
 * byte and stops its watcher. A prepare watcher prints how many callbacks each iteration ran,
 * then everything is made readable once more (watchers restarted) to see the loop after that.
 * Only counts are printed, never the order. */
#include <sys/resource.h>

#include "compat.h"

enum { PIPES = 600 };
static int pipes[PIPES][2];
static ev_io watchers[PIPES];
static ev_timer writer;
static int calls, calls_this_iteration, rounds;

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  if (revents != EV_READ) printf("  unexpected revents %s\n", revents_text(revents));
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
  if (calls == PIPES * (rounds + 1)) {
    if (++rounds == 2) {
      ev_prepare_stop(loop, w);
      return;
    }
    for (int i = 0; i < PIPES; ++i) ev_io_start(loop, &watchers[i]);
    ev_timer_start(loop, &writer);
    printf("restarted every watcher, writing again in 30 ms\n");
  }
}

int main(void) {
  compat_begin();
  struct rlimit limit;
  require(getrlimit(RLIMIT_NOFILE, &limit) == 0, "getrlimit");
  if (limit.rlim_cur < 1400) {
    limit.rlim_cur = limit.rlim_max < 1400 ? limit.rlim_max : 1400;
    require(setrlimit(RLIMIT_NOFILE, &limit) == 0, "setrlimit");
  }
  struct ev_loop *loop = ev_default_loop(0);
  for (int i = 0; i < PIPES; ++i) {
    require(pipe(pipes[i]) == 0, "pipe");
    ev_io_init(&watchers[i], on_readable, pipes[i][0], EV_READ);
    ev_io_start(loop, &watchers[i]);
  }
  ev_timer_init(&writer, on_writer, 0.03, 0.);
  writer.data = "writer";
  ev_timer_start(loop, &writer);
  ev_prepare prepare;
  ev_prepare_init(&prepare, on_prepare);
  ev_prepare_start(loop, &prepare);
  int result = ev_run(loop, 0);
  printf("run returned %d after %u iterations, %d callbacks\n", result, ev_iteration(loop), calls);
  return 0;
}
