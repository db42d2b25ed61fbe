/* The raw epoll floor server: level-triggered epoll with the connection pointer in each event. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "listener.h"
#include "server_adapter.h"

#define MAX_EVENTS 256

struct connection {
  int fd;
  struct session session;
};

static int epoll_fd;
static enum session_mode serving_mode;

static void accept_all(int listen_fd) {
  int fd;
  while ((fd = listener_accept(listen_fd)) >= 0) {
    struct connection *connection = malloc(sizeof *connection);
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = connection};
    if (!connection || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
      free(connection);
      close(fd);
      continue;
    }
    connection->fd = fd;
    session_init(&connection->session, serving_mode);
  }
}

static void serve(struct connection *connection) {
  if (session_serve_readable(connection->fd, &connection->session) == SESSION_CLOSE) {
    close(connection->fd); /* closing the last reference also drops it from the epoll set */
    free(connection);
  }
}

const char *adapter_serve(int listen_fd, const char *backend, enum session_mode mode) {
  (void)backend;
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return "epoll_create1 failed";
  serving_mode = mode;
  struct epoll_event listener = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &listener) != 0) return "epoll_ctl failed";
  struct epoll_event ready[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(epoll_fd, ready, MAX_EVENTS, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return NULL;
    }
    for (int i = 0; i < n; i++) {
      if (ready[i].data.ptr)
        serve(ready[i].data.ptr);
      else
        accept_all(listen_fd);
    }
  }
}
