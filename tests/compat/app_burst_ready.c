/* Reduced from app_many_clients: 40 connections whose watchers are armed (one iteration has
 * run) all receive a request while the loop is not waiting, as after a long callback. One
 * iteration must report all 40: libev's epoll backend takes up to 64 events per epoll_wait
 * (and select and poll have no limit), so each ev_run with EVRUN_ONCE or EVRUN_NOWAIT below
 * serves the whole burst. Printed: how many callbacks each run made. */
#include <sys/socket.h>

#include "compat.h"

#define CONNS 40

static ev_io watchers[CONNS];
static int clients[CONNS];
static int served;

static void server_cb(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop, (void)revents;
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  ++served;
}

static void burst(struct ev_loop *loop, int flags, const char *name) {
  printf("%s\n", name);
  for (int i = 0; i < CONNS; ++i) require(write(clients[i], "x", 1) == 1, "write");
  unsigned start = ev_iteration(loop);
  while (served < CONNS) {
    int before = served;
    ev_run(loop, flags);
    printf("  iteration +%u served %d\n", ev_iteration(loop) - start, served - before);
  }
  served = 0;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  for (int i = 0; i < CONNS; ++i) {
    int s[2];
    require(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
    clients[i] = s[1];
    ev_io_init(&watchers[i], server_cb, s[0], EV_READ);
    ev_io_start(loop, &watchers[i]);
  }
  ev_run(loop, EVRUN_NOWAIT);
  burst(loop, EVRUN_ONCE, "EVRUN_ONCE");
  burst(loop, EVRUN_NOWAIT, "EVRUN_NOWAIT");
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
