/*
 * echo_demo: an echo server on 127.0.0.1 and its own clients, all in one event loop.
 *
 * Each client connects without blocking, then sends its messages one at a time and checks
 * that every echo comes back byte for byte. A timer reports progress, SIGINT shuts everything
 * down cleanly, and a summary is printed at the end. Only the libev API is used, so this
 * builds unchanged against libev and evring.
 *
 *   echo_demo [-c clients] [-n messages per client] [-s message bytes] [-b backend]
 *
 * -b select|poll|epoll|io_uring forces a backend; without it the library picks one, and the
 * LIBEV_FLAGS / EVRING_BACKEND environment variables apply. Exits 0 when every echo matched.
 */
#define _GNU_SOURCE
#include <ev.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_MESSAGE_BYTES = 4096 };
static const double PROGRESS_INTERVAL = 0.25; /* seconds */
static const double DEADLINE = 60.0;          /* seconds: a stuck run fails instead of hanging */

struct options {
  int clients;
  int messages;
  int message_bytes;
  unsigned backend; /* 0: let the library choose */
};

/* One accepted connection: echoes whatever it reads, holding back reads while an echo is
 * only partly written. */
struct server_conn {
  ev_io io; /* first member: callbacks get a server_conn * from the ev_io * */
  char buf[MAX_MESSAGE_BYTES];
  size_t pending; /* bytes read but not yet echoed */
  size_t written; /* bytes of buf already echoed */
};

/* One client: sends message `sent`, waits for its echo, then goes on to the next one. */
struct client {
  ev_io io; /* first member, as above */
  int id;
  int connected;
  int sent;        /* messages fully echoed so far */
  size_t out_done; /* bytes of the current message written */
  size_t in_done;  /* bytes of its echo received */
  char expected[MAX_MESSAGE_BYTES];
  char received[MAX_MESSAGE_BYTES];
};

static struct demo {
  struct options opt;
  struct sockaddr_in address;
  ev_io listener;
  ev_timer progress;
  ev_timer deadline;
  ev_signal sigint;
  struct server_conn *conns; /* opt.clients slots; io.fd < 0 when free */
  struct client *clients;
  int accepted;
  int clients_done;      /* finished, successfully or not */
  int clients_completed; /* every echo matched */
  int failures;
  int interrupted;
  long messages_echoed;
  long bytes_sent;
  long bytes_received;
  ev_tstamp started;
} demo;

static const char *backend_name(unsigned backend) {
  switch (backend) {
    case EVBACKEND_SELECT:
      return "select";
    case EVBACKEND_POLL:
      return "poll";
    case EVBACKEND_EPOLL:
      return "epoll";
    case EVBACKEND_IOURING:
      return "io_uring";
    default:
      return "unknown";
  }
}

static unsigned backend_from_name(const char *name) {
  static const unsigned known[] = {EVBACKEND_SELECT, EVBACKEND_POLL, EVBACKEND_EPOLL,
                                   EVBACKEND_IOURING};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; ++i)
    if (strcmp(name, backend_name(known[i])) == 0) return known[i];
  return 0;
}

static void fail(const char *what, int client_id) {
  if (client_id >= 0)
    fprintf(stderr, "client %d: %s\n", client_id, what);
  else
    fprintf(stderr, "%s\n", what);
  ++demo.failures;
}

/* Changing the events of an io watcher means stopping it, setting it and starting it again. */
static void watch(struct ev_loop *loop, ev_io *io, int events) {
  if (io->events == events) return;
  ev_io_stop(loop, io);
  ev_io_set(io, io->fd, events);
  ev_io_start(loop, io);
}

static void close_watched(struct ev_loop *loop, ev_io *io) {
  ev_io_stop(loop, io);
  close(io->fd);
  io->fd = -1;
}

/* Once no socket is open, only unreferenced watchers are left and ev_run returns. */
static void close_all_sockets(struct ev_loop *loop) {
  if (demo.listener.fd >= 0) close_watched(loop, &demo.listener);
  for (int i = 0; i < demo.opt.clients; ++i) {
    if (demo.conns[i].io.fd >= 0) close_watched(loop, &demo.conns[i].io);
    if (demo.clients[i].io.fd >= 0) close_watched(loop, &demo.clients[i].io);
  }
}

/* ---- server -------------------------------------------------------------------------------- */

static void server_conn_cb(struct ev_loop *loop, ev_io *io, int revents) {
  struct server_conn *conn = (struct server_conn *)io;

  if (revents & EV_READ) {
    ssize_t n = recv(io->fd, conn->buf, sizeof conn->buf, 0);
    if (n == 0) { /* the client is done */
      close_watched(loop, io);
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      fail("server: read failed", -1);
      close_watched(loop, io);
      return;
    }
    conn->pending = (size_t)n;
    conn->written = 0;
  }

  ssize_t n = send(io->fd, conn->buf + conn->written, conn->pending - conn->written, MSG_NOSIGNAL);
  if (n < 0 && errno != EAGAIN && errno != EINTR) {
    fail("server: write failed", -1);
    close_watched(loop, io);
    return;
  }
  if (n > 0) conn->written += (size_t)n;
  watch(loop, io, conn->written < conn->pending ? EV_WRITE : EV_READ);
}

