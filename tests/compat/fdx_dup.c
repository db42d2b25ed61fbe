/* Watchers on two numbers of one file (dup). Nothing is read: each watcher counts its calls and
 * stops after the third, so level-triggered readiness shows in every iteration.
 *   both-watched: watchers on the original and on the dup; one byte arrives;
 *   dup-stopped-closed: the dup's watcher is stopped and the dup closed (the documented way),
 *     then one byte arrives;
 *   original-stopped-closed: the same with the original number, the dup's watcher goes on;
 *   dup-closed-behind-back: the dup is closed while its watcher stays active, then a byte
 *     arrives (libev documents that epoll registers file descriptions, not fd numbers);
 *   dup2-over-watched: no dup this time; another pipe's read end is dup2()ed over the watched
 *     number behind the loop's back, both old and new pipe get a byte (write results are
 *     printed: EPIPE means nothing holds the old read end open any more).
 * Each case runs in a child with a guard timer; a check watcher traces the iterations. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>

#include "compat.h"

enum kind { BOTH, DUP_STOPPED, ORIG_STOPPED, DUP_BEHIND_BACK, DUP2_OVER };
static const char *const kind_names[] = {"both-watched", "dup-stopped-closed",
                                         "original-stopped-closed", "dup-closed-behind-back",
                                         "dup2-over-watched"};

static enum kind kind;
static int p[2], dup_fd;
static ev_io original, duplicate;
static ev_timer guard, feeder;

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  static int counts[2];
  int *count = &counts[w == &duplicate];
  if (++*count == 3) {
    ev_io_stop(loop, w);
    printf("  stopped %s\n", label_of(w));
  }
}

static void on_feeder(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  switch (kind) {
    case BOTH:
      break;
    case DUP_STOPPED:
      ev_io_stop(loop, &duplicate);
      require(close(dup_fd) == 0, "close");
      break;
    case ORIG_STOPPED:
      ev_io_stop(loop, &original);
      require(close(p[0]) == 0, "close");
      break;
    case DUP_BEHIND_BACK:
      require(close(dup_fd) == 0, "close");
      break;
    case DUP2_OVER: {
      int q[2];
      require(pipe(q) == 0, "pipe");
      require(dup2(q[0], p[0]) == p[0], "dup2");
      close(q[0]);
      ssize_t n = write(q[1], "n", 1);
      printf("  write to the new pipe: %zd\n", n);
      break;
    }
  }
  ssize_t n = write(p[1], "o", 1);
  printf("  write to the old pipe: %zd%s\n", n, n < 0 && errno == EPIPE ? " EPIPE" : "");
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show_state(&original);
  show_state(&duplicate);
  ev_io_stop(loop, &original);
  ev_io_stop(loop, &duplicate);
  stop_tracing_iterations(loop);
}

static void run_case(const void *arg) {
  kind = *(const enum kind *)arg;
  signal(SIGPIPE, SIG_IGN);
  struct ev_loop *loop = ev_default_loop(0);
  ev_timer_init(&guard, on_guard, 0.2, 0.);
  guard.data = "guard";
  ev_timer_start(loop, &guard);
  ev_timer_init(&feeder, on_feeder, 0.02, 0.);
  feeder.data = "feeder";
  ev_timer_start(loop, &feeder);
  require(pipe(p) == 0, "pipe");
  dup_fd = dup(p[0]);
  require(dup_fd >= 0, "dup");
  ev_io_init(&original, on_io, p[0], EV_READ);
  original.data = "original";
  ev_io_init(&duplicate, on_io, dup_fd, EV_READ);
  duplicate.data = "duplicate";
  ev_io_start(loop, &original);
  if (kind != DUP2_OVER)
    ev_io_start(loop, &duplicate);
  else
    close(dup_fd); /* the watched number is the old read end's only one */
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
}

int main(void) {
  compat_begin();
  for (enum kind k = BOTH; k <= DUP2_OVER; ++k) run_isolated(kind_names[k], run_case, &k);
  return 0;
}
