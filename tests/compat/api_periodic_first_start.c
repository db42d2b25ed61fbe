/* Whether starting a periodic refreshes ev_now. The program sleeps 20 ms without updating the
 * loop's time, then starts periodics (absolute, and with a reschedule callback that reports the
 * time it was given): on a loop's first periodic and on later ones, on a loop made with
 * EVFLAG_NOTIMERFD, and for comparison a timer. Only comparisons with 10 ms margins are
 * printed. */
#include "compat.h"

static ev_tstamp given_now;

static ev_tstamp reschedule(ev_periodic *w, ev_tstamp now) {
  (void)w;
  given_now = now;
  return now + 60.;
}

static void check(struct ev_loop *loop, const char *what, ev_watcher *w, int periodic, int cb) {
  ev_tstamp before = ev_now(loop);
  ev_sleep(0.02);
  given_now = 0.;
  if (periodic) {
    ev_periodic *p = (ev_periodic *)w;
    ev_periodic_init(p, TRACE_CB(ev_periodic), before + 60., 0., cb ? reschedule : 0);
    ev_periodic_start(loop, p);
  } else {
    ev_timer *t = (ev_timer *)w;
    ev_timer_init(t, TRACE_CB(ev_timer), 60., 0.);
    ev_timer_start(loop, t);
  }
  printf("  %s: ev_now moved %d", what, ev_now(loop) - before > 0.01);
  if (cb) printf(", callback given the new time %d", given_now - before > 0.01);
  printf("\n");
}

static void scenario(const char *name, unsigned flags) {
  printf("%s\n", name);
  struct ev_loop *loop = ev_loop_new(flags);
  require(loop != NULL, "ev_loop_new");
  ev_timer timer;
  ev_periodic first, second, third;
  check(loop, "timer", (ev_watcher *)&timer, 0, 0);
  check(loop, "first periodic, with callback", (ev_watcher *)&first, 1, 1);
  check(loop, "second periodic", (ev_watcher *)&second, 1, 0);
  ev_periodic_stop(loop, &first);
  ev_periodic_stop(loop, &second);
  check(loop, "third periodic, after the others stopped", (ev_watcher *)&third, 1, 1);
  ev_periodic_stop(loop, &third);
  ev_timer_stop(loop, &timer);
  ev_loop_destroy(loop);
}

static void scenario_absolute_first(void) {
  printf("absolute periodic first\n");
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  ev_periodic first;
  check(loop, "first periodic, absolute", (ev_watcher *)&first, 1, 0);
  ev_periodic_stop(loop, &first);
  ev_loop_destroy(loop);
}

int main(void) {
  compat_begin();
  scenario("flags 0", 0);
  /* LIBEV_FLAGS would replace the flags: keep only the backend it names. */
  const char *env = getenv("LIBEV_FLAGS");
  unsigned backend = env ? (unsigned)atoi(env) & EVBACKEND_MASK : 0;
  scenario("EVFLAG_NOTIMERFD", EVFLAG_NOTIMERFD | EVFLAG_NOENV | backend);
  scenario_absolute_first();
  return 0;
}
