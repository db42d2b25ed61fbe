/* ev_fork: after ev_loop_fork, the fork watchers of that loop run once, in the child, at the
 * start of the next iteration (before prepare watchers); io and timers keep working there, and
 * the parent sees no fork callbacks. EVFLAG_FORKCHECK notices a fork without ev_loop_fork. The
 * child's trace is printed before the parent goes on. */
#include <stdlib.h>
#include <sys/wait.h>

#include "compat.h"

static int fds[2];

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char byte;
  require(read(w->fd, &byte, 1) == 1, "read");
  printf("  read '%c'\n", byte);
  ev_io_stop(loop, w);
}

static void in_child(void (*body)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    body();
    fflush(stdout);
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("child exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static struct ev_loop *loop;
static ev_fork fork_a, fork_b;
static ev_prepare prepare;
static ev_check check;

static void child_with_loop_fork(void) {
  printf("child: ev_loop_fork\n");
  ev_loop_fork(loop);
  ev_io reader;
  ev_io_init(&reader, on_readable, fds[0], EV_READ);
  reader.data = "child-reader";
  ev_io_start(loop, &reader);
  require(write(fds[1], "c", 1) == 1, "write");
  ev_timer timer;
  ev_timer_init(&timer, TRACE_CB(ev_timer), -1., 0.);
  timer.data = "child-timer";
  ev_timer_start(loop, &timer);
  printf("child: run returned %d\n", ev_run(loop, 0));
  printf("child: again, NOWAIT: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
}

static void child_with_forkcheck(void) {
  const char *env = getenv("LIBEV_FLAGS");
  unsigned backend = env ? (unsigned)atoi(env) : 0;
  struct ev_loop *checked = ev_loop_new(backend | EVFLAG_NOENV | EVFLAG_FORKCHECK);
  require(checked != NULL, "ev_loop_new");
  ev_fork watcher;
  ev_fork_init(&watcher, TRACE_CB(ev_fork));
  watcher.data = "forkcheck-fork";
  ev_fork_start(checked, &watcher);
  printf("grandparent side: run returned %d\n", ev_run(checked, EVRUN_NOWAIT));
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    printf("forked without ev_loop_fork: run returned %d\n", ev_run(checked, EVRUN_NOWAIT));
    printf("  and once more: run returned %d\n", ev_run(checked, EVRUN_NOWAIT));
    fflush(stdout);
    _exit(0);
  }
  require(waitpid(pid, NULL, 0) == pid, "waitpid");
  printf("original side: run returned %d\n", ev_run(checked, EVRUN_NOWAIT));
  ev_fork_stop(checked, &watcher);
  ev_loop_destroy(checked);
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  require(pipe(fds) == 0, "pipe");
  ev_fork_init(&fork_a, TRACE_CB(ev_fork));
  ev_fork_init(&fork_b, TRACE_CB(ev_fork));
  ev_prepare_init(&prepare, TRACE_CB(ev_prepare));
  ev_check_init(&check, TRACE_CB(ev_check));
  fork_a.data = "fork-a";
  fork_b.data = "fork-b";
  prepare.data = "prepare";
  check.data = "check";
  ev_fork_start(loop, &fork_a);
  ev_fork_start(loop, &fork_b);
  ev_prepare_start(loop, &prepare);
  ev_check_start(loop, &check);
  ev_unref(loop);
  ev_unref(loop);
  ev_unref(loop);
  ev_unref(loop);
  printf("parent: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  in_child(child_with_loop_fork);
  printf("parent after the child: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  in_child(child_with_forkcheck);
  return 0;
}
