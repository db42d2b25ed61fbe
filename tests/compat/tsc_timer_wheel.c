/* A wheel of 200 timers that are all already due (negative delays, multiples of 1/1024 s so
 * sums stay exact), with mixed repeats, whose callbacks stop, re-arm, restart, feed and
 * re-repeat other timers, some of them pending in the same iteration. Every timer that fires
 * is due by at least 0.2 s or is a repeat clamped to the iteration's time, so only the heap
 * decides the order. Each iteration runs with EVRUN_NOWAIT, 0.1 s after the previous one, so
 * repeats of a few ms always make a timer due again in the next one. */
#include "compat.h"

#define N 200
static ev_timer t[N];
static char names[N][8];
static unsigned seed = 2463534242u;
static unsigned rnd(void) {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}
static int idx(ev_timer *w) {
  return (int)(w - t);
}

static ev_tstamp past_delay(void) {
  return -(256 + (ev_tstamp)(rnd() % 512)) / 1024.;
}
static ev_tstamp some_repeat(void) {
  switch (rnd() % 4) {
    case 0:
      return 0.;
    case 1:
      return 1000.;
    case 2:
      return (ev_tstamp)(1 + rnd() % 8) / 1024.;
    default:
      return 0.;
  }
}

static int fired;
static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
  int i = idx(w);
  if (revents != EV_TIMER) printf("  %d odd revents %s\n", i, revents_text(revents));
  ++fired;
  unsigned op = rnd() % 10;
  int j = (int)(rnd() % N);
  ev_timer *o = &t[j];
  int was_pending = !!ev_is_pending(o), was_active = !!ev_is_active(o);
  switch (op) {
    case 0:
      ev_timer_stop(loop, o);
      printf("  %3d stop %3d (a%d p%d) pc=%u\n", i, j, was_active, was_pending,
             ev_pending_count(loop));
      break;
    case 1:
      ev_timer_again(loop, o);
      printf("  %3d again %3d (a%d p%d) -> a%d pc=%u\n", i, j, was_active, was_pending,
             !!ev_is_active(o), ev_pending_count(loop));
      break;
    case 2:
      ev_timer_stop(loop, w);
      ev_timer_set(w, past_delay(), some_repeat());
      ev_timer_start(loop, w);
      printf("  %3d restart self pc=%u\n", i, ev_pending_count(loop));
      break;
    case 3:
      ev_timer_stop(loop, o);
      ev_timer_set(o, past_delay(), some_repeat());
      ev_timer_start(loop, o);
      printf("  %3d restart %3d (a%d p%d) pc=%u\n", i, j, was_active, was_pending,
             ev_pending_count(loop));
      break;
    case 4:
      ev_feed_event(loop, o, EV_TIMER);
      printf("  %3d feed %3d (a%d p%d) pc=%u\n", i, j, was_active, was_pending,
             ev_pending_count(loop));
      break;
    case 5:
      o->repeat = some_repeat();
      printf("  %3d repeat %3d (a%d p%d)\n", i, j, was_active, was_pending);
      break;
    default:
      break;
  }
}

static void on_check(struct ev_loop *loop, ev_check *w, int revents) {
  (void)w;
  (void)revents;
  int active = 0, pending = 0, zero = 0, future = 0, past = 0;
  for (int i = 0; i < N; ++i) {
    if (ev_is_pending(&t[i])) ++pending;
    if (!ev_is_active(&t[i])) continue;
    ++active;
    ev_tstamp r = ev_timer_remaining(loop, &t[i]);
    if (r > 100.)
      ++future;
    else if (r > -0.1)
      ++zero;
    else
      ++past;
  }
  printf("end of iteration %u: fired %d active %d pending %d (future %d now %d past %d)\n",
         ev_iteration(loop), fired, active, pending, future, zero, past);
  fired = 0;
}

static void on_order(struct ev_loop *loop, ev_prepare *w, int revents) {
  (void)loop;
  (void)w;
  (void)revents;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_check check;
  ev_prepare prep;
  ev_check_init(&check, on_check);
  ev_set_priority(&check, EV_MINPRI);
  ev_check_start(loop, &check);
  ev_prepare_init(&prep, on_order);
  ev_prepare_start(loop, &prep);
  for (int i = 0; i < N; ++i) {
    snprintf(names[i], sizeof names[i], "t%d", i);
    ev_timer_init(&t[i], on_timer, past_delay(), some_repeat());
    t[i].data = names[i];
    if (rnd() % 8) ev_timer_start(loop, &t[i]);
  }
  printf("pending before run %u\n", ev_pending_count(loop));
  for (int it = 0; it < 12; ++it) {
    ev_run(loop, EVRUN_NOWAIT);
    ev_sleep(0.1); /* small repeats and re-armed timers are due again in the next iteration */
  }
  for (int i = 0; i < N; ++i) ev_timer_stop(loop, &t[i]);
  ev_check_stop(loop, &check);
  ev_prepare_stop(loop, &prep);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
