/* ev_break with EVBREAK_ONE, EVBREAK_ALL and EVBREAK_CANCEL, including nested ev_run calls from
 * inside callbacks. Idle watchers drive the loop so no scenario depends on time. */
#include "compat.h"

static ev_idle ticker, bystander;
static ev_timer early, late;
static int ticks;
static int scenario;

enum { BREAK_ONE, CANCELLED_BREAK, NESTED_ONE, NESTED_ALL, BREAK_IN_SHARED_ITERATION };

static void on_ticker(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  ++ticks;
  switch (scenario) {
    case BREAK_ONE:
      if (ticks == 3) ev_break(loop, EVBREAK_ONE);
      break;
    case CANCELLED_BREAK:
      if (ticks == 2) {
        ev_break(loop, EVBREAK_ALL);
        ev_break(loop, EVBREAK_CANCEL);
        printf("  break cancelled\n");
      }
      if (ticks == 4) ev_break(loop, EVBREAK_ONE);
      break;
    case NESTED_ONE:
    case NESTED_ALL:
      if (ticks == 1) {
        printf("  entering nested run\n");
        int result = ev_run(loop, 0);
        printf("  nested run returned %d, depth now %u\n", result, ev_depth(loop));
      } else if (ticks == 3) {
        ev_break(loop, scenario == NESTED_ONE ? EVBREAK_ONE : EVBREAK_ALL);
      } else if (ticks == 5) {
        ev_break(loop, EVBREAK_ONE);
      }
      break;
    case BREAK_IN_SHARED_ITERATION:
      ev_break(loop, EVBREAK_ONE);
      break;
  }
}

static void on_bystander(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
}

/* Runs before late, which is still pending when the nested run starts. */
static void on_early(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  printf("  nested NOWAIT run\n");
  int result = ev_run(loop, EVRUN_NOWAIT);
  printf("  nested run returned %d\n", result);
}

static void on_late(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
}

static void run_scenario(struct ev_loop *loop, int which, const char *name) {
  printf("%s\n", name);
  scenario = which;
  ticks = 0;
  int result = ev_run(loop, 0);
  printf("  outer run returned %d after %d ticks, depth %u\n", result, ticks, ev_depth(loop));
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_idle_init(&ticker, on_ticker);
  ev_idle_init(&bystander, on_bystander);
  ticker.data = "ticker";
  bystander.data = "bystander";

  printf("break before ev_run is forgotten\n");
  ev_break(loop, EVBREAK_ALL);
  ev_timer_init(&late, on_late, 0., 0.);
  late.data = "zero-timer";
  ev_timer_start(loop, &late);
  printf("  run returned %d\n", ev_run(loop, 0));

  ev_idle_start(loop, &ticker);
  run_scenario(loop, BREAK_ONE, "break one");
  run_scenario(loop, CANCELLED_BREAK, "break all, then cancel");
  run_scenario(loop, NESTED_ONE, "nested, inner breaks one");
  run_scenario(loop, NESTED_ALL, "nested, inner breaks all");
  /* Idle watchers started later run earlier, so the ticker is restarted to break first. */
  ev_idle_start(loop, &bystander);
  ev_idle_stop(loop, &ticker);
  ev_idle_start(loop, &ticker);
  run_scenario(loop, BREAK_IN_SHARED_ITERATION, "break with another callback pending");
  ev_idle_stop(loop, &ticker);
  ev_idle_stop(loop, &bystander);

  printf("nested run invokes what is still pending\n");
  ev_timer_init(&early, on_early, -0.2, 0.);
  ev_timer_init(&late, on_late, -0.1, 0.);
  early.data = "early";
  late.data = "late";
  ev_timer_start(loop, &late);
  ev_timer_start(loop, &early);
  printf("  run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
