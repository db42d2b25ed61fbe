/* Several children that have all ended (in an order different from the order they were
 * forked in: exits and signals) before one EVRUN_NOWAIT reaps them all. Each has a pid watcher,
 * and a pid-0 watcher hears everything; which child is reported in which order, and each
 * child's status, is printed by index. A second batch has one child stopped and others exited,
 * with a trace-1 pid-0 watcher. */
#include <signal.h>
#include <sys/wait.h>

#include "compat.h"

enum { N = 5 };
static pid_t pids[N];
static int pipes[N][2];
static ev_child by_pid[N];
static ev_child any;
static char names[N][16];
/* each child says when it has closed the other pipes' write ends: a child stopped before that
 * would keep another child's pipe open */
static int ready[2];

static int index_of(pid_t pid) {
  for (int i = 0; i < N; ++i)
    if (pids[i] == pid) return i;
  return -1;
}

static void on_child(struct ev_loop *loop, ev_child *w, int revents) {
  trace(loop, w, revents);
  int s = w->rstatus;
  printf("  child %d: %s %d\n", index_of(w->rpid),
         WIFEXITED(s)     ? "exited"
         : WIFSIGNALED(s) ? "killed by"
         : WIFSTOPPED(s)  ? "stopped by"
                          : "other",
         WIFEXITED(s)     ? WEXITSTATUS(s)
         : WIFSIGNALED(s) ? WTERMSIG(s)
         : WIFSTOPPED(s)  ? WSTOPSIG(s)
                          : 0);
}

static void wait_for(pid_t pid, int what) {
  siginfo_t info;
  require(waitid(P_PID, (id_t)pid, &info, what | WNOWAIT) == 0, "waitid");
}

static void spawn_all(struct ev_loop *loop) {
  for (int i = 0; i < N; ++i) {
    require(pipe(pipes[i]) == 0, "pipe");
    for (;;) {
      fflush(stdout);
      pid_t pid = fork();
      require(pid >= 0, "fork");
      if (pid == 0) {
        if ((getpid() & 15) == 0) _exit(0);
        for (int k = 0; k <= i; ++k) close(pipes[k][1]);
        if (write(ready[1], "r", 1) != 1) _exit(51);
        char byte;
        _exit(read(pipes[i][0], &byte, 1) == 0 ? 30 + i : 50);
      }
      if ((pid & 15) != 0) {
        char byte;
        require(read(ready[0], &byte, 1) == 1, "read");
        pids[i] = pid;
        break;
      }
      require(waitpid(pid, NULL, 0) == pid, "waitpid");
    }
    close(pipes[i][0]);
    snprintf(names[i], sizeof names[i], "pid-%d", i);
    ev_child_init(&by_pid[i], on_child, pids[i], 1);
    by_pid[i].data = names[i];
    ev_child_start(loop, &by_pid[i]);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(ready) == 0, "pipe");
  ev_child_init(&any, on_child, 0, 0);
  any.data = "any";
  ev_child_start(loop, &any);

  printf("batch 1\n");
  spawn_all(loop);
  close(pipes[3][1]);
  wait_for(pids[3], WEXITED);
  kill(pids[1], SIGTERM);
  wait_for(pids[1], WEXITED);
  close(pipes[4][1]);
  wait_for(pids[4], WEXITED);
  close(pipes[0][1]);
  wait_for(pids[0], WEXITED);
  kill(pids[2], SIGKILL);
  wait_for(pids[2], WEXITED);
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("again: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  for (int i = 0; i < N; ++i) ev_child_stop(loop, &by_pid[i]);

  close(pipes[1][1]);
  close(pipes[2][1]);
  printf("batch 2\n");
  ev_child_stop(loop, &any);
  ev_child_set(&any, 0, 1);
  ev_child_start(loop, &any);
  spawn_all(loop);
  close(pipes[4][1]);
  wait_for(pids[4], WEXITED);
  kill(pids[2], SIGSTOP);
  wait_for(pids[2], WSTOPPED);
  close(pipes[0][1]);
  wait_for(pids[0], WEXITED);
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  close(pipes[1][1]);
  close(pipes[3][1]);
  wait_for(pids[1], WEXITED);
  wait_for(pids[3], WEXITED);
  kill(pids[2], SIGKILL);
  wait_for(pids[2], WEXITED);
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("again: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  for (int i = 0; i < N; ++i) ev_child_stop(loop, &by_pid[i]);
  ev_child_stop(loop, &any);
  printf("final run returned %d\n", ev_run(loop, 0));
  return 0;
}
