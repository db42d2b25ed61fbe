/* An fd closed and its number reused inside a callback, within the iteration that reported it:
 * a high-priority watcher on pipe X runs first and deals with pipe Y, whose watcher (lower
 * priority) is pending in the same iteration.
 *   stop-close-reuse-set: stops Y's watcher, closes Y, a new pipe takes Y's number and is made
 *     readable at once, ev_io_set + ev_io_start (the documented way);
 *   close-stop-reuse-set: the same with close before ev_io_stop;
 *   closed-while-pending: closes Y without telling the loop (the watcher stays active and
 *     pending; its callback finds the fd closed);
 *   two-watchers-one-fd: X has a second, lower-priority watcher; the first closes X after
 *     stopping itself, the second is still pending.
 * A guard timer ends each case; a check watcher traces the iterations. */
#include <errno.h>
#include <fcntl.h>

#include "compat.h"

enum kind { STOP_CLOSE_REUSE_SET, CLOSE_STOP_REUSE_SET, CLOSED_WHILE_PENDING, TWO_WATCHERS };
static const char *const kind_names[] = {"stop-close-reuse-set", "close-stop-reuse-set",
                                         "closed-while-pending", "two-watchers-one-fd"};

static enum kind kind;
static int x[2], y[2];
static ev_io high, low;
static ev_timer guard;
static int low_calls;

static void read_one(int fd) {
  char c;
  ssize_t n = read(fd, &c, 1);
  if (n == 1)
    printf("  read '%c'\n", c);
  else if (n < 0)
    printf("  read failed: %s\n", errno == EBADF ? "EBADF" : errno == EAGAIN ? "EAGAIN" : "other");
  else
    printf("  read EOF\n");
}

static void reopen_y(void) {
  int old = y[0];
  require(pipe(y) == 0, "pipe");
  printf("  new pipe %s the closed number\n", y[0] == old ? "reuses" : "does not reuse");
  require(fcntl(y[0], F_SETFL, O_NONBLOCK) == 0, "fcntl");
  require(write(y[1], "nn", 2) == 2, "write");
}

static void on_high(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  show_state(&low);
  switch (kind) {
    case STOP_CLOSE_REUSE_SET:
      ev_io_stop(loop, &low);
      close(y[0]);
      reopen_y();
      ev_io_set(&low, y[0], EV_READ);
      ev_io_start(loop, &low);
      break;
    case CLOSE_STOP_REUSE_SET:
      close(y[0]);
      ev_io_stop(loop, &low);
      reopen_y();
      ev_io_set(&low, y[0], EV_READ);
      ev_io_start(loop, &low);
      break;
    case CLOSED_WHILE_PENDING:
      close(y[0]);
      break;
    case TWO_WATCHERS:
      ev_io_stop(loop, w);
      close(x[0]);
      break;
  }
  show_state(&low);
  if (kind != TWO_WATCHERS) ev_io_stop(loop, w);
}

static void on_low(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  read_one(w->fd);
  if (++low_calls == 3) ev_io_stop(loop, w);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show_state(&low);
  ev_io_stop(loop, &low);
  stop_tracing_iterations(loop);
}

static void run_case(const void *arg) {
  kind = *(const enum kind *)arg;
  struct ev_loop *loop = ev_default_loop(0);
  ev_timer_init(&guard, on_guard, 0.15, 0.);
  guard.data = "guard";
  ev_timer_start(loop, &guard);
  require(pipe(x) == 0 && pipe(y) == 0, "pipe");
  require(fcntl(x[0], F_SETFL, O_NONBLOCK) == 0 && fcntl(y[0], F_SETFL, O_NONBLOCK) == 0, "fcntl");
  require(write(x[1], "x", 1) == 1 && write(y[1], "yyy", 3) == 3, "write");
  ev_io_init(&high, on_high, x[0], EV_READ);
  high.data = "high";
  ev_set_priority(&high, EV_MAXPRI);
  ev_io_init(&low, on_low, kind == TWO_WATCHERS ? x[0] : y[0], EV_READ);
  low.data = "low";
  ev_io_start(loop, &high);
  ev_io_start(loop, &low);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
}

int main(void) {
  compat_begin();
  for (enum kind k = STOP_CLOSE_REUSE_SET; k <= TWO_WATCHERS; ++k)
    run_isolated(kind_names[k], run_case, &k);
  return 0;
}
