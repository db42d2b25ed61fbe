/* ev_child watchers at low priorities meeting other pending watchers in the iteration that
 * reaps the child: timers at priorities 2, 0 and -2 that are already due, an idle watcher and a
 * check watcher, all with the child's exit (and its SIGCHLD) having happened before ev_run. The
 * child watchers report at the maximum priority, after the due timers at EV_MAXPRI. Then the
 * same with the child watchers stopped and restarted with their old priority set back, and a
 * child watcher that stops the other one while both are pending. */
#include <signal.h>
#include <sys/wait.h>

#include "compat.h"

static pid_t spawn(int code) {
  pid_t pid;
  /* keep the child's pid out of bucket 0 of libev's 16-bucket table (see child_order.c) */
  for (;;) {
    fflush(stdout);
    pid = fork();
    require(pid >= 0, "fork");
    if (pid == 0 && (getpid() & 15) == 0) _exit(0);
    if (pid == 0) _exit(code);
    if ((pid & 15) != 0) break;
    require(waitpid(pid, NULL, 0) == pid, "waitpid");
  }
  siginfo_t info;
  require(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0, "waitid");
  return pid;
}

static pid_t current;
static ev_child specific, any;
static int stop_other;

static void on_child(struct ev_loop *loop, ev_child *w, int revents) {
  trace(loop, w, revents);
  printf("  rpid ok %d exit %d priority %d\n", w->rpid == current, WEXITSTATUS(w->rstatus),
         ev_priority(w));
  if (stop_other) {
    ev_child *other = w == &specific ? &any : &specific;
    stop_other = 0;
    ev_child_stop(loop, other);
    printf("  stopped %s: pending=%d\n", label_of(other), !!ev_is_pending(other));
  }
}

static void on_idle(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  ev_idle_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_timer t2, t0, tm2;
  ev_idle idle;
  ev_check check;
  ev_timer_init(&t2, TRACE_CB(ev_timer), 0., 0.);
  ev_timer_init(&t0, TRACE_CB(ev_timer), 0., 0.);
  ev_timer_init(&tm2, TRACE_CB(ev_timer), 0., 0.);
  ev_set_priority(&t2, 2);
  ev_set_priority(&tm2, -2);
  t2.data = "timer+2";
  t0.data = "timer0";
  tm2.data = "timer-2";
  ev_idle_init(&idle, on_idle);
  ev_set_priority(&idle, -2);
  idle.data = "idle-2";
  ev_check_init(&check, TRACE_CB(ev_check));
  check.data = "check";
  ev_check_start(loop, &check);
  ev_unref(loop);

  ev_child_init(&specific, on_child, 0, 0);
  ev_child_init(&any, on_child, 0, 0);
  specific.data = "child-specific";
  any.data = "child-any";

  for (int round = 0; round < 3; ++round) {
    printf("round %d\n", round);
    current = spawn(10 + round);
    ev_child_set(&specific, current, 0);
    ev_set_priority(&specific, round == 1 ? 1 : -2);
    ev_set_priority(&any, round == 1 ? -1 : -2);
    stop_other = round == 2;
    ev_child_start(loop, &specific);
    ev_child_start(loop, &any);
    ev_timer_start(loop, &t2);
    ev_timer_start(loop, &t0);
    ev_timer_start(loop, &tm2);
    ev_idle_start(loop, &idle);
    printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
    printf("after: specific priority %d active %d, any priority %d active %d\n",
           ev_priority(&specific), !!ev_is_active(&specific), ev_priority(&any),
           !!ev_is_active(&any));
    ev_child_stop(loop, &specific);
    ev_child_stop(loop, &any);
    ev_idle_stop(loop, &idle);
  }
  return 0;
}
