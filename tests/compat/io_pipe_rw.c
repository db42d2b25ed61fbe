/* Pipe and socketpair readiness: a write end is writable at once, a read end becomes readable
 * only once data arrives, and a socket carries both directions. One fd is ready per iteration,
 * so the trace does not depend on the order a backend reports several fds in. */
#include <sys/socket.h>

#include "compat.h"

static void read_and_print(int fd) {
  char buf[16];
  ssize_t n = read(fd, buf, sizeof buf);
  require(n >= 0, "read");
  printf("  read %zd bytes: '%.*s'\n", n, (int)n, buf);
}

static void on_pipe_writable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  require(write(w->fd, "hello", 5) == 5, "write");
  ev_io_stop(loop, w);
}

static void on_pipe_readable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  read_and_print(w->fd);
  ev_io_stop(loop, w);
}

/* The client first waits for both directions, sends once writable, then only listens. */
static void on_client(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  if (revents & EV_WRITE) {
    require(write(w->fd, "ping", 4) == 4, "write");
    ev_io_stop(loop, w);
    ev_io_set(w, w->fd, EV_READ);
    ev_io_start(loop, w);
    show_state(w);
    return;
  }
  read_and_print(w->fd);
  ev_io_stop(loop, w);
}

static void on_server(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  read_and_print(w->fd);
  require(write(w->fd, "pong", 4) == 4, "write");
  ev_io_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  int pipe_fds[2], sock_fds[2];
  require(pipe(pipe_fds) == 0, "pipe");
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, sock_fds) == 0, "socketpair");

  ev_io reader, writer;
  ev_io_init(&reader, on_pipe_readable, pipe_fds[0], EV_READ);
  ev_io_init(&writer, on_pipe_writable, pipe_fds[1], EV_WRITE);
  reader.data = "pipe-reader";
  writer.data = "pipe-writer";
  ev_io_start(loop, &reader);
  ev_io_start(loop, &writer);
  show_state(&reader);
  show_state(&writer);
  printf("pipe run returned %d\n", ev_run(loop, 0));

  ev_io client, server;
  ev_io_init(&client, on_client, sock_fds[0], EV_READ | EV_WRITE);
  ev_io_init(&server, on_server, sock_fds[1], EV_READ);
  client.data = "client";
  server.data = "server";
  ev_io_start(loop, &client);
  ev_io_start(loop, &server);
  printf("socket run returned %d\n", ev_run(loop, 0));
  show_state(&client);
  show_state(&server);
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
