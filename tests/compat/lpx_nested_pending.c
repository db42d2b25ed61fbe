/* A nested ev_run started from a callback while other watchers of the same iteration are still
 * pending (same and lower priority): the inner run first invokes what the outer left pending,
 * at depth 2. Covers EVRUN_ONCE, EVRUN_NOWAIT and a full inner run ended by EVBREAK_ONE, and
 * ev_pending_count seen from inside. */
#include "compat.h"

static ev_idle a, b, c, d;
static ev_timer inner_timer;
static int mode;
static int entered;

static void on_watch(struct ev_loop *loop, ev_watcher *w, int revents) {
  trace(loop, w, revents);
  printf("  pending %u\n", ev_pending_count(loop));
  if (w == (ev_watcher *)&inner_timer) {
    ev_break(loop, EVBREAK_ONE);
    return;
  }
  if (w == (ev_watcher *)&b && !entered) {
    entered = 1;
    int flags = mode == 0 ? EVRUN_ONCE : mode == 1 ? EVRUN_NOWAIT : 0;
    if (mode == 2) ev_timer_start(loop, &inner_timer);
    printf("  nested run flags %d\n", flags);
    int r = ev_run(loop, flags);
    printf("  nested run returned %d, now depth %u iteration %u pending %u\n", r, ev_depth(loop),
           ev_iteration(loop), ev_pending_count(loop));
  }
  ev_idle_stop(loop, (ev_idle *)w);
}
#define CB(t) ((void (*)(struct ev_loop *, t *, int))on_watch)

int main(void) {
  compat_begin();
  for (mode = 0; mode < 3; ++mode) {
    printf("== mode %d\n", mode);
    struct ev_loop *loop = ev_loop_new(0);
    require(loop != NULL, "ev_loop_new");
    entered = 0;
    ev_idle *all[] = {&a, &b, &c, &d};
    const char *names[] = {"a-pri0", "b-pri1", "c-pri0", "d-pri-1"};
    int pris[] = {0, 1, 0, -1};
    for (int i = 0; i < 4; ++i) {
      ev_idle_init(all[i], CB(ev_idle));
      all[i]->data = (void *)names[i];
      ev_set_priority(all[i], pris[i]);
      ev_idle_start(loop, all[i]);
    }
    ev_timer_init(&inner_timer, CB(ev_timer), 0., 0.);
    inner_timer.data = "inner-timer";
    int r = ev_run(loop, 0);
    printf("outer run returned %d, iteration %u depth %u\n", r, ev_iteration(loop), ev_depth(loop));
    ev_loop_destroy(loop);
  }
  return 0;
}
