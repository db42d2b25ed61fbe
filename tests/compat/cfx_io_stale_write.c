/* Companion of cfx_io_stale_ready: readiness that came and went while the loop was not
 * running. A WRITE watcher on a full pipe whose buffer is drained and refilled outside the loop;
 * a READ watcher that is stopped while data arrives and is consumed, then started again; a READ
 * watcher whose data arrives and is consumed between two iterations twice. All fds are
 * non-blocking, so a stale report shows as "would block". */
#include <errno.h>
#include <fcntl.h>

#include "compat.h"

static int fds[2];
static char buf[1 << 16];

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ssize_t n = (revents & EV_READ) ? read(w->fd, buf, 1) : write(w->fd, "w", 1);
  if (n == 1)
    printf("  one byte\n");
  else
    printf("  %s\n", n < 0 && errno == EAGAIN ? "would block" : "other");
}

static void fill(void) {
  while (write(fds[1], buf, sizeof buf) > 0) {
  }
}

static void drain(void) {
  while (read(fds[0], buf, sizeof buf) > 0) {
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(fds) == 0, "pipe");
  require(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0 && fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0,
          "fcntl");
  memset(buf, 'x', sizeof buf);
  fill();
  ev_io writer, reader;
  ev_io_init(&writer, on_io, fds[1], EV_WRITE);
  writer.data = "writer";
  ev_io_init(&reader, on_io, fds[0], EV_READ);
  reader.data = "reader";

  ev_io_start(loop, &writer);
  printf("full: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  drain();
  fill();
  printf("drained and refilled: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_io_stop(loop, &writer);
  drain();

  ev_io_start(loop, &reader);
  printf("empty: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_io_stop(loop, &reader);
  require(write(fds[1], "a", 1) == 1, "write");
  drain();
  ev_io_start(loop, &reader);
  printf("data came and went while stopped: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  for (int i = 0; i < 2; ++i) {
    require(write(fds[1], "b", 1) == 1, "write");
    drain();
    printf("data came and went %d: run returned %d\n", i, ev_run(loop, EVRUN_NOWAIT));
  }
  require(write(fds[1], "c", 1) == 1, "write");
  printf("data: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("nothing: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  return 0;
}
