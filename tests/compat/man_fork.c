/* ev_fork and "The special problem of fork": the ev_loop_fork example (called from a
 * pthread_atfork child handler on the default loop), after which the child's fork watcher runs
 * before its prepare watchers and its timers keep working, while the parent sees no fork
 * callback; the parent learns how the child ended from an ev_child watcher. Then the "start
 * fresh" advice: the child calls ev_loop_destroy (EV_DEFAULT) and ev_default_loop, and the new
 * default loop has no active watchers left. Each child's trace is complete before the parent
 * prints again (the parent only continues once it reaped the child). */
#include "compat.h"
#include <pthread.h>

static int in_child;
static ev_child child_watcher;

static void post_fork_child(void) {
  ev_loop_fork(EV_DEFAULT);
}

static void fork_cb(struct ev_loop *loop, ev_fork *w, int revents) {
  printf("  %s: ", in_child ? "child" : "parent");
  trace(loop, w, revents);
}

/* The parent's iteration count is not shown: a SIGCHLD that interrupts the wait costs epoll
 * (and select and poll) an extra, empty iteration, but not io_uring. */
static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents) {
  printf("  %s: ", in_child ? "child" : "parent");
  if (in_child)
    trace(loop, w, revents);
  else
    trace_untimed(w, revents);
  ev_prepare_stop(loop, w);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  printf("  %s: ", in_child ? "child" : "parent");
  trace_untimed(w, revents);
  (void)loop;
}

static void child_cb(struct ev_loop *loop, ev_child *w, int revents) {
  printf("  parent: ");
  trace_untimed(w, revents);
  ev_child_stop(loop, w);
  printf("  child exited with %d\n", WIFEXITED(w->rstatus) ? WEXITSTATUS(w->rstatus) : -1);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  require(pthread_atfork(0, 0, post_fork_child) == 0, "pthread_atfork");
  ev_fork fork_watcher;
  ev_fork_init(&fork_watcher, fork_cb);
  fork_watcher.data = "fork_watcher";
  ev_fork_start(loop, &fork_watcher);
  ev_unref(loop);  // the fork watcher alone must not keep ev_run going
  ev_prepare prepare;
  ev_prepare_init(&prepare, prepare_cb);
  prepare.data = "prepare";
  ev_timer timer;
  ev_timer_init(&timer, timer_cb, 0.01, 0.);
  timer.data = "timer";

  printf("continuing in the child after ev_loop_fork from pthread_atfork\n");
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  in_child = pid == 0;
  if (in_child) {
    ev_prepare_start(loop, &prepare);
    ev_timer_start(loop, &timer);
    printf("  child: run returned %d\n", ev_run(loop, 0));
    fflush(stdout);
    _exit(3);
  }
  ev_child_init(&child_watcher, child_cb, pid, 0);
  child_watcher.data = "child_watcher";
  ev_child_start(loop, &child_watcher);
  printf("  parent: run returned %d\n", ev_run(loop, 0));
  ev_prepare_start(loop, &prepare);
  ev_timer_start(loop, &timer);
  printf("  parent: run returned %d\n", ev_run(loop, 0));

  printf("starting fresh in the child\n");
  fflush(stdout);
  pid = fork();
  require(pid >= 0, "fork");
  in_child = pid == 0;
  if (in_child) {
    unsigned iterations = ev_iteration(loop);
    ev_loop_destroy(EV_DEFAULT);
    loop = ev_default_loop(0);
    int result = ev_run(loop, 0);
    printf("  child: new default loop, run returned %d, iteration count went on by %d\n", result,
           (int)(ev_iteration(loop) - iterations));
    fflush(stdout);
    _exit(4);
  }
  ev_child_set(&child_watcher, pid, 0);
  ev_child_start(loop, &child_watcher);
  printf("  parent: run returned %d\n", ev_run(loop, 0));
  ev_ref(loop);
  ev_fork_stop(loop, &fork_watcher);
  return 0;
}
