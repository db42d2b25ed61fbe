/* A forked child that keeps using the default loop's watchers after ev_loop_fork: a signal
 * watcher inherited from the parent (raised in the child), an ev_async sent in the child, a
 * child watcher for a grandchild, an inherited io watcher and an inherited timer. Then the
 * parent uses the same watchers. Then EVFLAG_FORKCHECK passed to ev_loop_new together with the
 * LIBEV_FLAGS environment variable (which, without EVFLAG_NOENV, replaces the flags): does a
 * fork watcher run in a child that forgot ev_loop_fork? The child's trace comes first. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "compat.h"

static int data[2];
static ev_signal usr1;
static ev_async async;
static ev_io reader;
static ev_timer timer;
static ev_fork forkw;
static ev_child grandchild;

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
}

static void on_async(struct ev_loop *loop, ev_async *w, int revents) {
  trace(loop, w, revents);
  printf("  pending after callback start: %d\n", !!ev_async_pending(w));
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char byte;
  ssize_t n = read(w->fd, &byte, 1);
  if (n == 1)
    printf("  read '%c'\n", byte);
  else
    printf("  read: %s\n", n < 0 && errno == EAGAIN ? "would block" : "other");
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  ev_break(loop, EVBREAK_ONE); /* the fork watcher keeps the loop alive */
}

static void on_grandchild(struct ev_loop *loop, ev_child *w, int revents) {
  trace(loop, w, revents);
  printf("  exit %d\n", WIFEXITED(w->rstatus) ? WEXITSTATUS(w->rstatus) : -1);
  ev_child_stop(loop, w);
}

static void exercise(struct ev_loop *loop, const char *who) {
  printf("%s: raise SIGUSR1\n", who);
  raise(SIGUSR1);
  printf("%s: run returned %d\n", who, ev_run(loop, EVRUN_NOWAIT));
  printf("%s: async send\n", who);
  ev_async_send(loop, &async);
  printf("%s: run returned %d\n", who, ev_run(loop, EVRUN_NOWAIT));
  printf("%s: write\n", who);
  require(write(data[1], who[0] == 'c' ? "c" : "p", 1) == 1, "write");
  printf("%s: run returned %d\n", who, ev_run(loop, EVRUN_NOWAIT));
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) _exit(who[0] == 'c' ? 3 : 4);
  siginfo_t info;
  require(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0, "waitid");
  ev_child_set(&grandchild, pid, 0);
  ev_child_start(loop, &grandchild);
  printf("%s: run after grandchild returned %d\n", who, ev_run(loop, EVRUN_NOWAIT));
  ev_timer_set(&timer, 0.01, 0.);
  ev_timer_start(loop, &timer);
  ev_io_stop(loop, &reader);
  ev_signal_stop(loop, &usr1);
  ev_async_stop(loop, &async);
  printf("%s: run until timer returned %d\n", who, ev_run(loop, 0));
  ev_io_start(loop, &reader);
  ev_signal_start(loop, &usr1);
  ev_async_start(loop, &async);
}

static void forkcheck_child(unsigned flags, const char *what) {
  struct ev_loop *loop = ev_loop_new(flags);
  require(loop != NULL, "ev_loop_new");
  ev_fork fw;
  ev_fork_init(&fw, TRACE_CB(ev_fork));
  fw.data = "forkcheck-fork";
  ev_fork_start(loop, &fw);
  printf("%s: parent run returned %d\n", what, ev_run(loop, EVRUN_NOWAIT));
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    printf("%s: child run returned %d\n", what, ev_run(loop, EVRUN_NOWAIT));
    fflush(stdout);
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("%s: parent again returned %d\n", what, ev_run(loop, EVRUN_NOWAIT));
  ev_fork_stop(loop, &fw);
  ev_loop_destroy(loop);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(data) == 0, "pipe");
  require(fcntl(data[0], F_SETFL, O_NONBLOCK) == 0, "fcntl");
  ev_signal_init(&usr1, on_signal, SIGUSR1);
  usr1.data = "usr1";
  ev_signal_start(loop, &usr1);
  ev_async_init(&async, on_async);
  async.data = "async";
  ev_async_start(loop, &async);
  ev_io_init(&reader, on_read, data[0], EV_READ);
  reader.data = "reader";
  ev_io_start(loop, &reader);
  ev_timer_init(&timer, on_timer, 0., 0.);
  timer.data = "timer";
  ev_fork_init(&forkw, TRACE_CB(ev_fork));
  forkw.data = "fork";
  ev_fork_start(loop, &forkw);
  ev_child_init(&grandchild, on_grandchild, 0, 0);
  grandchild.data = "grandchild";
  printf("parent: first run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    ev_loop_fork(loop);
    exercise(loop, "child");
    fflush(stdout);
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("child ended: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  exercise(loop, "parent");

  const char *env = getenv("LIBEV_FLAGS");
  unsigned backend = env ? (unsigned)atoi(env) : 0;
  forkcheck_child(EVFLAG_FORKCHECK, "forkcheck with env");
  forkcheck_child(backend | EVFLAG_FORKCHECK | EVFLAG_NOENV, "forkcheck noenv");
  return 0;
}
