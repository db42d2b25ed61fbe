/* Benchmark server on the libev API only, so it builds against libev and against evring. */
#include <ev.h>
#include <stdlib.h>
#include <unistd.h>

#include "../common/ev_backend_flag.h"
#include "listener.h"
#include "server_adapter.h"

struct connection {
  ev_io watcher; /* first, so the watcher pointer is the connection pointer */
  struct session session;
};

static enum session_mode serving_mode;

static void on_client(struct ev_loop *loop, ev_io *watcher, int revents) {
  (void)revents;
  struct connection *connection = (struct connection *)watcher;
  if (session_serve_readable(watcher->fd, &connection->session) == SESSION_CLOSE) {
    ev_io_stop(loop, watcher);
    close(watcher->fd);
    free(connection);
  }
}

static void on_listener(struct ev_loop *loop, ev_io *watcher, int revents) {
  (void)revents;
  int fd;
  while ((fd = listener_accept(watcher->fd)) >= 0) {
    struct connection *connection = malloc(sizeof *connection);
    if (!connection) {
      close(fd);
      continue;
    }
    session_init(&connection->session, serving_mode);
    ev_io_init(&connection->watcher, on_client, fd, EV_READ);
    ev_io_start(loop, &connection->watcher);
  }
}

const char *adapter_serve(int listen_fd, const char *backend, enum session_mode mode) {
  unsigned backend_flag = bench_backend_flag(backend);
  if (!backend_flag) return "unknown backend name";
  struct ev_loop *loop = ev_loop_new(backend_flag | EVFLAG_NOENV);
  if (!loop || ev_backend(loop) != backend_flag) return "backend not available";
  serving_mode = mode;
  ev_io listener;
  ev_io_init(&listener, on_listener, listen_fd, EV_READ);
  ev_io_start(loop, &listener);
  ev_run(loop, 0);
  return NULL;
}
