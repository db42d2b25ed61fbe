/* The ev_child example: fork a child that calls exit (1), start a child watcher for its pid right
 * after the fork, and print the status in the callback, which stops the watcher. Also the case
 * the manual allows explicitly: the watcher is started only after the child has exited (seen
 * with waitid WNOWAIT, which leaves the zombie for libev to reap), and a child killed by a
 * signal. rstatus is printed in hex as in the manual, the pid only as "rpid == pid". */
#include "compat.h"
#include <signal.h>

static ev_child cw;
static pid_t expected_pid;

/* Untimed: whether the exit is seen in the first or the second iteration is a race. */
static void child_cb(struct ev_loop *loop, ev_child *w, int revents) {
  trace_untimed(w, revents);
  ev_child_stop(loop, w);
  printf("  process exited with status %x (rpid == pid: %d)\n", w->rstatus,
         w->rpid == expected_pid);
  if (WIFEXITED(w->rstatus))
    printf("  WIFEXITED, WEXITSTATUS %d\n", WEXITSTATUS(w->rstatus));
  else if (WIFSIGNALED(w->rstatus))
    printf("  WIFSIGNALED, WTERMSIG %d\n", WTERMSIG(w->rstatus));
}

static pid_t fork_child(int exit_code, int sleep_first) {
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    // the forked child executes here
    if (sleep_first) pause();
    _exit(exit_code);
  }
  return pid;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("watcher started right after fork, child calls exit (1)\n");
  expected_pid = fork_child(1, 0);
  ev_child_init(&cw, child_cb, expected_pid, 0);
  cw.data = "cw";
  ev_child_start(EV_DEFAULT, &cw);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("watcher started after the child exited with 7\n");
  expected_pid = fork_child(7, 0);
  siginfo_t info;
  require(waitid(P_PID, expected_pid, &info, WEXITED | WNOWAIT) == 0, "waitid");
  ev_child_init(&cw, child_cb, expected_pid, 0);
  ev_child_start(loop, &cw);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("child killed by SIGTERM\n");
  expected_pid = fork_child(0, 1);
  ev_child_init(&cw, child_cb, expected_pid, 0);
  ev_child_start(loop, &cw);
  require(kill(expected_pid, SIGTERM) == 0, "kill");
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
