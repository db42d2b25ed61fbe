/* Hundreds of fds ready at once: 300 socketpairs, both ends watched for reading (600 fds, more
 * than an io_uring ring's 256 submission and 512 completion entries), two bytes waiting on each.
 * Every callback reads one byte, so each fd is reported twice before it is drained. Once all are
 * drained, every fd gets one byte more at once. The trace shows, per iteration, how many
 * callbacks ran and in which order (watcher indices, never fd numbers), counted by a prepare
 * watcher, which runs after all callbacks, just before the loop polls. */
#include <sys/resource.h>
#include <sys/socket.h>

#include "compat.h"

enum { PAIRS = 300, FDS = 2 * PAIRS };
static int fds[FDS];
static ev_io watchers[FDS];
static int calls, calls_this_iteration, phase;

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop;
  if (revents != EV_READ) printf("  unexpected revents %s\n", revents_text(revents));
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  if (calls_this_iteration++ == 0) printf("[iter %u] order:\n", ev_iteration(loop));
  print_column((int)(w - watchers));
  ++calls;
}

static void refill(int bytes) {
  for (int i = 0; i < PAIRS; ++i)
    for (int side = 0; side < 2; ++side)
      require(write(fds[2 * i + side], "xx", bytes) == bytes, "write");
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents) {
  (void)w;
  (void)revents;
  end_columns();
  printf("  before polling (iteration count %u): %d callbacks, %d in all\n", ev_iteration(loop),
         calls_this_iteration, calls);
  calls_this_iteration = 0;
  if (phase == 0 && calls == 2 * FDS) {
    phase = 1;
    printf("all drained: one more byte to every fd\n");
    refill(1);
  } else if (phase == 1 && calls == 3 * FDS) {
    printf("all drained again: stopping\n");
    for (int i = 0; i < FDS; ++i) ev_io_stop(loop, &watchers[i]);
    ev_ref(loop);
    ev_prepare_stop(loop, w);
  } else if (ev_iteration(loop) > 200) {
    printf("too many iterations\n");
    ev_break(loop, EVBREAK_ALL);
  }
}

int main(void) {
  compat_begin();
  struct rlimit limit;
  require(getrlimit(RLIMIT_NOFILE, &limit) == 0, "getrlimit");
  if (limit.rlim_cur < 2000) {
    limit.rlim_cur = limit.rlim_max < 2000 ? limit.rlim_max : 2000;
    require(setrlimit(RLIMIT_NOFILE, &limit) == 0, "setrlimit");
  }
  struct ev_loop *loop = ev_default_loop(0);
  for (int i = 0; i < PAIRS; ++i)
    require(socketpair(AF_UNIX, SOCK_STREAM, 0, &fds[2 * i]) == 0, "socketpair");
  refill(2);
  for (int i = 0; i < FDS; ++i) {
    ev_io_init(&watchers[i], on_readable, fds[i], EV_READ);
    ev_io_start(loop, &watchers[i]);
  }
  ev_prepare prepare;
  ev_prepare_init(&prepare, on_prepare);
  ev_prepare_start(loop, &prepare);
  ev_unref(loop);
  int result = ev_run(loop, 0);
  printf("run returned %d after %u iterations, %d callbacks\n", result, ev_iteration(loop), calls);
  return 0;
}
