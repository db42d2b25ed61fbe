/* Fuzz-like churn of prepare, check, idle, async and (already due) timer watchers at random
 * priorities: every callback starts, stops, feeds, sends, clears or re-prioritises another
 * watcher, chosen by a fixed pseudo-random sequence, and prints what it did with the pending
 * count and ev_clear_pending results. Timers are only ever started with negative delays and
 * every run is EVRUN_NOWAIT, so nothing depends on timing. This exercises the order of
 * libev's watcher arrays after removals in the middle and of the per-priority pending queues. */
#include "compat.h"

enum { PER = 5, KINDS = 5, N = PER * KINDS };
static ev_prepare prep[PER];
static ev_check chk[PER];
static ev_idle idl[PER];
static ev_async asy[PER];
static ev_timer tim[PER];
static char names[N][8];
static int calls;
static unsigned seed = 521288629u;
static unsigned rnd(void) {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

static void *watcher(int k) {
  int i = k % PER;
  switch (k / PER) {
    case 0:
      return &prep[i];
    case 1:
      return &chk[i];
    case 2:
      return &idl[i];
    case 3:
      return &asy[i];
    default:
      return &tim[i];
  }
}

static void start(struct ev_loop *loop, int k) {
  int i = k % PER;
  switch (k / PER) {
    case 0:
      ev_prepare_start(loop, &prep[i]);
      break;
    case 1:
      ev_check_start(loop, &chk[i]);
      break;
    case 2:
      ev_idle_start(loop, &idl[i]);
      break;
    case 3:
      ev_async_start(loop, &asy[i]);
      break;
    default:
      if (!ev_is_active(&tim[i])) ev_timer_set(&tim[i], -(ev_tstamp)(1 + rnd() % 16) / 64., 0.);
      ev_timer_start(loop, &tim[i]);
      break;
  }
}

static void stop(struct ev_loop *loop, int k) {
  int i = k % PER;
  switch (k / PER) {
    case 0:
      ev_prepare_stop(loop, &prep[i]);
      break;
    case 1:
      ev_check_stop(loop, &chk[i]);
      break;
    case 2:
      ev_idle_stop(loop, &idl[i]);
      break;
    case 3:
      ev_async_stop(loop, &asy[i]);
      break;
    default:
      ev_timer_stop(loop, &tim[i]);
      break;
  }
}

static void on_any(struct ev_loop *loop, ev_watcher *w, int revents) {
  printf("[%u] %s %s:", ev_iteration(loop), label_of(w), revents_text(revents));
  if (++calls > 2000) {
    printf(" limit\n");
    ev_break(loop, EVBREAK_ALL);
    return;
  }
  int ops = 1 + (int)(rnd() % 2);
  for (int n = 0; n < ops; ++n) {
    int k = (int)(rnd() % N);
    void *o = watcher(k);
    switch (rnd() % 8) {
      case 0:
      case 1:
        stop(loop, k);
        printf(" stop %s", names[k]);
        break;
      case 2:
        if (!ev_is_active(o)) ev_set_priority(o, (int)(rnd() % 5) - 2);
        /* fall through */
      case 3:
        start(loop, k);
        printf(" start %s@%d", names[k], ev_priority(o));
        break;
      case 4:
        ev_feed_event(loop, o, EV_CUSTOM);
        printf(" feed %s", names[k]);
        break;
      case 5:
        printf(" clear %s=%s", names[k], revents_text(ev_clear_pending(loop, o)));
        break;
      case 6:
        if (k / PER == 3) {
          ev_async_send(loop, &asy[k % PER]);
          printf(" send %s", names[k]);
        } else {
          printf(" %s a%d p%d", names[k], !!ev_is_active(o), !!ev_is_pending(o));
        }
        break;
      default:
        break;
    }
  }
  printf(" pc=%u\n", ev_pending_count(loop));
}

static void one_seed(unsigned first_seed) {
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  static const char kind_names[] = "PCIAT";
  seed = first_seed;
  calls = 0;
  printf("seed %u\n", first_seed);
  for (int k = 0; k < N; ++k) {
    snprintf(names[k], sizeof names[k], "%c%d", kind_names[k / PER], k % PER);
    ev_watcher *w = watcher(k);
    ev_init(w, on_any);
    w->data = names[k];
    ev_set_priority(w, (int)(rnd() % 5) - 2);
  }
  for (int k = 0; k < N; ++k)
    if (rnd() % 3) start(loop, k);
  ev_async_send(loop, &asy[1]);
  ev_async_send(loop, &asy[3]);
  for (int it = 0; it < 12; ++it) {
    int r = ev_run(loop, EVRUN_NOWAIT);
    int active = 0;
    for (int k = 0; k < N; ++k) active += !!ev_is_active(watcher(k));
    printf("-- run %d returned %d, active %d, pending %u\n", it, r, active, ev_pending_count(loop));
  }
  for (int k = 0; k < N; ++k) stop(loop, k);
  printf("final run returned %d\n", ev_run(loop, 0));
  ev_loop_destroy(loop);
}

int main(int argc, char **argv) {
  compat_begin();
  unsigned seeds = argc > 1 ? (unsigned)atoi(argv[1]) : 6;
  for (unsigned s = 1; s <= seeds; ++s) one_seed(s * 2654435761u);
  return 0;
}
