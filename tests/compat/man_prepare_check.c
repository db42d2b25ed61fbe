/* ev_prepare/ev_check examples. Method 1 of embedding another event library (libadns in the
 * manual, a tiny poll-style library here): before blocking, a prepare watcher asks the library
 * for its pollfds and timeout and starts one ev_io per pollfd plus an ev_timer; after blocking,
 * a check watcher of priority EV_MAXPRI collects the results with ev_clear_pending, stops the
 * watchers (whose callbacks must therefore never run) and hands the poll results back. The
 * library has data on pipe a at first, writes pipe b itself when it has read a, and finishes
 * when its 30 ms timeout passes with nothing to read (or gives up when the loop keeps coming
 * back with neither data nor the timeout, which the loop should not do). Then "Abusing an ev_check
 * watcher for its side-effect": an idle watcher keeps the loop from blocking while a check watcher
 * does one unit of work per connection per iteration. */
#include "compat.h"
#include <poll.h>

enum { NFD = 2 };
static int pipe_a[2], pipe_b[2];
static ev_io iow[NFD];
static ev_timer tw;
static ev_prepare prepare;
static ev_check check;
static struct pollfd fds[NFD];
static int lib_done;

/* The "library": wants to read both pipes and wakes up after 30 ms without data. */
static void lib_beforepoll(struct pollfd *pollfds, int *nfd, int *timeout_ms) {
  pollfds[0] = (struct pollfd){.fd = pipe_a[0], .events = POLLIN};
  pollfds[1] = (struct pollfd){.fd = pipe_b[0], .events = POLLIN};
  *nfd = NFD;
  *timeout_ms = 30;
}

/* Rounds in a row in which the loop came back with neither data nor the timeout. */
static int empty_rounds;

static void lib_afterpoll(struct pollfd *pollfds, int nfd, int timed_out) {
  int got_any = 0;
  for (int i = 0; i < nfd; ++i) {
    if (!(pollfds[i].revents & POLLIN)) continue;
    char byte;
    require(read(pollfds[i].fd, &byte, 1) == 1, "read");
    printf("  library: pipe %c readable, read '%c'\n", i ? 'b' : 'a', byte);
    if (i == 0) require(write(pipe_b[1], "B", 1) == 1, "write");
    got_any = 1;
  }
  if (timed_out) printf("  library: timeout%s\n", got_any ? " (with data)" : ", finished");
  if (timed_out && !got_any) lib_done = 1;
  empty_rounds = got_any || timed_out ? 0 : empty_rounds + 1;
  if (empty_rounds == 5) {
    printf("  library: woke up 5 times in a row with nothing to do, giving up\n");
    lib_done = 1;
  }
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents) {
  printf("  io_cb must never run: ");
  trace(loop, w, revents);
}

static void never_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  printf("  timer callback must never run: ");
  trace(loop, w, revents);
}

// create io watchers for each fd and a timer before blocking
static void adns_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents) {
  trace(loop, w, revents);
  int timeout = 3600000, nfd;
  lib_beforepoll(fds, &nfd, &timeout);
  ev_timer_init(&tw, never_cb, timeout * 1e-3, 0.);
  tw.data = "tw";
  ev_timer_start(loop, &tw);
  for (int i = 0; i < nfd; ++i) {
    ev_io_init(iow + i, io_cb, fds[i].fd,
               ((fds[i].events & POLLIN ? EV_READ : 0) | (fds[i].events & POLLOUT ? EV_WRITE : 0)));
    iow[i].data = i ? "io-b" : "io-a";
    fds[i].revents = 0;
    ev_io_start(loop, iow + i);
  }
}

// stop all watchers after blocking
static void adns_check_cb(struct ev_loop *loop, ev_check *w, int revents) {
  trace(loop, w, revents);
  int timed_out = !!(ev_clear_pending(loop, &tw) & EV_TIMER);
  ev_timer_stop(loop, &tw);
  for (int i = 0; i < NFD; ++i) {
    struct pollfd *fd = fds + i;
    int io_revents = ev_clear_pending(loop, iow + i);
    if (io_revents & EV_READ) fd->revents |= fd->events & POLLIN;
    if (io_revents & EV_WRITE) fd->revents |= fd->events & POLLOUT;
    ev_io_stop(loop, iow + i);
  }
  lib_afterpoll(fds, NFD, timed_out);
  if (lib_done) {
    ev_prepare_stop(loop, &prepare);
    ev_check_stop(loop, w);
  }
}

/* Fair processing: one unit of work per connection and iteration. */
enum { NCONN = 3 };
static int work_left[NCONN] = {3, 1, 2};
static ev_idle keep_awake;

static void fair_check_cb(struct ev_loop *loop, ev_check *w, int revents) {
  trace(loop, w, revents);
  int active = 0;
  for (int i = 0; i < NCONN; ++i) {
    if (!work_left[i]) continue;
    printf("  connection %d: one unit, %d left\n", i, --work_left[i]);
    active += work_left[i] > 0;
  }
  if (!active) {
    printf("  all work done\n");
    ev_check_stop(loop, w);
    ev_idle_stop(loop, &keep_awake);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("method 1: embedding a poll-style library\n");
  require(pipe(pipe_a) == 0 && pipe(pipe_b) == 0, "pipe");
  require(write(pipe_a[1], "A", 1) == 1, "write");
  ev_prepare_init(&prepare, adns_prepare_cb);
  prepare.data = "adns_prepare";
  ev_prepare_start(loop, &prepare);
  ev_check_init(&check, adns_check_cb);
  check.data = "adns_check";
  ev_set_priority(&check, EV_MAXPRI);
  ev_check_start(loop, &check);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("check plus idle: a callback on every iteration without blocking\n");
  ev_check fair;
  ev_check_init(&fair, fair_check_cb);
  fair.data = "fair_check";
  ev_check_start(loop, &fair);
  ev_idle_init(&keep_awake, (void (*)(struct ev_loop *, ev_idle *, int))0);
  ev_set_cb(&keep_awake, TRACE_CB(ev_idle));
  keep_awake.data = "keep_awake";
  ev_idle_start(loop, &keep_awake);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
