/* ev_child: which watchers hear about a child, in which order, and what they see. For one
 * exiting child, watchers for its pid and pid-0 watchers fire (with rpid/rstatus set and their
 * priority raised to EV_MAXPRI), stop/continue-tracing makes no difference for an exit, and a
 * watcher for another pid in the same hash bucket stays quiet. libev keeps child watchers in a
 * table of 16 buckets keyed by pid, which shows in the callback order, so the scenario runs once
 * for a child whose pid falls in bucket 0 and once for one that does not. The child has exited
 * (and SIGCHLD arrived) before the loop runs, so everything happens in the first iteration. */
#include <signal.h>
#include <sys/wait.h>

#include "compat.h"

static pid_t child_pid;

static void on_child(struct ev_loop *loop, ev_child *w, int revents) {
  trace(loop, w, revents);
  printf("  rpid is the child %d, exited %d with %d, priority %d\n", w->rpid == child_pid,
         WIFEXITED(w->rstatus), WEXITSTATUS(w->rstatus), ev_priority(w));
}

/* Forks children that exit at once until one has a pid in (or out of) bucket 0; the others are
 * reaped here before the loop sees them. */
static pid_t fork_exiting_child(int want_bucket_zero) {
  for (;;) {
    fflush(stdout);
    pid_t pid = fork();
    require(pid >= 0, "fork");
    if (pid == 0) _exit(42);
    if (((pid & 15) == 0) == want_bucket_zero) return pid;
    require(waitpid(pid, NULL, 0) == pid, "waitpid");
  }
}

static void wait_until_exited(pid_t pid) {
  siginfo_t info;
  require(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0, "waitid");
}

static void scenario(struct ev_loop *loop, int bucket_zero) {
  static const struct {
    const char *label;
    int pid_offset; /* -1: pid 0 (any child) */
    int trace;
    int priority;
  } specs[] = {
      {"pid-a", 0, 0, 0},
      {"any-b", -1, 0, -1},
      {"pid-c", 0, 1, 1},
      {"any-d", -1, 1, 0},
      {"same-bucket-other", 16, 0, 0},
      {"other-pid", 1, 0, 0},
      {"pid-e", 0, 0, -2},
  };
  enum { COUNT = sizeof specs / sizeof specs[0] };
  ev_child watchers[COUNT];
  ev_signal user_sigchld;

  printf("scenario: child pid in bucket %s\n", bucket_zero ? "0" : "other than 0");
  child_pid = fork_exiting_child(bucket_zero);
  for (int i = 0; i < COUNT; ++i) {
    int pid = specs[i].pid_offset < 0 ? 0 : child_pid + specs[i].pid_offset;
    ev_child_init(&watchers[i], on_child, pid, specs[i].trace);
    ev_set_priority(&watchers[i], specs[i].priority);
    watchers[i].data = (void *)specs[i].label;
    ev_child_start(loop, &watchers[i]);
  }
  ev_signal_init(&user_sigchld, TRACE_CB(ev_signal), SIGCHLD);
  user_sigchld.data = "user-sigchld";
  ev_signal_start(loop, &user_sigchld);

  wait_until_exited(child_pid);
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("child reaped by the loop: %d\n", waitpid(child_pid, NULL, WNOHANG) < 0);
  for (int i = 0; i < COUNT; ++i) {
    printf("  %s: active=%d pending=%d priority %d\n", specs[i].label, !!ev_is_active(&watchers[i]),
           !!ev_is_pending(&watchers[i]), ev_priority(&watchers[i]));
    ev_child_stop(loop, &watchers[i]);
  }
  ev_signal_stop(loop, &user_sigchld);
  printf("nothing left: run returned %d\n", ev_run(loop, 0));
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  scenario(loop, 0);
  scenario(loop, 1);
  return 0;
}
