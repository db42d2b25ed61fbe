/* WATCHER PRIORITY MODELS. The manual's case for static priorities: an io watcher receives data
 * and a timer handles the timeout of the same connection; when both are pending in one
 * iteration the timer normally runs first and times out a connection that had data, but with a
 * lower priority for the timer the io callback runs first, and its ev_timer_again (which clears
 * the pending state) keeps the timeout callback from running at all. Then priorities across
 * watcher types in one iteration: pending watchers run highest priority first, a check watcher
 * before the other watchers of its priority, and only the idle watchers of the highest priority
 * that is above every pending event run (lock-out), lower ones once the higher ones stop. */
#include "compat.h"
#include <fcntl.h>

static ev_io io;
static ev_timer timeout;
static int fds[2];

static void io_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char byte;
  require(read(w->fd, &byte, 1) == 1, "read");
  printf("  got data, timeout reset, timeout pending %d\n", !!ev_is_pending(&timeout));
  ev_timer_again(loop, &timeout);
  printf("  after ev_timer_again: timeout pending %d\n", !!ev_is_pending(&timeout));
  ev_io_stop(loop, w);
  ev_timer_stop(loop, &timeout);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  printf("  connection timed out, though data was waiting: %d\n", !!ev_is_pending(&io));
}

static void connection(struct ev_loop *loop, int timer_priority) {
  require(write(fds[1], "x", 1) == 1, "write");
  ev_io_init(&io, io_cb, fds[0], EV_READ);
  io.data = "io";
  ev_io_start(loop, &io);
  ev_init(&timeout, timeout_cb);
  timeout.data = "timeout";
  ev_set_priority(&timeout, timer_priority);
  ev_timer_set(&timeout, -1., 60.); /* already expired: both are pending in the first iteration */
  ev_timer_start(loop, &timeout);
  ev_run(loop, EVRUN_ONCE);
  ev_io_stop(loop, &io);
  ev_timer_stop(loop, &timeout);
  char byte;
  while (read(fds[0], &byte, 1) == 1) {
  }
}

static ev_io mixed_io;
static ev_timer mixed_timer;
static ev_idle idle_high, idle_low;
static ev_check check;
static int rounds;

static void mixed_io_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char byte;
  require(read(w->fd, &byte, 1) == 1, "read");
  ev_io_stop(loop, w);
}

static void idle_high_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  if (++rounds == 2) ev_idle_stop(loop, w);
}

static void idle_low_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  ev_idle_stop(loop, w);
  ev_check_stop(loop, &check);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  require(pipe(fds) == 0, "pipe");
  require(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0, "fcntl");

  printf("io and timeout of one connection, same priority\n");
  connection(loop, 0);
  printf("timeout at a lower priority than the io\n");
  connection(loop, -1);

  printf("priorities across watcher types\n");
  require(write(fds[1], "y", 1) == 1, "write");
  ev_io_init(&mixed_io, mixed_io_cb, fds[0], EV_READ);
  mixed_io.data = "io-priority-minus-1";
  ev_set_priority(&mixed_io, -1);
  ev_io_start(loop, &mixed_io);
  ev_timer_init(&mixed_timer, TRACE_CB(ev_timer), -1., 0.);
  mixed_timer.data = "timer-priority-0";
  ev_timer_start(loop, &mixed_timer);
  ev_check_init(&check, TRACE_CB(ev_check));
  check.data = "check-priority-0";
  ev_check_start(loop, &check);
  ev_idle_init(&idle_high, idle_high_cb);
  idle_high.data = "idle-priority-1";
  ev_set_priority(&idle_high, 1);
  ev_idle_start(loop, &idle_high);
  ev_idle_init(&idle_low, idle_low_cb);
  idle_low.data = "idle-priority-minus-2";
  ev_set_priority(&idle_low, -2);
  ev_idle_start(loop, &idle_low);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