static void listener_cb(struct ev_loop *loop, ev_io *io, int revents) {
  for (;;) {
    int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR) fail("server: accept failed", -1);
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct server_conn *conn = &demo.conns[demo.accepted++];
    ev_io_init(&conn->io, server_conn_cb, fd, EV_READ);
    ev_io_start(loop, &conn->io);
    if (demo.accepted == demo.opt.clients) { /* everyone is in: stop listening */
      close_watched(loop, io);
      return;
    }
  }
}

/* ---- clients ------------------------------------------------------------------------------- */

/* Message k of client c: a readable header, then a pattern that differs per client and per
 * message, so a mixed-up or truncated echo cannot match. */
static void compose_message(struct client *c) {
  size_t size = (size_t)demo.opt.message_bytes;
  char header[32];
  int len = snprintf(header, sizeof header, "client %d message %d:", c->id, c->sent);
  for (size_t i = 0; i < size; ++i)
    c->expected[i] = i < (size_t)len ? header[i] : (char)('a' + (c->id * 7 + c->sent + i) % 26);
  c->out_done = 0;
  c->in_done = 0;
}

static void client_finished(struct ev_loop *loop, struct client *c) {
  close_watched(loop, &c->io);
  ++demo.clients_done;
}

static void client_cb(struct ev_loop *loop, ev_io *io, int revents) {
  struct client *c = (struct client *)io;
  size_t size = (size_t)demo.opt.message_bytes;

  if (!c->connected) { /* the first writability reports the outcome of connect() */
    c->connected = 1;
    int error = 0;
    socklen_t error_len = sizeof error;
    getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &error, &error_len);
    if (error) {
      fail(strerror(error), c->id);
      client_finished(loop, c);
      return;
    }
  }

  if (revents & EV_WRITE) {
    ssize_t n = send(io->fd, c->expected + c->out_done, size - c->out_done, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      fail("write failed", c->id);
      client_finished(loop, c);
      return;
    }
    if (n > 0) {
      c->out_done += (size_t)n;
      demo.bytes_sent += n;
    }
    if (c->out_done == size) watch(loop, io, EV_READ);
    return;
  }

  ssize_t n = recv(io->fd, c->received + c->in_done, size - c->in_done, 0);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    fail(n == 0 ? "server closed the connection early" : "read failed", c->id);
    client_finished(loop, c);
    return;
  }
  c->in_done += (size_t)n;
  demo.bytes_received += n;
  if (c->in_done < size) return;

  if (memcmp(c->expected, c->received, size) != 0) {
    fail("echo does not match the message sent", c->id);
    client_finished(loop, c);
    return;
  }
  ++demo.messages_echoed;
  if (++c->sent == demo.opt.messages) {
    ++demo.clients_completed;
    client_finished(loop, c);
    return;
  }
  compose_message(c);
  watch(loop, io, EV_WRITE);
}

static int start_client(struct ev_loop *loop, struct client *c, int id) {
  c->id = id;
  c->sent = 0;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&demo.address, sizeof demo.address) < 0 &&
      errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  compose_message(c);
  /* Writable means connected (or failed: client_cb checks SO_ERROR). */
  ev_io_init(&c->io, client_cb, fd, EV_WRITE);
  ev_io_start(loop, &c->io);
  return 0;
}

/* ---- timers and signals -------------------------------------------------------------------- */

static void progress_cb(struct ev_loop *loop, ev_timer *timer, int revents) {
  printf("progress: %5.2f s  %ld/%ld messages echoed, %d/%d clients done\n",
         ev_now(loop) - demo.started, demo.messages_echoed,
         (long)demo.opt.clients * demo.opt.messages, demo.clients_done, demo.opt.clients);
}

static void deadline_cb(struct ev_loop *loop, ev_timer *timer, int revents) {
  fail("deadline reached: the demo is stuck", -1);
  close_all_sockets(loop);
}

static void sigint_cb(struct ev_loop *loop, ev_signal *signal, int revents) {
  printf("SIGINT: shutting down\n");
  demo.interrupted = 1;
  close_all_sockets(loop);
}

/* ---- setup --------------------------------------------------------------------------------- */

