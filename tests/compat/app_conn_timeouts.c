/* Connection inactivity timeouts as a server keeps them ("be smart about timeouts", method 2):
 * four socketpair connections, each with an io watcher and an inactivity timer (300 ms) that
 * every received byte pushes back with ev_timer_again. A client-traffic timer (every 120 ms)
 * writes to connection 0 eight times, to connection 1 three times, never to connection 2, and
 * once to connection 3, whose server then raises its timeout to 780 ms on the fly. A connection
 * that times out is closed from the timer callback: io watcher stopped, fds closed, timer left
 * stopped. Timeouts fall 60 ms from the nearest tick; everything is traced without iteration
 * numbers. */
#include <stddef.h>
#include <sys/socket.h>

#include "compat.h"

#define CONNS 4

struct conn {
  ev_io io;
  ev_timer timeout;
  int fds[2];
  int received;
  char name[16], timer_name[24];
};

static struct conn conns[CONNS];
static ev_timer traffic;
static int ticks;

static void close_conn(struct ev_loop *loop, struct conn *c) {
  ev_io_stop(loop, &c->io);
  ev_timer_stop(loop, &c->timeout);
  close(c->fds[0]);
  close(c->fds[1]);
  printf("  %s closed after %d bytes\n", c->name, c->received);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, timeout));
  printf("  active=%d (repeat %.2f)\n", !!ev_is_active(w), w->repeat);
  close_conn(loop, c);
}

/* Only connection 3's first byte is traced: the others may be read just before or just after
 * an expiry that a stalled machine moves into the same iteration. */
static void io_cb(struct ev_loop *loop, ev_io *w, int revents) {
  struct conn *c = (struct conn *)w;
  char b;
  require(read(w->fd, &b, 1) == 1, "read");
  ++c->received;
  if (c == &conns[3]) {
    trace_untimed(w, revents);
    c->timeout.repeat = 0.78;
    printf("  timeout raised to 780 ms\n");
  }
  ev_timer_again(loop, &c->timeout);
  double off = ev_timer_remaining(loop, &c->timeout) - c->timeout.repeat;
  if (off > 1e-6 || off < -1e-6) printf("  %s: remaining differs from repeat\n", c->name);
}

static void traffic_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  ++ticks;
  for (int i = 0; i < CONNS; ++i) {
    int send = (i == 0 && ticks <= 8) || (i == 1 && ticks <= 3) || (i == 3 && ticks == 1);
    if (send && ev_is_active(&conns[i].io)) {
      require(write(conns[i].fds[1], "x", 1) == 1, "write");
      printf("  tick %d: byte to %s\n", ticks, conns[i].name);
    }
  }
  if (ticks == 8) {
    printf("  traffic ends\n");
    ev_timer_stop(loop, w);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  for (int i = 0; i < CONNS; ++i) {
    struct conn *c = &conns[i];
    require(socketpair(AF_UNIX, SOCK_STREAM, 0, c->fds) == 0, "socketpair");
    snprintf(c->name, sizeof c->name, "conn %d", i);
    snprintf(c->timer_name, sizeof c->timer_name, "conn %d timeout", i);
    ev_io_init(&c->io, io_cb, c->fds[0], EV_READ);
    c->io.data = c->name;
    ev_init(&c->timeout, timeout_cb);
    c->timeout.repeat = 0.3;
    c->timeout.data = c->timer_name;
    ev_io_start(loop, &c->io);
    ev_timer_again(loop, &c->timeout);
  }
  ev_timer_init(&traffic, traffic_cb, 0.12, 0.12);
  traffic.data = "traffic";
  ev_timer_start(loop, &traffic);
  printf("run returned %d\n", ev_run(loop, 0));
  for (int i = 0; i < CONNS; ++i) printf("%s received %d\n", conns[i].name, conns[i].received);
  return 0;
}
