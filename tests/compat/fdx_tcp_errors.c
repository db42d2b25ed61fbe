/* TCP loopback sockets in trouble, watched for EV_READ|EV_WRITE (or EV_READ alone):
 *   reset: the peer sets SO_LINGER {1, 0} and closes, so a RST arrives;
 *   reset-read-only: the same with an EV_READ watcher;
 *   data-then-reset: the peer sends data, then resets;
 *   peer-closed: the peer sends data and closes normally (FIN);
 *   write-after-close: the peer closes; the watcher writes until EPIPE;
 *   half-close: the peer shuts down its sending side; the watcher reads EOF, keeps writing and
 *     the peer still receives.
 * Each callback traces revents and does one read (and for the writing cases one write); the
 * watcher stops after four calls. SIGPIPE is ignored. Each case runs in its own child. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include "compat.h"

enum kind { RESET, RESET_READ_ONLY, DATA_THEN_RESET, PEER_CLOSED, WRITE_AFTER_CLOSE, HALF_CLOSE };
static const char *const kind_names[] = {"reset",       "reset-read-only",   "data-then-reset",
                                         "peer-closed", "write-after-close", "half-close"};

static enum kind kind;
static int peer;
static int calls;

static const char *errno_name(int e) {
  switch (e) {
    case EAGAIN:
      return "EAGAIN";
    case ECONNRESET:
      return "ECONNRESET";
    case EPIPE:
      return "EPIPE";
    default:
      return "other";
  }
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  int error = 0;
  socklen_t len = sizeof error;
  require(getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0, "getsockopt");
  if (error) printf("  SO_ERROR %s\n", errno_name(error));
  char buf[8];
  ssize_t n = read(w->fd, buf, sizeof buf);
  if (n > 0)
    printf("  read '%.*s'\n", (int)n, buf);
  else if (n == 0)
    printf("  read EOF\n");
  else
    printf("  read failed: %s\n", errno_name(errno));
  if (kind == WRITE_AFTER_CLOSE || kind == HALF_CLOSE) {
    ssize_t m = write(w->fd, "w", 1);
    if (m >= 0)
      printf("  write returned %zd\n", m);
    else
      printf("  write failed: %s\n", errno_name(errno));
    if (kind == HALF_CLOSE) {
      char c;
      ssize_t r = read(peer, &c, 1);
      printf("  peer read %zd\n", r);
    }
  }
  if (++calls == 4) {
    ev_io_stop(loop, w);
    printf("  stopped\n");
  }
}

static void make_pair(int *client, int *server) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  require(listener >= 0, "socket");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  require(bind(listener, (struct sockaddr *)&addr, sizeof addr) == 0, "bind");
  require(listen(listener, 1) == 0, "listen");
  require(getsockname(listener, (struct sockaddr *)&addr, &len) == 0, "getsockname");
  *client = socket(AF_INET, SOCK_STREAM, 0);
  require(*client >= 0, "socket");
  require(connect(*client, (struct sockaddr *)&addr, sizeof addr) == 0, "connect");
  *server = accept(listener, NULL, NULL);
  require(*server >= 0, "accept");
  close(listener);
}

static void reset(int fd) {
  struct linger linger = {1, 0};
  require(setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger) == 0, "setsockopt");
  require(close(fd) == 0, "close");
}

static void run_case(const void *arg) {
  kind = *(const enum kind *)arg;
  signal(SIGPIPE, SIG_IGN);
  struct ev_loop *loop = ev_default_loop(0);
  int client;
  make_pair(&client, &peer);
  require(fcntl(client, F_SETFL, O_NONBLOCK) == 0 && fcntl(peer, F_SETFL, O_NONBLOCK) == 0,
          "fcntl");
  int events = EV_READ | EV_WRITE;
  switch (kind) {
    case RESET:
      reset(peer);
      break;
    case RESET_READ_ONLY:
      reset(peer);
      events = EV_READ;
      break;
    case DATA_THEN_RESET:
      require(write(peer, "data", 4) == 4, "write");
      reset(peer);
      events = EV_READ;
      break;
    case PEER_CLOSED:
      require(write(peer, "data", 4) == 4, "write");
      require(close(peer) == 0, "close");
      events = EV_READ;
      break;
    case WRITE_AFTER_CLOSE:
      require(close(peer) == 0, "close");
      events = EV_WRITE;
      break;
    case HALF_CLOSE:
      require(shutdown(peer, SHUT_WR) == 0, "shutdown");
      break;
  }
  ev_io w;
  ev_io_init(&w, on_io, client, events);
  w.data = "client";
  ev_io_start(loop, &w);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
}

int main(void) {
  compat_begin();
  for (enum kind k = RESET; k <= HALF_CLOSE; ++k) run_isolated(kind_names[k], run_case, &k);
  return 0;
}
