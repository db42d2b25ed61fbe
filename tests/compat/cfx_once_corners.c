/* ev_once corners: neither fd nor timeout (nothing ever happens, the loop has nothing to do),
 * READ|WRITE on a socket that is only writable and on one that is both, an fd with no events
 * and a timeout, an ev_once scheduled from an ev_once callback, several ev_once with the same
 * timeout scheduled in one go (their order), and an ev_once whose io and timer are both due in
 * one iteration next to a plain timer and io watcher on the same fd. */
#include <sys/socket.h>

#include "compat.h"

static struct ev_loop *loop;
static int sv[2];

static void on_once(int revents, void *arg) {
  printf("%s %s\n", (const char *)arg, revents_text(revents));
}

static void on_chain(int revents, void *arg) {
  int *left = arg;
  printf("chain %d %s\n", *left, revents_text(revents));
  if (--*left > 0) ev_once(loop, -1, 0, 0., on_chain, arg);
}

static void run(const char *what) {
  printf("%s: run returned %d\n", what, ev_run(loop, 0));
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");

  ev_once(loop, -1, 0, -1., on_once, "nothing");
  run("no fd, no timeout");
  printf("pending count %u\n", ev_pending_count(loop));

  ev_once(loop, sv[0], EV_READ | EV_WRITE, 5., on_once, "rw-writable");
  run("writable socket");
  require(write(sv[1], "x", 1) == 1, "write");
  ev_once(loop, sv[0], EV_READ | EV_WRITE, 5., on_once, "rw-both");
  run("readable and writable socket");
  ev_once(loop, sv[0], EV_READ, 5., on_once, "read-ready");
  run("readable socket, read only");
  char byte;
  require(read(sv[0], &byte, 1) == 1, "read");

  ev_once(loop, sv[0], 0, 0.02, on_once, "no-events");
  run("fd without events");

  int left = 3;
  ev_once(loop, -1, 0, 0., on_chain, &left);
  run("chained");

  ev_once(loop, -1, 0, 0.05, on_once, "same-a");
  ev_once(loop, -1, 0, 0.05, on_once, "same-b");
  ev_once(loop, -1, 0, 0.05, on_once, "same-c");
  ev_once(loop, -1, 0, 0., on_once, "zero");
  run("same timeouts");

  require(write(sv[1], "y", 1) == 1, "write");
  ev_timer t;
  ev_timer_init(&t, TRACE_CB(ev_timer), 0., 0.);
  t.data = "timer";
  ev_io io;
  ev_io_init(&io, TRACE_CB(ev_io), sv[0], EV_READ);
  io.data = "io";
  ev_timer_start(loop, &t);
  ev_once(loop, sv[0], EV_READ, 0., on_once, "once-both-due");
  ev_io_start(loop, &io);
  printf("both due: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_io_stop(loop, &io);
  require(read(sv[0], &byte, 1) == 1, "read");
  run("end");
  return 0;
}
