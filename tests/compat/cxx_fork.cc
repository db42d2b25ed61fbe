// ev++.h: ev::fork and loop_ref::post_fork. post_fork() in the same process runs the fork
// watchers in the next iteration; after a real fork() the child calls post_fork() and its loop
// keeps working (a timer and a pipe), the parent's loop is unaffected. The parent waits for the
// child before printing, so the two traces never interleave.
#include <ev++.h>

#include <sys/wait.h>

#include "compat.h"

static int fds[2];

static bool last_fork;

static void on_fork(ev::fork &w, int revents) {
  printf("  [iter %u] %s %s\n", w.loop.iteration(), label_of(&w), revents_text(revents));
  if (last_fork) w.stop();
}

static void on_read(ev::io &w, int revents) {
  char byte;
  require(read(w.fd, &byte, 1) == 1, "read");
  printf("  %s %s '%c'\n", label_of(&w), revents_text(revents), byte);
  w.stop();
}

static void on_timer(ev::timer &w, int revents) {
  printf("  %s %s\n", label_of(&w), revents_text(revents));
}

int main() {
  compat_begin();
  ev::default_loop loop;
  require(pipe(fds) == 0, "pipe");
  ev::fork fork_watcher;
  fork_watcher.set<on_fork>((void *)"fork-watcher");
  fork_watcher.start();
  ev::io reader;
  reader.set<on_read>((void *)"reader");
  ev::timer tick;
  tick.set<on_timer>((void *)"tick");

  printf("post_fork() without a fork\n");
  loop.post_fork();
  loop.run(ev::NOWAIT);
  loop.run(ev::NOWAIT);

  printf("a real fork\n");
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    printf("child: post_fork()\n");
    last_fork = true;
    loop.post_fork();
    reader.start(fds[0], ev::READ);
    tick.start(0.2);  // well after the reader, even on a loaded machine
    require(write(fds[1], "c", 1) == 1, "write");
    loop.run();
    printf("child: done, fork watcher active %d\n", fork_watcher.is_active());
    fflush(stdout);
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("parent: child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  fork_watcher.stop();
  reader.start(fds[0], ev::READ);
  require(write(fds[1], "p", 1) == 1, "write");
  loop.run();
  printf("parent: done\n");
  return 0;
}
