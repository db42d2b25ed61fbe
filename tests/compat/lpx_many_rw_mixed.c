/* 100 socketpairs, each watched by one EV_READ watcher and one EV_READ|EV_WRITE watcher. All
 * become ready at once; callbacks stop and start the other watcher of the same fd, and every
 * tenth pair's reader restarts itself for WRITE only. Counts per iteration are printed, not
 * fd order. */
#include <sys/socket.h>

#include "compat.h"

#define N 100
static int sp[N][2];
static ev_io rd[N], rw[N];
static int rd_calls, rw_calls, rw_write_only, rd_write;

static void on_rd(struct ev_loop *loop, ev_io *w, int revents) {
  int i = (int)(w - rd);
  ++rd_calls;
  if (revents & EV_WRITE) ++rd_write;
  if (revents & EV_READ) {
    char c;
    require(read(w->fd, &c, 1) == 1, "read");
  }
  if (i % 10 == 0 && (revents & EV_READ)) {
    ev_io_stop(loop, w);
    ev_io_set(w, w->fd, EV_WRITE);
    ev_io_start(loop, w);
  } else {
    ev_io_stop(loop, w);
  }
  if (i % 2) ev_io_stop(loop, &rw[i]);
}

static void on_rw(struct ev_loop *loop, ev_io *w, int revents) {
  int i = (int)(w - rw);
  ++rw_calls;
  if (revents == EV_WRITE) ++rw_write_only;
  ev_io_stop(loop, w);
  if (i % 3 == 0 && !ev_is_active(&rd[i])) {
    ev_io_set(&rd[i], rd[i].fd, EV_READ);
    ev_io_start(loop, &rd[i]);
  }
}

static void on_check(struct ev_loop *loop, ev_check *w, int revents) {
  (void)w;
  (void)revents;
  printf("iteration %u: rd %d (with WRITE %d) rw %d (write only %d) pending %u\n",
         ev_iteration(loop), rd_calls, rd_write, rw_calls, rw_write_only, ev_pending_count(loop));
  rd_calls = rw_calls = rw_write_only = rd_write = 0;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  for (int i = 0; i < N; ++i) {
    require(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]) == 0, "socketpair");
    ev_io_init(&rd[i], on_rd, sp[i][0], EV_READ);
    ev_io_init(&rw[i], on_rw, sp[i][0], EV_READ | EV_WRITE);
    ev_io_start(loop, &rd[i]);
    ev_io_start(loop, &rw[i]);
  }
  ev_check chk;
  ev_check_init(&chk, on_check);
  ev_check_start(loop, &chk);
  ev_unref(loop);
  printf("first NOWAIT (nothing readable) returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  for (int i = 0; i < N; ++i) require(write(sp[i][1], "ab", 2) == 2, "write");
  for (int k = 0; k < 6; ++k) printf("ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));
  int active_rd = 0, active_rw = 0;
  for (int i = 0; i < N; ++i) {
    active_rd += !!ev_is_active(&rd[i]);
    active_rw += !!ev_is_active(&rw[i]);
  }
  printf("still active: rd %d rw %d\n", active_rd, active_rw);
  for (int i = 0; i < N; ++i) {
    ev_io_stop(loop, &rd[i]);
    ev_io_stop(loop, &rw[i]);
  }
  ev_ref(loop);
  ev_check_stop(loop, &chk);
  printf("final run returned %d\n", ev_run(loop, 0));
  ev_loop_destroy(loop);
  return 0;
}
