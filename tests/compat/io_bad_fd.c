/* Degenerate io watchers: an fd number that is not open at all, and a valid fd watched with an
 * empty event mask (active and keeping the loop alive, but never invoked). Each case runs
 * isolated because libev may fail an assertion on the bad fd. */
#include <fcntl.h>

#include "compat.h"

struct fd_case {
  int fd;
  int events;
};

static ev_io watcher;

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  show_state(w);
  ev_io_stop(loop, w);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show_state(&watcher);
  ev_io_stop(loop, &watcher);
}

static void fd_case(const void *arg) {
  const struct fd_case *c = arg;
  struct ev_loop *loop = ev_default_loop(0);
  ev_io_init(&watcher, on_io, c->fd, c->events);
  watcher.data = "watcher";
  ev_io_start(loop, &watcher);
  ev_timer guard;
  ev_timer_init(&guard, on_guard, 0.1, 0.);
  guard.data = "guard";
  ev_timer_start(loop, &guard);
  printf("  run returned %d\n", ev_run(loop, 0));
}

/* A number far above anything either library opens internally, yet inside the kernel's fd
 * table: select silently ignores fds beyond the table size instead of reporting EBADF. */
static int unused_fd_number(void) {
  enum { TABLE_END = 255, UNUSED = 200 };
  int fd = open("/dev/null", O_RDONLY);
  require(fd >= 0 && dup2(fd, TABLE_END) == TABLE_END, "open/dup2");
  close(TABLE_END);
  close(fd);
  return UNUSED;
}

int main(void) {
  compat_begin();
  int unused_fd = unused_fd_number();
  run_isolated("never-opened-read", fd_case, &(struct fd_case){unused_fd, EV_READ});
  run_isolated("never-opened-write", fd_case, &(struct fd_case){unused_fd, EV_WRITE});

  int fds[2];
  require(pipe(fds) == 0, "pipe");
  require(write(fds[1], "x", 1) == 1, "write");
  run_isolated("empty-mask-on-readable-pipe", fd_case, &(struct fd_case){fds[0], 0});
  return 0;
}
