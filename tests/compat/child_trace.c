/* ev_child with trace: a child that stops, continues and exits. Watchers started with trace 1
 * hear all three changes, trace 0 watchers only the exit. Each state change has happened (and
 * SIGCHLD arrived) before the loop runs, so each is reported in a single EVRUN_NOWAIT. The
 * kernel sends the SIGCHLD for a continue only once the child runs again, so the child says when
 * it does; waitid(WCONTINUED) could return before that signal. */
#include <signal.h>
#include <sys/wait.h>

#include "compat.h"

static void on_child(struct ev_loop *loop, ev_child *w, int revents) {
  trace(loop, w, revents);
  int status = w->rstatus;
  if (WIFSTOPPED(status))
    printf("  stopped by signal %d\n", WSTOPSIG(status));
  else if (WIFCONTINUED(status))
    printf("  continued\n");
  else if (WIFEXITED(status))
    printf("  exited with %d\n", WEXITSTATUS(status));
  else
    printf("  other status\n");
}

static void wait_for(pid_t pid, int what) {
  siginfo_t info;
  require(waitid(P_PID, (id_t)pid, &info, what | WNOWAIT) == 0, "waitid");
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  int go[2], continued[2];
  require(pipe(go) == 0 && pipe(continued) == 0, "pipe");
  pid_t pid;
  /* A pid in bucket 0 of libev's 16-bucket watcher table changes the callback order (see
   * child_order.c): children that land there exit at once and are replaced. */
  for (;;) {
    fflush(stdout);
    pid = fork();
    require(pid >= 0, "fork");
    if (pid == 0 && (getpid() & 15) == 0) _exit(0);
    if (pid == 0 || (pid & 15) != 0) break;
    require(waitpid(pid, NULL, 0) == pid, "waitpid");
  }
  if (pid == 0) {
    char byte;
    close(go[1]);
    raise(SIGSTOP);
    if (write(continued[1], "c", 1) != 1) _exit(7);
    _exit(read(go[0], &byte, 1) == 0 ? 5 : 6);
  }
  close(go[0]);
  close(continued[1]);

  ev_child traced, any_traced, plain, any_plain;
  ev_child_init(&traced, on_child, pid, 1);
  ev_child_init(&any_traced, on_child, 0, 1);
  ev_child_init(&plain, on_child, pid, 0);
  ev_child_init(&any_plain, on_child, 0, 0);
  traced.data = "traced";
  any_traced.data = "any-traced";
  plain.data = "plain";
  any_plain.data = "any-plain";
  ev_child_start(loop, &traced);
  ev_child_start(loop, &any_traced);
  ev_child_start(loop, &plain);
  ev_child_start(loop, &any_plain);

  wait_for(pid, WSTOPPED);
  printf("stopped: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  kill(pid, SIGCONT);
  char byte;
  require(read(continued[0], &byte, 1) == 1, "read");
  printf("continued: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  close(go[1]);
  wait_for(pid, WEXITED);
  printf("exited: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("nothing more: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_child_stop(loop, &traced);
  ev_child_stop(loop, &any_traced);
  ev_child_stop(loop, &plain);
  ev_child_stop(loop, &any_plain);
  printf("stopped all: run returned %d\n", ev_run(loop, 0));
  return 0;
}
