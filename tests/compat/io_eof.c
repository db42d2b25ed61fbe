/* Peer hang-up: EOF on a pipe and on a socket after the writer closed, and write readiness
 * (then EPIPE) on a pipe or socket whose reader is gone. */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>

#include "compat.h"

/* One byte per callback so the data and the EOF arrive in separate iterations. */
static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  ssize_t n = read(w->fd, &c, 1);
  if (n > 0) {
    printf("  read '%c'\n", c);
    return;
  }
  printf("  read returned %zd: %s\n", n, n == 0 ? "EOF" : "error");
  ev_io_stop(loop, w);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ssize_t n = write(w->fd, "y", 1);
  printf("  write returned %zd%s\n", n, n < 0 && errno == EPIPE ? " EPIPE" : "");
  ev_io_stop(loop, w);
}

static void watch(struct ev_loop *loop, int fd, int events, const char *label) {
  ev_io w;
  ev_io_init(&w, events & EV_READ ? on_readable : on_writable, fd, events);
  w.data = (void *)label;
  ev_io_start(loop, &w);
  printf("%s: run returned %d\n", label, ev_run(loop, 0));
}

int main(void) {
  compat_begin();
  signal(SIGPIPE, SIG_IGN);
  struct ev_loop *loop = ev_default_loop(0);
  int p[2], s[2];

  require(pipe(p) == 0, "pipe");
  require(write(p[1], "xy", 2) == 2, "write");
  close(p[1]);
  watch(loop, p[0], EV_READ, "pipe-reader-after-writer-closed");
  close(p[0]);

  require(pipe(p) == 0, "pipe");
  close(p[0]);
  watch(loop, p[1], EV_WRITE, "pipe-writer-after-reader-closed");
  close(p[1]);

  require(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
  require(write(s[1], "z", 1) == 1, "write");
  close(s[1]);
  watch(loop, s[0], EV_READ, "socket-reader-after-peer-closed");
  watch(loop, s[0], EV_WRITE, "socket-writer-after-peer-closed");
  close(s[0]);

  require(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
  require(shutdown(s[1], SHUT_WR) == 0, "shutdown");
  watch(loop, s[0], EV_READ, "socket-reader-after-peer-shutdown");
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
