/* The skeleton of the completion-I/O example servers: see ops_server.h. */
#define _GNU_SOURCE
#include "ops_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static const double ACCEPT_PAUSE = 0.1; /* seconds without accepting when out of fds or memory */

int ops_pooled;

static struct server {
  const struct ops_protocol *protocol;
  int listen_fd;
  int stopping;
  int failed;
  evring_op acceptor; /* one multishot accept for every connection */
  ev_timer accept_pause;
  ev_signal sigint, sigterm;
  struct ops_conn *conns; /* open connections */
  long accepted;
} server;

static const struct {
  const char *name;
  unsigned flag;
} backends[] = {{"select", EVBACKEND_SELECT},
                {"poll", EVBACKEND_POLL},
                {"epoll", EVBACKEND_EPOLL},
                {"io_uring", EVBACKEND_IOURING}};

static const char *backend_name(unsigned flag) {
  for (size_t i = 0; i < sizeof backends / sizeof backends[0]; ++i)
    if (backends[i].flag == flag) return backends[i].name;
  return "unknown";
}

/* ---- connections --------------------------------------------------------------------------- */

static void hold(struct ops_conn *conn) {
  ++conn->holds;
}

static void drop(struct ops_conn *conn) {
  if (--conn->holds || !conn->closed) return;
  if (conn->prev)
    conn->prev->next = conn->next;
  else
    server.conns = conn->next;
  if (conn->next) conn->next->prev = conn->prev;
  free(conn);
}

void ops_conn_start(struct ev_loop *loop, struct ops_conn *conn, evring_op *op) {
  op->data = conn;
  hold(conn);
  evring_op_start(loop, op);
}

void ops_conn_ended(struct ev_loop *loop, struct ops_conn *conn, const evring_op *op) {
  if (!op->more) drop(conn);
}

static void on_closed(struct ev_loop *loop, evring_op *op, int revents) {
  struct ops_conn *conn = op->data;
  if (op->result < 0) fprintf(stderr, "close: %s\n", strerror((int)-op->result));
  conn->closed = 1;
  drop(conn);
}

void ops_conn_close(struct ev_loop *loop, struct ops_conn *conn) {
  if (conn->closing) return;
  conn->closing = 1;
  evring_close_init(&conn->close, on_closed, conn->fd);
  conn->close.data = conn;
  hold(conn); /* dropped by on_closed, which also marks the connection closed */
  evring_op_start(loop, &conn->close);
}

static void adopt(struct ev_loop *loop, int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* small replies go out at once */
  size_t size = server.protocol->conn_size + (ops_pooled ? 0 : server.protocol->unpooled_buffer);
  struct ops_conn *conn = calloc(1, size);
  if (!conn) {
    close(fd);
    return;
  }
  conn->fd = fd;
  conn->next = server.conns;
  if (server.conns) server.conns->prev = conn;
  server.conns = conn;
  ++server.accepted;
  server.protocol->start(loop, conn);
}

/* ---- accepting and stopping ---------------------------------------------------------------- */

static void stop_server(struct ev_loop *loop) {
  if (server.stopping) return;
  server.stopping = 1;
  /* Connections the kernel accepted before the stop took effect are closed unserved. */
  while (evring_op_stop(loop, &server.acceptor))
    if (server.acceptor.result >= 0) close((int)server.acceptor.result);
  ev_timer_stop(loop, &server.accept_pause);
  close(server.listen_fd);
  ev_signal_stop(loop, &server.sigint);
  ev_signal_stop(loop, &server.sigterm);
  /* Starting a close op runs no callback, so the list stays as it is while it is walked. */
  for (struct ops_conn *conn = server.conns; conn; conn = conn->next) ops_conn_close(loop, conn);
  /* The loop ends once the last connection is gone. */
}

