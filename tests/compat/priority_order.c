/* Priorities: watchers of all priorities pending in one iteration run highest first (and, within
 * one priority, last-queued first); an event fed from a low priority callback to a higher
 * priority watcher runs next; ev_set_priority values are clamped when the watcher starts; idle
 * watchers of lower priority starve while a higher priority idle watcher is active. */
#include "compat.h"

enum { TIMERS = 7 };
static ev_timer timers[TIMERS];
static ev_idle fed_high, fed_low;
static ev_idle idle_high, idle_low;
static int idle_high_calls;

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  printf("  priority %d\n", ev_priority(w));
  if (w == &timers[0]) {
    ev_feed_event(loop, &fed_high, EV_CUSTOM);
    ev_feed_event(loop, &fed_low, EV_CUSTOM);
    printf("  fed fed-high and fed-low\n");
  }
}

static void on_idle_high(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  if (++idle_high_calls == 3) ev_idle_stop(loop, w);
}

static void on_idle_low(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  ev_idle_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  printf("EV_MINPRI %d EV_MAXPRI %d\n", EV_MINPRI, EV_MAXPRI);

  /* All expire in the first iteration; expiry order differs from priority order. */
  static const struct {
    const char *label;
    int priority;
    double after;
  } specs[TIMERS] = {{"t0-feeder", -1, -0.7}, {"t1", 2, -0.6},  {"t2", -2, -0.5}, {"t3", 0, -0.4},
                     {"t4", 1, -0.3},         {"t5", -1, -0.2}, {"t6", 0, -0.1}};
  for (int i = 0; i < TIMERS; ++i) {
    ev_timer_init(&timers[i], on_timer, specs[i].after, 0.);
    ev_set_priority(&timers[i], specs[i].priority);
    timers[i].data = (void *)specs[i].label;
    ev_timer_start(loop, &timers[i]);
  }
  ev_idle_init(&fed_high, TRACE_CB(ev_idle));
  ev_idle_init(&fed_low, TRACE_CB(ev_idle));
  ev_set_priority(&fed_high, 2);
  ev_set_priority(&fed_low, -2);
  fed_high.data = "fed-high";
  fed_low.data = "fed-low";
  printf("run returned %d\n", ev_run(loop, 0));

  printf("clamping\n");
  ev_timer clamped;
  ev_timer_init(&clamped, on_timer, 100., 0.);
  clamped.data = "clamped";
  ev_set_priority(&clamped, 7);
  printf("  set 7, before start: %d\n", ev_priority(&clamped));
  ev_timer_start(loop, &clamped);
  printf("  after start: %d\n", ev_priority(&clamped));
  ev_timer_stop(loop, &clamped);
  ev_set_priority(&clamped, -9);
  ev_timer_start(loop, &clamped);
  printf("  set -9, after start: %d\n", ev_priority(&clamped));
  ev_timer_stop(loop, &clamped);

  printf("idle watchers\n");
  ev_idle_init(&idle_high, on_idle_high);
  ev_idle_init(&idle_low, on_idle_low);
  ev_set_priority(&idle_high, 1);
  ev_set_priority(&idle_low, -1);
  idle_high.data = "idle-high";
  idle_low.data = "idle-low";
  ev_idle_start(loop, &idle_low);
  ev_idle_start(loop, &idle_high);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("idle next to a pending io watcher of lower priority\n");
  int fds[2];
  require(pipe(fds) == 0, "pipe");
  ev_io writable;
  ev_io_init(&writable, TRACE_CB(ev_io), fds[1], EV_WRITE);
  ev_set_priority(&writable, -2);
  writable.data = "writable-low";
  ev_io_start(loop, &writable);
  idle_high_calls = 0;
  ev_idle_start(loop, &idle_high);
  ev_idle_start(loop, &idle_low);
  ev_run(loop, EVRUN_ONCE);
  ev_run(loop, EVRUN_ONCE);
  ev_io_stop(loop, &writable);
  ev_idle_stop(loop, &idle_high);
  ev_idle_stop(loop, &idle_low);
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
