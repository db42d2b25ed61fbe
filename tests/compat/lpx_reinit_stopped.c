/* Watchers reused while stopped: ev_io_set to another fd and mask, ev_init + ev_io_set,
 * ev_timer_set / ev_periodic_set with new values, ev_timer_again on a stopped timer after
 * ev_timer_set, and a whole ev_io_init on a watcher that was pending when it got stopped. */
#include "compat.h"

static int p1[2], p2[2];

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  if (revents & EV_READ) {
    char c;
    require(read(w->fd, &c, 1) == 1, "read");
  }
  ev_io_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  require(pipe(p1) == 0 && pipe(p2) == 0, "pipe");
  require(write(p1[1], "a", 1) == 1 && write(p2[1], "b", 1) == 1, "write");

  ev_io io;
  ev_io_init(&io, on_io, p1[0], EV_READ);
  io.data = "io";
  ev_io_start(loop, &io);
  printf("run ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));
  ev_io_set(&io, p2[0], EV_READ);
  ev_io_start(loop, &io);
  printf("moved to pipe 2: run ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));
  ev_io_set(&io, p1[1], EV_WRITE);
  ev_io_start(loop, &io);
  printf("moved to pipe 1 write end: run ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));

  /* make it pending, stop it, re-init entirely and start on another fd */
  require(write(p1[1], "c", 1) == 1, "write");
  ev_io_set(&io, p1[0], EV_READ);
  ev_io_start(loop, &io);
  ev_feed_event(loop, &io, EV_CUSTOM);
  show_state(&io);
  ev_io_stop(loop, &io);
  show_state(&io);
  ev_io_init(&io, on_io, p2[1], EV_WRITE);
  io.data = "io-reinit";
  ev_io_start(loop, &io);
  printf("pending count %u\n", ev_pending_count(loop));
  printf("re-initialised: run ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));
  ev_init(&io, on_io);
  io.data = "io-ev_init";
  ev_io_set(&io, p1[0], EV_READ | EV_WRITE);
  ev_io_start(loop, &io);
  printf("ev_init + ev_io_set: run ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));

  ev_timer t;
  ev_timer_init(&t, TRACE_CB(ev_timer), 100., 0.);
  t.data = "timer";
  ev_timer_start(loop, &t);
  ev_timer_stop(loop, &t);
  ev_timer_set(&t, 0., 0.);
  ev_timer_start(loop, &t);
  printf("timer re-set to 0: run ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));
  ev_timer_set(&t, 100., 0.);
  ev_timer_again(loop, &t);
  printf("ev_timer_again with repeat 0: active %d\n", !!ev_is_active(&t));
  ev_timer_set(&t, 100., 0.05);
  ev_timer_again(loop, &t);
  printf("ev_timer_again with repeat 0.05: active %d remaining<=0.05 %d\n", !!ev_is_active(&t),
         ev_timer_remaining(loop, &t) <= 0.05 + 1e-9);
  ev_timer_set(&t, 0., 0.);
  printf("after ev_timer_set on the active timer: remaining<=0.05 %d\n",
         ev_timer_remaining(loop, &t) <= 0.05 + 1e-9);
  ev_run(loop, EVRUN_ONCE);
  ev_timer_stop(loop, &t);
  printf("timer repeat after stop %.2f\n", t.repeat);

  ev_periodic per;
  ev_periodic_init(&per, TRACE_CB(ev_periodic), 0., 1000., 0);
  per.data = "periodic";
  ev_periodic_start(loop, &per);
  ev_periodic_stop(loop, &per);
  ev_periodic_set(&per, ev_now(loop) - 5., 0., 0);
  ev_periodic_start(loop, &per);
  printf("periodic re-set to the past: run ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));
  show_state(&per);
  ev_periodic_set(&per, 0., 0.05, 0);
  ev_periodic_start(loop, &per);
  printf("periodic interval 0.05 active %d\n", !!ev_is_active(&per));
  ev_periodic_stop(loop, &per);
  printf("final run returned %d\n", ev_run(loop, 0));
  ev_loop_destroy(loop);
  return 0;
}
