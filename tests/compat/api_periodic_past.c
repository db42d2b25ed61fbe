/* An ev_periodic reschedule callback that returns a time in the past when the watcher is
 * started or when ev_resume reschedules it. libev only insists on a future time when it
 * reschedules after an expiry, so these are not errors there: ev_periodic_at keeps the past
 * time, and the watcher expires in the next iteration. What is printed is where
 * ev_periodic_at lies relative to ev_now, never a time. */
#include "compat.h"

static int past_answers; /* how many more calls of the callback return the past */
static int callback_calls;

static ev_tstamp reschedule(ev_periodic *w, ev_tstamp now) {
  (void)w;
  ++callback_calls;
  if (past_answers > 0) {
    --past_answers;
    return now - 10.;
  }
  return now + 0.05;
}

static void on_periodic(struct ev_loop *loop, ev_periodic *w, int revents) {
  trace(loop, w, revents);
}

static void where_is(struct ev_loop *loop, ev_periodic *w) {
  ev_tstamp at = ev_periodic_at(w), now = ev_now(loop);
  printf("  at < now: %d, at == now: %d, at > now: %d, callback calls %d\n",
         at<now, at == now, at> now, callback_calls);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_periodic periodic;

  printf("reschedule callback returns the past at start\n");
  ev_periodic_init(&periodic, on_periodic, 0., 0., reschedule);
  periodic.data = "past-at-start";
  past_answers = 1;
  ev_periodic_start(loop, &periodic);
  where_is(loop, &periodic);
  ev_run(loop, EVRUN_NOWAIT);
  where_is(loop, &periodic);
  ev_periodic_stop(loop, &periodic);

  printf("reschedule callback returns the past when ev_resume reschedules\n");
  callback_calls = 0;
  periodic.data = "past-on-resume";
  ev_periodic_start(loop, &periodic);
  where_is(loop, &periodic);
  ev_suspend(loop);
  past_answers = 1;
  ev_resume(loop);
  where_is(loop, &periodic);
  ev_run(loop, EVRUN_NOWAIT);
  where_is(loop, &periodic);
  ev_periodic_stop(loop, &periodic);
  return 0;
}
