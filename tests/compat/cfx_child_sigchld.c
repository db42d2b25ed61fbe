/* A user ev_signal watcher for SIGCHLD on the default loop next to ev_child watchers: both hear
 * an exit, in an order that depends on the signal watcher's priority (0, 2, -2). Then the user
 * watcher is stopped: child watchers must keep working. The child has exited before each run. */
#include <signal.h>
#include <sys/wait.h>

#include "compat.h"

static pid_t current;

static pid_t spawn(int code) {
  pid_t pid;
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

static void on_child(struct ev_loop *loop, ev_child *w, int revents) {
  trace(loop, w, revents);
  printf("  rpid ok %d exit %d\n", w->rpid == current, WEXITSTATUS(w->rstatus));
}

static void on_sigchld(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_signal sig;
  ev_signal_init(&sig, on_sigchld, SIGCHLD);
  sig.data = "sigchld";
  ev_child specific, any;
  ev_child_init(&specific, on_child, 0, 0);
  ev_child_init(&any, on_child, 0, 0);
  specific.data = "child-specific";
  any.data = "child-any";
  ev_child_start(loop, &any);
  static const int prios[] = {0, 2, -2};
  for (int round = 0; round < 4; ++round) {
    if (round < 3) {
      printf("round %d: sigchld priority %d\n", round, prios[round]);
      ev_set_priority(&sig, prios[round]);
      ev_signal_start(loop, &sig);
    } else {
      printf("round %d: no sigchld watcher\n", round);
    }
    current = spawn(40 + round);
    ev_child_set(&specific, current, 0);
    ev_child_start(loop, &specific);
    printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
    printf("again: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
    ev_child_stop(loop, &specific);
    ev_signal_stop(loop, &sig);
  }
  ev_child_stop(loop, &any);
  return 0;
}
