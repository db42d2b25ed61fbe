/* Fed fd events meeting real readiness and pending io watchers:
 *   a WRITE fed to a READ-only watcher's fd while the fd is really readable;
 *   EV_ERROR fed alone and together with EV_READ (to a READ watcher);
 *   fd numbers outside the loop's table (never used, and -1) and an fd whose watcher stopped;
 *   a fed WRITE and a real READ on a READ|WRITE watcher within one iteration;
 *   from a higher-priority callback of the same iteration: ev_clear_pending on a watcher the
 *   backend made pending (its revents printed), ev_feed_event with other bits, ev_invoke;
 *   ev_feed_fd_event from a callback for the fd whose watcher is running.
 * Single EVRUN_NOWAIT iterations, each traced; reads are non-blocking. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "compat.h"

static struct ev_loop *loop;
static int p[2], s[2];
static ev_io reader, both, other, hook;
static int mode;

static void on_io(struct ev_loop *l, ev_io *w, int revents) {
  trace(l, w, revents);
  if (revents & EV_READ) {
    char c;
    ssize_t n = read(w->fd, &c, 1);
    printf("  read %zd%s\n", n, n < 0 && errno == EAGAIN ? " EAGAIN" : "");
  }
  if (w == &both && mode == 3) {
    mode = 0;
    ev_feed_fd_event(l, s[0], EV_READ);
    printf("  fed READ to its own fd\n");
    show_state(w);
  }
}

static void on_hook(struct ev_loop *l, ev_io *w, int revents) {
  trace(l, w, revents);
  show_state(&reader);
  if (mode == 1) {
    printf("  ev_clear_pending(reader) returned %s\n", revents_text(ev_clear_pending(l, &reader)));
    show_state(&reader);
    printf("  ev_clear_pending again returned %s\n", revents_text(ev_clear_pending(l, &reader)));
    ev_feed_event(l, &reader, EV_CUSTOM);
    printf("  fed CUSTOM\n");
  } else if (mode == 2) {
    printf("  ev_invoke(reader, WRITE)\n");
    ev_invoke(l, &reader, EV_WRITE);
    show_state(&reader);
  }
  show_state(&reader);
}

static void step(const char *what) {
  printf("%s\n", what);
  ev_run(loop, EVRUN_NOWAIT);
  printf("  iterations so far %u, pending count %u\n", ev_iteration(loop), ev_pending_count(loop));
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  require(pipe(p) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "pipe");
  require(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && fcntl(s[0], F_SETFL, O_NONBLOCK) == 0 &&
              fcntl(s[1], F_SETFL, O_NONBLOCK) == 0,
          "fcntl");
  ev_io_init(&reader, on_io, p[0], EV_READ);
  reader.data = "reader";
  ev_io_init(&both, on_io, s[0], EV_READ | EV_WRITE);
  both.data = "both";
  ev_io_init(&other, on_io, s[1], EV_READ);
  other.data = "other";
  ev_io_init(&hook, on_hook, s[1], EV_WRITE);
  hook.data = "hook";
  ev_set_priority(&hook, EV_MAXPRI);
  ev_io_start(loop, &reader);
  ev_io_start(loop, &other);
  step("nothing ready");

  require(write(p[1], "a", 1) == 1, "write");
  ev_feed_fd_event(loop, p[0], EV_WRITE);
  printf("fed WRITE to the reader's fd (it wants READ only), pipe readable\n");
  show_state(&reader);
  step("run");

  ev_feed_fd_event(loop, p[0], EV_ERROR);
  printf("fed ERROR alone\n");
  show_state(&reader);
  step("run");
  ev_feed_fd_event(loop, p[0], EV_READ | EV_ERROR);
  printf("fed READ|ERROR\n");
  show_state(&reader);
  step("run");

  ev_feed_fd_event(loop, 4000, EV_READ);
  ev_feed_fd_event(loop, -1, EV_READ);
  printf("fed READ to fd 4000 and to fd -1\n");
  ev_io_stop(loop, &other);
  ev_feed_fd_event(loop, s[1], EV_READ);
  printf("fed READ to the fd of a stopped watcher\n");
  step("run");

  ev_io_start(loop, &both);
  require(write(s[1], "b", 1) == 1, "write");
  printf("started both (READ|WRITE), peer wrote\n");
  ev_feed_fd_event(loop, s[0], EV_WRITE);
  printf("fed WRITE to it\n");
  show_state(&both);
  step("run");
  ev_io_stop(loop, &both);

  ev_io_start(loop, &hook);
  require(write(p[1], "c", 1) == 1, "write");
  mode = 1;
  step("pipe readable, hook (highest priority) clears the reader's pending event");
  step("run again");
  require(write(p[1], "d", 1) == 1, "write");
  mode = 2;
  step("pipe readable, hook invokes the pending reader");
  ev_io_stop(loop, &hook);
  step("run again");

  require(write(s[1], "e", 1) == 1, "write");
  ev_io_start(loop, &both);
  mode = 3;
  step("both started again, its fd writable and readable; its callback feeds READ");
  step("run again");
  ev_io_stop(loop, &both);
  ev_io_stop(loop, &reader);
  printf("stopped, pending count %u\n", ev_pending_count(loop));
  return 0;
}
