/* Prepare and check watchers: every prepare runs before the loop waits and every check right
 * after, each set in libev's array order (which a stop in a callback reshuffles), with pending
 * watchers invoked by priority. An io event of the same iteration comes between them, idle
 * watchers run only when nothing else is pending. */
#include "compat.h"

enum { N = 4 };
static ev_prepare prepares[N];
static ev_check checks[N];
static int round_number;

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents) {
  trace(loop, w, revents);
  /* In the second iteration the first prepare stops itself: the last one takes its place. */
  if (round_number == 1 && w == &prepares[0]) ev_prepare_stop(loop, w);
}

static void on_check(struct ev_loop *loop, ev_check *w, int revents) {
  trace(loop, w, revents);
  if (w == &checks[N - 1]) ++round_number;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  static const char *prepare_labels[N] = {"prepare-0", "prepare-1", "prepare-2", "prepare-3"};
  static const char *check_labels[N] = {"check-0", "check-1", "check-2", "check-3-low"};
  for (int i = 0; i < N; ++i) {
    ev_prepare_init(&prepares[i], on_prepare);
    prepares[i].data = (void *)prepare_labels[i];
    ev_prepare_start(loop, &prepares[i]);
    ev_check_init(&checks[i], on_check);
    checks[i].data = (void *)check_labels[i];
    if (i == 1) ev_set_priority(&checks[i], 2);
    if (i == N - 1) ev_set_priority(&checks[i], -1);
    ev_check_start(loop, &checks[i]);
  }
  int fds[2];
  require(pipe(fds) == 0, "pipe");
  ev_io writable;
  ev_io_init(&writable, TRACE_CB(ev_io), fds[1], EV_WRITE);
  writable.data = "writable";
  ev_io_start(loop, &writable);
  ev_idle idle;
  ev_idle_init(&idle, TRACE_CB(ev_idle));
  idle.data = "idle";
  ev_set_priority(&idle, -2);
  ev_idle_start(loop, &idle);

  printf("first iteration\n");
  ev_run(loop, EVRUN_ONCE);
  printf("second iteration\n");
  ev_run(loop, EVRUN_ONCE);
  printf("third iteration, io stopped\n");
  ev_io_stop(loop, &writable);
  ev_run(loop, EVRUN_ONCE);
  ev_idle_stop(loop, &idle);
  for (int i = 0; i < N; ++i) {
    ev_prepare_stop(loop, &prepares[i]);
    ev_check_stop(loop, &checks[i]);
  }
  printf("all stopped: run returned %d\n", ev_run(loop, 0));
  return 0;
}