static int listen_on_loopback(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  memset(&demo.address, 0, sizeof demo.address);
  demo.address.sin_family = AF_INET;
  demo.address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  demo.address.sin_port = 0; /* the kernel picks a free port */
  socklen_t len = sizeof demo.address;
  if (bind(fd, (struct sockaddr *)&demo.address, sizeof demo.address) < 0 ||
      listen(fd, demo.opt.clients) < 0 ||
      getsockname(fd, (struct sockaddr *)&demo.address, &len) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int parse_count(const char *text, int max) {
  char *end;
  long value = strtol(text, &end, 10);
  return *end == '\0' && value > 0 && value <= max ? (int)value : -1;
}

static int parse_options(int argc, char **argv, struct options *opt) {
  opt->clients = 10;
  opt->messages = 10000;
  opt->message_bytes = 64;
  opt->backend = 0;
  int c;
  while ((c = getopt(argc, argv, "c:n:s:b:")) != -1) {
    switch (c) {
      case 'c':
        opt->clients = parse_count(optarg, 1000);
        break;
      case 'n':
        opt->messages = parse_count(optarg, 10000000);
        break;
      case 's':
        opt->message_bytes = parse_count(optarg, MAX_MESSAGE_BYTES);
        break;
      case 'b':
        opt->backend = backend_from_name(optarg);
        if (!opt->backend) return -1;
        break;
      default:
        return -1;
    }
  }
  if (optind != argc || opt->clients < 0 || opt->messages < 0 || opt->message_bytes < 32) return -1;
  return 0;
}

int main(int argc, char **argv) {
  if (parse_options(argc, argv, &demo.opt) < 0) {
    fprintf(stderr,
            "usage: %s [-c clients (1-1000)] [-n messages (1-10000000)] [-s bytes (32-%d)]\n"
            "          [-b select|poll|epoll|io_uring]\n",
            argv[0], MAX_MESSAGE_BYTES);
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);

  /* A forced backend also ignores LIBEV_FLAGS / EVRING_BACKEND. */
  unsigned flags = demo.opt.backend ? demo.opt.backend | EVFLAG_NOENV : EVFLAG_AUTO;
  struct ev_loop *loop = ev_default_loop(flags);
  if (!loop) {
    fprintf(stderr, "could not create a loop with the %s backend\n",
            demo.opt.backend ? backend_name(demo.opt.backend) : "default");
    return 1;
  }

  demo.conns = calloc((size_t)demo.opt.clients, sizeof *demo.conns);
  demo.clients = calloc((size_t)demo.opt.clients, sizeof *demo.clients);
  if (!demo.conns || !demo.clients) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  for (int i = 0; i < demo.opt.clients; ++i) demo.conns[i].io.fd = demo.clients[i].io.fd = -1;

  int listen_fd = listen_on_loopback();
  if (listen_fd < 0) {
    perror("listening on 127.0.0.1");
    return 1;
  }
  ev_io_init(&demo.listener, listener_cb, listen_fd, EV_READ);
  ev_io_start(loop, &demo.listener);

  printf("echo_demo: backend %s, %d clients x %d messages x %d bytes, server on 127.0.0.1:%d\n",
         backend_name(ev_backend(loop)), demo.opt.clients, demo.opt.messages,
         demo.opt.message_bytes, ntohs(demo.address.sin_port));

  demo.started = ev_time();
  for (int i = 0; i < demo.opt.clients; ++i) {
    if (start_client(loop, &demo.clients[i], i) < 0) {
      perror("connecting to the server");
      return 1;
    }
  }

  /* The timers and the signal watcher are unreferenced: the loop ends by itself once every
   * connection is closed. */
  ev_timer_init(&demo.progress, progress_cb, PROGRESS_INTERVAL, PROGRESS_INTERVAL);
  ev_timer_start(loop, &demo.progress);
  ev_unref(loop);
  ev_timer_init(&demo.deadline, deadline_cb, DEADLINE, 0.);
  ev_timer_start(loop, &demo.deadline);
  ev_unref(loop);
  ev_signal_init(&demo.sigint, sigint_cb, SIGINT);
  ev_signal_start(loop, &demo.sigint);
  ev_unref(loop);

  ev_run(loop, 0);

  double elapsed = ev_time() - demo.started;
  /* Unreferenced watchers must be referenced again before they are stopped. */
  ev_ref(loop);
  ev_timer_stop(loop, &demo.progress);
  ev_ref(loop);
  ev_timer_stop(loop, &demo.deadline);
  ev_ref(loop);
  ev_signal_stop(loop, &demo.sigint);

  printf(
      "summary: backend %s, %d connections accepted, %d/%d clients completed, "
      "%ld messages echoed, %ld bytes sent, %ld bytes received, %.3f s elapsed\n",
      backend_name(ev_backend(loop)), demo.accepted, demo.clients_completed, demo.opt.clients,
      demo.messages_echoed, demo.bytes_sent, demo.bytes_received, elapsed);
  free(demo.conns);
  free(demo.clients);
  ev_loop_destroy(loop);

  if (demo.interrupted) return 130;
  long expected = (long)demo.opt.clients * demo.opt.messages;
  if (demo.failures || demo.messages_echoed != expected) {
    fprintf(stderr, "FAILED: %ld of %ld messages echoed correctly\n", demo.messages_echoed,
            expected);
    return 1;
  }
  return 0;
}
