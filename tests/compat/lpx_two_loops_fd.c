/* Two loops in one thread watching the same fd (and its write end), driven alternately with
 * EVRUN_NOWAIT / EVRUN_ONCE; one loop stops and restarts its watcher, the other keeps it. */
#include "compat.h"

static int fds[2];
static ev_io ra, rb, wa, wb;
static ev_timer ta;
static int consume;

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  if ((revents & EV_READ) && consume) {
    char c;
    require(read(w->fd, &c, 1) == 1, "read");
  }
  if (revents & EV_WRITE) ev_io_stop(loop, w);
}

static void step(struct ev_loop *a, struct ev_loop *b, const char *what) {
  printf("-- %s\n", what);
  printf(" loop A NOWAIT returned %d\n", ev_run(a, EVRUN_NOWAIT));
  printf(" loop B NOWAIT returned %d\n", ev_run(b, EVRUN_NOWAIT));
}

int main(void) {
  compat_begin();
  struct ev_loop *a = ev_default_loop(0);
  struct ev_loop *b = ev_loop_new(0);
  require(b != NULL, "ev_loop_new");
  require(pipe(fds) == 0, "pipe");
  ev_io_init(&ra, on_io, fds[0], EV_READ);
  ra.data = "A-read";
  ev_io_init(&rb, on_io, fds[0], EV_READ);
  rb.data = "B-read";
  ev_io_init(&wa, on_io, fds[1], EV_WRITE);
  wa.data = "A-write";
  ev_io_init(&wb, on_io, fds[1], EV_WRITE);
  wb.data = "B-write";
  ev_io_start(a, &ra);
  ev_io_start(b, &rb);
  ev_io_start(a, &wa);
  ev_io_start(b, &wb);
  step(a, b, "empty pipe, both write ends writable");
  step(a, b, "nothing");
  require(write(fds[1], "12", 2) == 2, "write");
  step(a, b, "two bytes, nobody consumes");
  consume = 1;
  step(a, b, "consuming: A reads one, B reads one");
  step(a, b, "pipe empty again");
  ev_io_stop(a, &ra);
  require(write(fds[1], "3", 1) == 1, "write");
  step(a, b, "A stopped, one byte");
  ev_io_start(a, &ra);
  require(write(fds[1], "45", 2) == 2, "write");
  step(a, b, "A restarted, two bytes");
  ev_loop_destroy(b);
  printf("-- loop B destroyed\n");
  require(write(fds[1], "6", 1) == 1, "write");
  ev_timer_init(&ta, TRACE_CB(ev_timer), 0.2, 0.);
  ta.data = "A-timeout";
  ev_timer_start(a, &ta);
  printf(" loop A ONCE returned %d\n", ev_run(a, EVRUN_ONCE));
  printf(" loop A ONCE returned %d\n", ev_run(a, EVRUN_ONCE));
  ev_io_stop(a, &ra);
  printf(" loop A run returned %d\n", ev_run(a, 0));
  return 0;
}
