/* One socket with separate EV_READ and EV_WRITE watchers, started, stopped and re-set in
 * various orders, both from a timer (while the loop is blocked with the fd registered) and from
 * the io callbacks themselves. Every io watcher stops itself when called (one-shot), and reads
 * one byte when it gets EV_READ, so a writable socket never spins the loop and each step shows
 * exactly which events the mask changes produced. A timer re-armed every 30 ms drives the steps;
 * a check watcher traces the iterations. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "compat.h"

static int s[2];
static ev_io reader, writer;
static ev_timer ticker;
static int step;

static void peer_writes(const char *byte) {
  require(write(s[1], byte, 1) == 1, "write");
  printf("  peer wrote '%s'\n", byte);
}

static void restart_as(struct ev_loop *loop, ev_io *w, int events) {
  ev_io_stop(loop, w);
  ev_io_set(w, s[0], events);
  ev_io_start(loop, w);
  printf("  %s restarted for %s\n", label_of(w), revents_text(events));
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, w);
  if (revents & EV_READ) {
    char c;
    ssize_t n = read(s[0], &c, 1);
    if (n == 1)
      printf("  read '%c'\n", c);
    else
      printf("  read %zd%s\n", n, n < 0 && errno == EAGAIN ? " EAGAIN" : "");
  }
  ev_io *other = w == &reader ? &writer : &reader;
  switch (step) {
    case 4: /* the writer runs first (started last); the reader is pending too */
      if (w == &writer) {
        show_state(other);
        ev_io_stop(loop, other);
        printf("  stopped the pending %s\n", label_of(other));
        ev_io_set(other, s[0], EV_WRITE);
        ev_io_start(loop, other);
        printf("  restarted it for WRITE only\n");
      }
      break;
    case 6:
      if (w == &writer) {
        peer_writes("c");
        restart_as(loop, other, EV_READ);
      }
      break;
    case 7:
      if (w == &reader && (revents & EV_WRITE)) restart_as(loop, w, EV_READ);
      break;
    default:
      break;
  }
}

/* One-shot, re-armed from its own callback: a repeating timer catches up on a busy machine and
 * would then fire in the middle of a step. */
static void on_tick(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_timer_set(w, 0.03, 0.);
  ev_timer_start(loop, w);
  switch (++step) {
    case 1:
      ev_io_set(&reader, s[0], EV_READ);
      ev_io_start(loop, &reader);
      printf("  reader started for READ, nothing to read\n");
      break;
    case 2:
      ev_io_start(loop, &writer);
      printf("  writer started while the reader waits\n");
      break;
    case 3:
      peer_writes("a");
      break;
    case 4:
      peer_writes("b");
      ev_io_set(&reader, s[0], EV_READ);
      ev_io_start(loop, &reader);
      ev_io_start(loop, &writer);
      printf("  reader and writer started\n");
      break;
    case 5:
      restart_as(loop, &reader, EV_READ);
      break;
    case 6:
      ev_io_start(loop, &writer);
      printf("  writer started\n");
      break;
    case 7:
      peer_writes("d");
      restart_as(loop, &reader, EV_READ | EV_WRITE);
      break;
    case 8:
      ev_io_set(&writer, s[0], EV_READ | EV_WRITE);
      ev_io_start(loop, &writer);
      ev_io_stop(loop, &writer);
      ev_io_start(loop, &reader);
      ev_io_stop(loop, &reader);
      peer_writes("e");
      ev_io_set(&reader, s[0], EV_READ);
      ev_io_start(loop, &reader);
      printf("  started and stopped both, then the reader again\n");
      break;
    default:
      show_state(&reader);
      show_state(&writer);
      ev_io_stop(loop, &reader);
      ev_io_stop(loop, &writer);
      ev_timer_stop(loop, w);
      stop_tracing_iterations(loop);
      break;
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
  require(fcntl(s[0], F_SETFL, O_NONBLOCK) == 0, "fcntl");
  ev_io_init(&reader, on_io, s[0], EV_READ);
  reader.data = "reader";
  ev_io_init(&writer, on_io, s[0], EV_WRITE);
  writer.data = "writer";
  ev_timer_init(&ticker, on_tick, 0.03, 0.);
  ticker.data = "ticker";
  ev_timer_start(loop, &ticker);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("run returned %d after %u iterations\n", result, ev_iteration(loop));
  return 0;
}
