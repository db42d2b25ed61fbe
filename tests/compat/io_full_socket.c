/* EV_WRITE on a socket whose send buffer is full stays quiet until the peer drains it. The
 * amount of data that fits depends on kernel settings, so it is never printed. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "compat.h"

static size_t bytes_sent;

static void set_nonblocking(int fd) {
  require(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0, "fcntl");
}

static size_t transfer_until_eagain(int fd, int writing) {
  static char chunk[4096];
  size_t total = 0;
  for (;;) {
    ssize_t n = writing ? write(fd, chunk, sizeof chunk) : read(fd, chunk, sizeof chunk);
    if (n > 0) {
      total += (size_t)n;
      continue;
    }
    require(n < 0 && errno == EAGAIN, writing ? "write" : "read");
    return total;
  }
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  require(write(w->fd, "!", 1) == 1, "write");
  ev_io_stop(loop, w);
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  size_t drained = transfer_until_eagain(w->fd, 0);
  if (drained == bytes_sent) {
    printf("  drained everything that was sent\n");
  } else if (drained == 1) {
    printf("  read the byte sent once writable\n");
    ev_io_stop(loop, w);
  } else {
    printf("  drained an unexpected amount\n");
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  int s[2];
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
  set_nonblocking(s[0]);
  set_nonblocking(s[1]);
  bytes_sent = transfer_until_eagain(s[0], 1);
  printf("filled the socket: %s\n", bytes_sent > 0 ? "yes" : "no");

  ev_io writer, reader;
  ev_io_init(&writer, on_writable, s[0], EV_WRITE);
  ev_io_init(&reader, on_readable, s[1], EV_READ);
  writer.data = "writer";
  reader.data = "reader";
  ev_io_start(loop, &writer);
  printf("nowait while full\n");
  ev_run(loop, EVRUN_NOWAIT);
  show_state(&writer);

  ev_io_start(loop, &reader);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
