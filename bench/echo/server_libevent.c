/* Benchmark server on libevent 2.1's event API (not bufferevents), so it compares loops, not
   buffering layers. */
#include <event2/event.h>
#include <stdlib.h>
#include <unistd.h>

#include "../common/libevent_method.h"
#include "listener.h"
#include "server_adapter.h"

struct connection {
  struct event *event;
  struct session session;
};

static struct event_base *base;
static enum session_mode serving_mode;

static void on_client(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct connection *connection = arg;
  if (session_serve_readable(fd, &connection->session) == SESSION_CLOSE) {
    event_free(connection->event);
    close(fd);
    free(connection);
  }
}

static void on_listener(evutil_socket_t listen_fd, short what, void *arg) {
  (void)what;
  (void)arg;
  int fd;
  while ((fd = listener_accept(listen_fd)) >= 0) {
    struct connection *connection = malloc(sizeof *connection);
    if (connection) {
      connection->event = event_new(base, fd, EV_READ | EV_PERSIST, on_client, connection);
    }
    if (!connection || !connection->event) {
      free(connection);
      close(fd);
      continue;
    }
    session_init(&connection->session, serving_mode);
    event_add(connection->event, NULL);
  }
}

const char *adapter_serve(int listen_fd, const char *backend, enum session_mode mode) {
  const char *failure = NULL;
  base = bench_libevent_base(backend, &failure);
  if (!base) return failure;
  serving_mode = mode;
  struct event *listener = event_new(base, listen_fd, EV_READ | EV_PERSIST, on_listener, NULL);
  if (!listener) return "event_new failed";
  event_add(listener, NULL);
  event_base_dispatch(base);
  return NULL;
}
