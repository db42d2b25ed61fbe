/* How many iterations a signal costs when it arrives while the loop blocks: under libev the
 * handler interrupts epoll_wait/poll/select (EINTR), that iteration ends with nothing to report,
 * and the next one runs the watchers. evring's io_uring backend, whose wait the kernel restarts
 * after the handler, must count the same. Cases: an ev_child for a child that exits, and an
 * ev_signal for SIGUSR1 sent by a child. A check watcher prints the end of every iteration. No
 * timer runs (the wait has no timeout, which is when the kernel restarts io_uring's wait);
 * compat_begin's alarm bounds the run. */
#include <signal.h>

#include "compat.h"

static void on_child(struct ev_loop *loop, ev_child *w, int revents) {
  trace(loop, w, revents);
  printf("  exit status %d\n", WEXITSTATUS(w->rstatus));
  ev_child_stop(loop, w);
}

static void on_usr1(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
  ev_signal_stop(loop, w);
}

static void child_exits(const void *arg) {
  (void)arg;
  struct ev_loop *loop = ev_default_loop(0);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    usleep(30000);
    _exit(7);
  }
  ev_child child;
  ev_child_init(&child, on_child, pid, 0);
  child.data = "child";
  ev_child_start(loop, &child);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  stop_tracing_iterations(loop);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
}

static void child_sends_usr1(const void *arg) {
  (void)arg;
  struct ev_loop *loop = ev_default_loop(0);
  ev_signal usr1;
  ev_signal_init(&usr1, on_usr1, SIGUSR1);
  usr1.data = "usr1";
  ev_signal_start(loop, &usr1);
  pid_t parent = getpid();
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    usleep(30000);
    kill(parent, SIGUSR1);
    _exit(0);
  }
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  stop_tracing_iterations(loop);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
  /* The default loop reaps the child itself (libev's SIGCHLD watcher), or the case's exit does. */
}

int main(void) {
  compat_begin();
  run_isolated("child-exits", child_exits, NULL);
  run_isolated("child-sends-usr1", child_sends_usr1, NULL);
  return 0;
}
