/* Reduced from cfx_fork_signal_async (backend 4/128): an fd that became readable while the
 * loop was not running, and was drained again before the next iteration (by the same process,
 * then by a forked child sharing the pipe). Is the watcher still told the fd is readable? The
 * read is non-blocking, so a stale report shows as "would block" instead of a hang. */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>

#include "compat.h"

static int fds[2];

static void on_read(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char byte;
  ssize_t n = read(w->fd, &byte, 1);
  if (n == 1)
    printf("  read '%c'\n", byte);
  else
    printf("  read: %s\n", n < 0 && errno == EAGAIN ? "would block" : "other");
}

static void drain_outside(void) {
  char byte;
  require(read(fds[0], &byte, 1) == 1, "read");
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(fds) == 0, "pipe");
  require(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0, "fcntl");
  ev_io reader;
  ev_io_init(&reader, on_read, fds[0], EV_READ);
  reader.data = "reader";
  ev_io_start(loop, &reader);
  printf("idle: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  require(write(fds[1], "a", 1) == 1, "write");
  drain_outside();
  printf("written and drained here: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    require(write(fds[1], "b", 1) == 1, "write");
    drain_outside();
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("written and drained by a child: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  require(write(fds[1], "c", 1) == 1, "write");
  printf("written: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("nothing: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  return 0;
}
