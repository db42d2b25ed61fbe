/* ev_async: sends before the loop runs coalesce into one callback per watcher; several sent
 * watchers of one priority run in the order they were started, whatever order they were sent
 * in; a watcher stopped while sent gets nothing; a send from inside a callback is seen in the
 * next iteration; ev_async_pending shows an unhandled send. The loop's own wakeup fd is
 * internal, so async watchers never keep the loop waiting longer than needed. */
#include "compat.h"

static ev_async first, second, third, fourth, resend;
static int resend_count;

static void on_resend(struct ev_loop *loop, ev_async *w, int revents) {
  trace(loop, w, revents);
  if (++resend_count < 3) {
    ev_async_send(loop, w);
    printf("  sent again, pending %d\n", !!ev_async_pending(w));
  } else {
    ev_async_stop(loop, w);
  }
}

static void start(struct ev_loop *loop, ev_async *w, const char *label, int priority) {
  ev_async_init(w, TRACE_CB(ev_async));
  ev_set_priority(w, priority);
  w->data = (void *)label;
  ev_async_start(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  start(loop, &first, "first", 0);
  start(loop, &second, "second", 0);
  start(loop, &third, "third", 0);
  start(loop, &fourth, "fourth-high", 1);

  printf("send third, first, second twice, fourth\n");
  ev_async_send(loop, &third);
  ev_async_send(loop, &first);
  ev_async_send(loop, &second);
  ev_async_send(loop, &second);
  ev_async_send(loop, &fourth);
  printf("  pending: %d %d %d %d\n", !!ev_async_pending(&first), !!ev_async_pending(&second),
         !!ev_async_pending(&third), !!ev_async_pending(&fourth));
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("  pending after: %d\n", !!ev_async_pending(&first));

  printf("stop second after sending it\n");
  ev_async_send(loop, &second);
  ev_async_send(loop, &first);
  ev_async_stop(loop, &second);
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_async_start(loop, &second);
  printf("restarted second: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  printf("send from a callback\n");
  ev_async_init(&resend, on_resend);
  resend.data = "resend";
  ev_async_start(loop, &resend);
  ev_async_send(loop, &resend);
  ev_async_stop(loop, &first);
  ev_async_stop(loop, &second);
  ev_async_stop(loop, &third);
  ev_async_stop(loop, &fourth);
  printf("run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
