/* A program driving the loop itself: while (...) ev_run(loop, EVRUN_ONCE) or EVRUN_NOWAIT, with
 * a pipe reader, a writer timer re-armed every 80 ms that feeds the pipe, and an idle watcher
 * that is started and stopped along the way. Prints what each ev_run call returned and did. */
#include "compat.h"

static int fds[2];
static ev_io reader;
static ev_timer feeder;
static ev_idle idler;
static int reads, feeds, idles;

static void on_read(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char buf[8];
  require(read(fds[0], buf, 1) == 1, "read");
  ++reads;
  if (reads == 2) ev_idle_start(loop, &idler);
  if (reads == 4) ev_io_stop(loop, w);
}

static void on_feed(struct ev_loop *loop, ev_timer *w, int revents) {
  printf("%s %s\n", label_of(w), revents_text(revents));
  (void)loop;
  ++feeds;
  require(write(fds[1], "f", 1) == 1, "write");
  if (feeds == 5) ev_timer_stop(loop, w);
}

static void on_idle(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  if (++idles == 3) ev_idle_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  require(pipe(fds) == 0, "pipe");
  ev_io_init(&reader, on_read, fds[0], EV_READ);
  reader.data = "reader";
  ev_timer_init(&feeder, on_feed, 0.08, 0.08);
  feeder.data = "feeder";
  ev_idle_init(&idler, on_idle);
  idler.data = "idle";
  ev_io_start(loop, &reader);
  ev_timer_start(loop, &feeder);
  int calls = 0, r;
  printf("NOWAIT spins before anything is ready:\n");
  for (int i = 0; i < 3; ++i) {
    r = ev_run(loop, EVRUN_NOWAIT);
    printf("  NOWAIT returned %d iteration %u pending %u\n", r, ev_iteration(loop),
           ev_pending_count(loop));
  }
  while ((r = ev_run(loop, EVRUN_ONCE))) {
    ++calls;
    printf("ONCE #%d returned %d, reads %d feeds %d idles %d, pending %u\n", calls, r, reads, feeds,
           idles, ev_pending_count(loop));
    if (calls > 40) break;
  }
  printf("loop ended: ONCE returned %d after %d calls, feeds %d reads %d\n", r, calls, feeds,
         reads);
  r = ev_run(loop, EVRUN_NOWAIT);
  printf("final NOWAIT returned %d\n", r);
  ev_loop_destroy(loop);
  return 0;
}
