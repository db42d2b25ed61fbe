/* Sixty periodics of five kinds: one-shot in the past, one-shot far ahead, a shared 1/1024 s
 * grid, and reschedule callbacks answering "now" or "far ahead". Their callbacks stop, re-arm
 * (ev_periodic_again), feed and re-kind other periodics. Iterations are 0.1 s apart, so grid
 * and "now" periodics are due again in every iteration; offsets are multiples of 1/1024 s, so
 * equal times are exactly equal and the heap alone orders them. Reschedule callback calls are
 * counted and printed; ev_periodic_at is printed only as a category relative to ev_now. */
#include "compat.h"

#define N 60
static ev_periodic p[N];
static char names[N][8];
static int kind[N];
static int resched_calls[N];
static unsigned seed = 88172645u;
static unsigned rnd(void) {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}
static int idx(ev_periodic *w) {
  return (int)(w - p);
}

static ev_tstamp resched_now(ev_periodic *w, ev_tstamp now) {
  ++resched_calls[idx(w)];
  return now;
}
static ev_tstamp resched_far(ev_periodic *w, ev_tstamp now) {
  ++resched_calls[idx(w)];
  return now + 1000.;
}

static void set_kind(struct ev_loop *loop, int i, int k) {
  ev_tstamp now = ev_now(loop);
  kind[i] = k;
  switch (k) {
    case 0:
      ev_periodic_set(&p[i], now - 1. - (ev_tstamp)(rnd() % 64) / 1024., 0., 0);
      break;
    case 1:
      ev_periodic_set(&p[i], now + 1000., 0., 0);
      break;
    case 2:
      ev_periodic_set(&p[i], 0., 1. / 1024., 0);
      break;
    case 3:
      ev_periodic_set(&p[i], 0., 0., resched_now);
      break;
    default:
      ev_periodic_set(&p[i], 0., 0., resched_far);
      break;
  }
}

static const char *where(struct ev_loop *loop, ev_periodic *w) {
  ev_tstamp d = ev_periodic_at(w) - ev_now(loop);
  if (d < -0.5) return "past";
  if (d >= -0.01 && d <= 0.01) return "near";
  if (d > 100.) return "far";
  return "other";
}

static void on_periodic(struct ev_loop *loop, ev_periodic *w, int revents) {
  int i = idx(w);
  if (revents != EV_PERIODIC) printf("  %d odd revents %s\n", i, revents_text(revents));
  unsigned op = rnd() % 8;
  int j = (int)(rnd() % N);
  ev_periodic *o = &p[j];
  int a = !!ev_is_active(o), pe = !!ev_is_pending(o);
  printf("  %2d(k%d a%d %s)", i, kind[i], !!ev_is_active(w), where(loop, w));
  switch (op) {
    case 0:
      ev_periodic_stop(loop, o);
      printf(" stop %2d (a%d p%d) pc=%u\n", j, a, pe, ev_pending_count(loop));
      break;
    case 1:
      ev_periodic_again(loop, o);
      printf(" again %2d (a%d p%d) -> %s pc=%u\n", j, a, pe, where(loop, o),
             ev_pending_count(loop));
      break;
    case 2:
      ev_periodic_stop(loop, o);
      set_kind(loop, j, (int)(rnd() % 5));
      ev_periodic_start(loop, o);
      printf(" rekind %2d to k%d (a%d p%d) -> %s pc=%u\n", j, kind[j], a, pe, where(loop, o),
             ev_pending_count(loop));
      break;
    case 3:
      ev_feed_event(loop, o, EV_PERIODIC);
      printf(" feed %2d (a%d p%d) pc=%u\n", j, a, pe, ev_pending_count(loop));
      break;
    default:
      printf("\n");
      break;
  }
}

static void on_check(struct ev_loop *loop, ev_check *w, int revents) {
  (void)w;
  (void)revents;
  int counts[4] = {0, 0, 0, 0}, active = 0, calls = 0;
  for (int i = 0; i < N; ++i) {
    calls += resched_calls[i];
    if (!ev_is_active(&p[i])) continue;
    ++active;
    const char *c = where(loop, &p[i]);
    counts[c[0] == 'p' ? 0 : c[0] == 'n' ? 1 : c[0] == 'f' ? 2 : 3]++;
  }
  printf("end of iteration %u: active %d past %d near %d far %d other %d resched calls %d\n",
         ev_iteration(loop), active, counts[0], counts[1], counts[2], counts[3], calls);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_check check;
  ev_check_init(&check, on_check);
  ev_set_priority(&check, EV_MINPRI);
  ev_check_start(loop, &check);
  for (int i = 0; i < N; ++i) {
    snprintf(names[i], sizeof names[i], "p%d", i);
    ev_periodic_init(&p[i], on_periodic, 0., 0., 0);
    p[i].data = names[i];
    set_kind(loop, i, (int)(rnd() % 5));
    if (rnd() % 6) ev_periodic_start(loop, &p[i]);
  }
  int calls = 0;
  for (int i = 0; i < N; ++i) calls += resched_calls[i];
  printf("started, resched calls %d pending %u\n", calls, ev_pending_count(loop));
  for (int it = 0; it < 8; ++it) {
    ev_sleep(0.1); /* every grid and "now" periodic is due, including those just started */
    ev_run(loop, EVRUN_NOWAIT);
  }
  for (int i = 0; i < N; ++i) ev_periodic_stop(loop, &p[i]);
  ev_check_stop(loop, &check);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
