/* Several watchers with different masks on one fd: the invocation order and revents each gets,
 * a pending sibling stopped by an earlier callback, and a sibling started from a callback. */
#include <sys/socket.h>

#include "compat.h"

static ev_io watchers[5];

static void on_ready(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  if (w == &watchers[0] && ev_is_active(&watchers[2])) {
    show_state(&watchers[2]);
    ev_io_stop(loop, &watchers[2]);
    printf("  stopped %s\n", label_of(&watchers[2]));
    show_state(&watchers[2]);
  }
  if (w == &watchers[1] && !ev_is_active(&watchers[4])) {
    ev_io_start(loop, &watchers[4]);
    printf("  started %s\n", label_of(&watchers[4]));
    show_state(&watchers[4]);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  int fds[2];
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
  require(write(fds[1], "x", 1) == 1, "write");

  static const struct {
    const char *label;
    int events;
  } specs[] = {{"a-read", EV_READ},
               {"b-write", EV_WRITE},
               {"c-readwrite", EV_READ | EV_WRITE},
               {"d-read", EV_READ},
               {"e-readwrite", EV_READ | EV_WRITE}};
  for (int i = 0; i < 5; ++i) {
    ev_io_init(&watchers[i], on_ready, fds[0], specs[i].events);
    watchers[i].data = (void *)specs[i].label;
  }
  for (int i = 0; i < 4; ++i) ev_io_start(loop, &watchers[i]);

  for (int round = 1; round <= 3; ++round) {
    printf("round %d\n", round);
    ev_run(loop, EVRUN_ONCE);
  }

  printf("reverse start order\n");
  for (int i = 0; i < 5; ++i) ev_io_stop(loop, &watchers[i]);
  for (int i = 4; i >= 0; --i)
    if (i != 2 && i != 4) ev_io_start(loop, &watchers[i]);
  ev_run(loop, EVRUN_ONCE);
  for (int i = 0; i < 5; ++i) ev_io_stop(loop, &watchers[i]);
  printf("final run returned %d\n", ev_run(loop, 0));
  return 0;
}
