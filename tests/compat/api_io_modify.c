/* ev_io_modify (libev 4.33): the events member before and after start (ev_io_set marks the fd
 * as possibly new, a start consumes that mark, ev_io_modify keeps it as it is), a mask changed
 * with ev_io_modify while stopped taking effect at the next start, and READ|WRITE on a
 * socketpair reported in one callback. */
#include <sys/socket.h>

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

static void events(const char *when) {
  printf("  %s: events %s\n", when, revents_text(io.events));
}

static void run_guarded(void) {
  ev_timer_init(&guard, on_guard, 0.2, 0.);
  guard.data = "guard";
  ev_timer_start(loop, &guard);
  ev_run(loop, 0);
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  int sv[2];
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");

  printf("events member\n");
  ev_io_init(&io, on_io, sv[0], EV_READ);
  io.data = "socket";
  events("after init");
  ev_io_start(loop, &io);
  events("after start");
  ev_io_stop(loop, &io);
  events("after stop");
  ev_io_modify(&io, EV_READ | EV_WRITE);
  events("after modify");
  ev_io_set(&io, sv[0], EV_WRITE);
  ev_io_modify(&io, EV_READ | EV_WRITE);
  events("after set, then modify");

  printf("READ|WRITE on a socket with data\n");
  require(write(sv[1], "x", 1) == 1, "write");
  ev_io_start(loop, &io);
  events("started");
  run_guarded();

  printf("modified to WRITE while stopped\n");
  ev_io_modify(&io, EV_WRITE);
  ev_io_start(loop, &io);
  run_guarded();

  return 0;
}
