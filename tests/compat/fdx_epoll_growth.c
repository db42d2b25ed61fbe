/* Reduced from fdx_many_ready: 200 pipes readable at once, each callback drains its pipe. How
 * many callbacks each iteration gets shows how many events one wait of the backend returns:
 * select and poll report every ready fd; libev's epoll backend starts with room for 64 events
 * and enlarges its event array whenever a wait fills it. Only counts are printed. */
#include <sys/resource.h>

#include "compat.h"

enum { PIPES = 200 };
static int pipes[PIPES][2];
static ev_io watchers[PIPES];
static int calls, calls_this_iteration;

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop;
  (void)revents;
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  ev_io_stop(loop, w);
  ++calls_this_iteration;
  ++calls;
}

/* Runs after the callbacks of an iteration, before the next poll. */
static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents) {
  (void)revents;
  if (ev_iteration(loop) > 0)
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
    require(write(pipes[i][1], "x", 1) == 1, "write");
    ev_io_init(&watchers[i], on_readable, pipes[i][0], EV_READ);
    ev_io_start(loop, &watchers[i]);
  }
  ev_prepare prepare;
  ev_prepare_init(&prepare, on_prepare);
  ev_prepare_start(loop, &prepare);
  int result = ev_run(loop, 0);
  printf("run returned %d after %u iterations\n", result, ev_iteration(loop));
  return 0;
}
