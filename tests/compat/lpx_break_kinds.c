/* ev_break(EVBREAK_ONE / EVBREAK_ALL) called from each kind of watcher callback (prepare, check,
 * idle, zero timer, readable io, fed custom event), then ev_run again. Traces which callbacks
 * of the same iteration still run, the iteration and depth counts and ev_run's raw result. */
#include "compat.h"

static ev_prepare prep;
static ev_check chk;
static ev_idle idl;
static ev_timer tmr;
static ev_io rd;
static ev_async as;
static int fds[2];
static const char *breaker;
static int how;
static int fired;

static void cb(struct ev_loop *loop, ev_watcher *w, int revents) {
  trace(loop, w, revents);
  if (w == (ev_watcher *)&rd && (revents & EV_READ)) {
    char c;
    require(read(fds[0], &c, 1) == 1, "read");
  }
  if (!fired && !strcmp(label_of(w), breaker)) {
    fired = 1;
    printf("  ev_break(%s) from %s, pending %u\n", how == EVBREAK_ONE ? "ONE" : "ALL", breaker,
           ev_pending_count(loop));
    ev_break(loop, how);
  }
}
#define CB(t) ((void (*)(struct ev_loop *, t *, int))cb)

static void scenario(const char *who, int kind) {
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  breaker = who;
  how = kind;
  fired = 0;
  printf("== break %s from %s\n", kind == EVBREAK_ONE ? "ONE" : "ALL", who);
  require(pipe(fds) == 0, "pipe");
  require(write(fds[1], "xyz", 3) == 3, "write");
  ev_prepare_init(&prep, CB(ev_prepare));
  prep.data = "prepare";
  ev_check_init(&chk, CB(ev_check));
  chk.data = "check";
  ev_idle_init(&idl, CB(ev_idle));
  idl.data = "idle";
  ev_timer_init(&tmr, CB(ev_timer), 0., 0.);
  tmr.data = "timer";
  ev_io_init(&rd, CB(ev_io), fds[0], EV_READ);
  rd.data = "io";
  ev_async_init(&as, CB(ev_async));
  as.data = "async";
  ev_prepare_start(loop, &prep);
  ev_check_start(loop, &chk);
  ev_idle_start(loop, &idl);
  ev_timer_start(loop, &tmr);
  ev_io_start(loop, &rd);
  ev_async_start(loop, &as);
  ev_feed_event(loop, &as, EV_CUSTOM);
  int r = ev_run(loop, 0);
  printf("  first run returned %d at iteration %u depth %u pending %u\n", r, ev_iteration(loop),
         ev_depth(loop), ev_pending_count(loop));
  ev_idle_stop(loop, &idl);
  ev_timer_stop(loop, &tmr);
  ev_io_stop(loop, &rd);
  ev_async_stop(loop, &as);
  r = ev_run(loop, EVRUN_NOWAIT);
  printf("  second run (NOWAIT) returned %d at iteration %u\n", r, ev_iteration(loop));
  ev_prepare_stop(loop, &prep);
  ev_check_stop(loop, &chk);
  r = ev_run(loop, 0);
  printf("  third run returned %d at iteration %u\n", r, ev_iteration(loop));
  close(fds[0]);
  close(fds[1]);
  ev_loop_destroy(loop);
}

int main(void) {
  compat_begin();
  static const char *who[] = {"prepare", "async", "check", "idle", "timer", "io"};
  for (int k = 0; k < 2; ++k)
    for (unsigned i = 0; i < sizeof who / sizeof who[0]; ++i)
      scenario(who[i], k ? EVBREAK_ALL : EVBREAK_ONE);
  return 0;
}
