/* Several children, each blocked on its own pipe, ended one at a time in a fixed order: by
 * closing the pipe (exit code), by SIGTERM, SIGKILL and SIGUSR1, and one that is stopped with
 * SIGSTOP and then killed with SIGKILL while stopped. Each child has a pid watcher with trace 1,
 * plus one pid-0 watcher with trace 0 and one with trace 1. Every state change has happened
 * before the EVRUN_NOWAIT that reports it. Children are named by index, never by pid. */
#include <signal.h>
#include <sys/wait.h>

#include "compat.h"

enum { N = 6 };
static pid_t pids[N];
static int pipes[N][2];
static ev_child by_pid[N];
static ev_child any_plain, any_traced;
static char names[N][16];

static int index_of(pid_t pid) {
  for (int i = 0; i < N; ++i)
    if (pids[i] == pid) return i;
  return -1;
}

static void describe(int status) {
  if (WIFEXITED(status))
    printf(" exited %d\n", WEXITSTATUS(status));
  else if (WIFSIGNALED(status))
    printf(" killed by %d\n", WTERMSIG(status));
  else if (WIFSTOPPED(status))
    printf(" stopped by %d\n", WSTOPSIG(status));
  else if (WIFCONTINUED(status))
    printf(" continued\n");
  else
    printf(" other\n");
}

static void on_child(struct ev_loop *loop, ev_child *w, int revents) {
  trace(loop, w, revents);
  printf("  child %d:", index_of(w->rpid));
  describe(w->rstatus);
}

static void wait_for(pid_t pid, int what) {
  siginfo_t info;
  require(waitid(P_PID, (id_t)pid, &info, what | WNOWAIT) == 0, "waitid");
}

static void step(struct ev_loop *loop, const char *what) {
  printf("%s: run returned %d\n", what, ev_run(loop, EVRUN_NOWAIT));
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  /* pids in bucket 0 change the callback order (child_order.c); replace such children */
  for (int i = 0; i < N; ++i) {
    require(pipe(pipes[i]) == 0, "pipe");
    for (;;) {
      fflush(stdout);
      pid_t pid = fork();
      require(pid >= 0, "fork");
      if (pid == 0) {
        if ((getpid() & 15) == 0) _exit(0);
        for (int k = 0; k <= i; ++k) close(pipes[k][1]);
        char byte;
        _exit(read(pipes[i][0], &byte, 1) == 0 ? 20 + i : 40);
      }
      if ((pid & 15) != 0) {
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
  ev_child_init(&any_plain, on_child, 0, 0);
  ev_child_init(&any_traced, on_child, 0, 1);
  any_plain.data = "any-plain";
  any_traced.data = "any-traced";
  ev_child_start(loop, &any_plain);
  ev_child_start(loop, &any_traced);
  step(loop, "nothing yet");

  close(pipes[2][1]);
  wait_for(pids[2], WEXITED);
  step(loop, "child 2 pipe closed");

  kill(pids[0], SIGTERM);
  wait_for(pids[0], WEXITED);
  step(loop, "child 0 SIGTERM");

  kill(pids[4], SIGKILL);
  wait_for(pids[4], WEXITED);
  step(loop, "child 4 SIGKILL");

  kill(pids[1], SIGSTOP);
  wait_for(pids[1], WSTOPPED);
  step(loop, "child 1 SIGSTOP");

  kill(pids[1], SIGKILL);
  wait_for(pids[1], WEXITED);
  step(loop, "child 1 SIGKILL while stopped");

  kill(pids[5], SIGUSR1);
  wait_for(pids[5], WEXITED);
  step(loop, "child 5 SIGUSR1");

  /* a stopped watcher for a child that then exits: only the pid-0 watchers hear it */
  ev_child_stop(loop, &by_pid[3]);
  close(pipes[3][1]);
  wait_for(pids[3], WEXITED);
  step(loop, "child 3 exit, its watcher stopped");
  step(loop, "nothing more");

  for (int i = 0; i < N; ++i) ev_child_stop(loop, &by_pid[i]);
  ev_child_stop(loop, &any_plain);
  ev_child_stop(loop, &any_traced);
  int left = 0;
  while (waitpid(-1, NULL, WNOHANG) > 0) ++left;
  printf("unreaped children: %d\n", left);
  printf("final run returned %d\n", ev_run(loop, 0));
  return 0;
}
