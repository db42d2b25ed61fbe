/* A signal, an expired timer and a ready fd handled in the same iteration: libev queues them in
 * a fixed order (io during the poll, then timers, then signals from its wakeup handler), and
 * callbacks of one priority run last-queued first, unless priorities say otherwise. */
#include <signal.h>

#include "compat.h"

static int fds[2];
static ev_io reader;
static ev_timer timer, chainer;
static ev_signal usr1;

static void on_reader(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
}

/* Makes all three ready in the same iteration: the signal arrives before the loop polls. */
static void make_all_ready(struct ev_loop *loop) {
  require(write(fds[1], "x", 1) == 1, "write");
  ev_timer_start(loop, &timer);
  raise(SIGUSR1);
}

static void on_chainer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  make_all_ready(loop);
  printf("  made io, timer and signal ready for the next iteration\n");
}

static void set_priorities(int io, int timer_priority, int signal) {
  ev_set_priority(&reader, io);
  ev_set_priority(&timer, timer_priority);
  ev_set_priority(&usr1, signal);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(fds) == 0, "pipe");
  ev_io_init(&reader, on_reader, fds[0], EV_READ);
  ev_timer_init(&timer, TRACE_CB(ev_timer), 0., 0.);
  ev_signal_init(&usr1, TRACE_CB(ev_signal), SIGUSR1);
  reader.data = "io";
  timer.data = "timer";
  usr1.data = "signal";

  printf("all made ready before ev_run\n");
  ev_io_start(loop, &reader);
  ev_signal_start(loop, &usr1);
  make_all_ready(loop);
  ev_run(loop, EVRUN_ONCE);

  printf("all made ready from a callback\n");
  ev_timer_init(&chainer, on_chainer, 0.01, 0.);
  chainer.data = "chainer";
  ev_timer_start(loop, &chainer);
  ev_run(loop, EVRUN_ONCE);
  ev_run(loop, EVRUN_ONCE);

  printf("priorities io=-1 timer=2 signal=1\n");
  ev_io_stop(loop, &reader);
  ev_signal_stop(loop, &usr1);
  set_priorities(-1, 2, 1);
  ev_io_start(loop, &reader);
  ev_signal_start(loop, &usr1);
  make_all_ready(loop);
  ev_run(loop, EVRUN_ONCE);

  printf("priorities io=2 timer=-2 signal=-2\n");
  ev_io_stop(loop, &reader);
  ev_signal_stop(loop, &usr1);
  set_priorities(2, -2, -2);
  ev_io_start(loop, &reader);
  ev_signal_start(loop, &usr1);
  make_all_ready(loop);
  ev_run(loop, EVRUN_ONCE);

  ev_io_stop(loop, &reader);
  ev_signal_stop(loop, &usr1);
  printf("run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