static void on_accepted(struct ev_loop *loop, evring_op *op, int revents) {
  if (op->result >= 0) adopt(loop, (int)op->result);
  if (op->more || server.stopping) return;
  /* The multishot accept ended. Out of fds or memory: pause, so as not to spin on the error. */
  switch (op->result) {
    case -EMFILE:
    case -ENFILE:
    case -ENOBUFS:
    case -ENOMEM:
      fprintf(stderr, "%s: accept: %s; pausing\n", server.protocol->name,
              strerror((int)-op->result));
      ev_timer_start(loop, &server.accept_pause);
      return;
    case -ECONNABORTED:
    case -EINTR:
    case -EPROTO:
      break;
    default:
      if (op->result < 0) {
        fprintf(stderr, "%s: accept: %s\n", server.protocol->name, strerror((int)-op->result));
        server.failed = 1;
        stop_server(loop);
        return;
      }
  }
  evring_op_start(loop, op);
}

static void on_accept_pause_over(struct ev_loop *loop, ev_timer *timer, int revents) {
  evring_op_start(loop, &server.acceptor);
}

static void on_signal(struct ev_loop *loop, ev_signal *signal, int revents) {
  stop_server(loop);
}

/* ---- setup --------------------------------------------------------------------------------- */

static int listen_on_loopback(int port) {
  /* Non-blocking: a connection reset between readiness and accept must not block the loop. */
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0 || listen(fd, SOMAXCONN) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int bound_port(int fd) {
  struct sockaddr_in address;
  socklen_t length = sizeof address;
  if (getsockname(fd, (struct sockaddr *)&address, &length) < 0) return -1;
  return ntohs(address.sin_port);
}

static int parse_options(int argc, char **argv, int *port, unsigned *backend) {
  int c;
  while ((c = getopt(argc, argv, "p:b:P")) != -1) {
    switch (c) {
      case 'p': {
        char *end;
        long value = strtol(optarg, &end, 10);
        if (*end || end == optarg || value < 0 || value > 65535) return -1;
        *port = (int)value;
        break;
      }
      case 'b':
        *backend = 0;
        for (size_t i = 0; i < sizeof backends / sizeof backends[0]; ++i)
          if (strcmp(optarg, backends[i].name) == 0) *backend = backends[i].flag;
        if (!*backend) return -1;
        break;
      case 'P':
        ops_pooled = 1;
        break;
      default:
        return -1;
    }
  }
  return optind == argc ? 0 : -1;
}

/* A server's connections are limited by its fds: the soft limit goes up to the hard one. */
static void raise_fd_limit(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int ops_server_main(int argc, char **argv, const struct ops_protocol *protocol) {
  int port = 0;
  unsigned backend = 0;
  if (parse_options(argc, argv, &port, &backend) < 0) {
    fprintf(stderr, "usage: %s [-p port] [-b select|poll|epoll|io_uring] [-P]\n", argv[0]);
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  server.protocol = protocol;
  raise_fd_limit();

  struct ev_loop *loop = ev_default_loop(backend ? backend | EVFLAG_NOENV : EVFLAG_AUTO);
  if (!loop) {
    fprintf(stderr, "%s: no loop with the %s backend\n", protocol->name,
            backend ? backend_name(backend) : "default");
    return 1;
  }
  if (ops_pooled) {
    int error = evring_buffer_pool(loop, protocol->pool_buffers, protocol->pool_buffer_size);
    if (error < 0) {
      fprintf(stderr, "%s: evring_buffer_pool: %s\n", protocol->name, strerror(-error));
      return 1;
    }
  }
  server.listen_fd = listen_on_loopback(port);
  if (server.listen_fd < 0) {
    perror("listening on 127.0.0.1");
    return 1;
  }
  printf("%s: backend %s, %s receives\n", protocol->name, backend_name(ev_backend(loop)),
         ops_pooled ? "pooled multishot" : "per-connection");
  printf("port=%d\n", bound_port(server.listen_fd));

  evring_accept_init(&server.acceptor, on_accepted, server.listen_fd, EVRING_MULTISHOT);
  evring_op_start(loop, &server.acceptor);
  ev_timer_init(&server.accept_pause, on_accept_pause_over, ACCEPT_PAUSE, 0.);
  ev_signal_init(&server.sigint, on_signal, SIGINT);
  ev_signal_start(loop, &server.sigint);
  ev_signal_init(&server.sigterm, on_signal, SIGTERM);
  ev_signal_start(loop, &server.sigterm);

  ev_run(loop, 0);

  printf("%s: stopped after %ld connections\n", protocol->name, server.accepted);
  ev_loop_destroy(loop);
  return server.failed;
}
