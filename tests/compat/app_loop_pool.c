/* Several loops in one thread, as a program with one loop per subsystem drives them: three
 * ev_loop_new loops, each with a pipe reader and a zero timer, served round-robin by a manual
 * driver calling ev_run (EVRUN_NOWAIT) on each until all are idle; a loop destroyed while a
 * watcher is still active (ev_loop_destroy stops nothing, so the watcher still looks active and
 * a start in the next loop is a no-op until it is initialised again); and loops created and
 * destroyed repeatedly, each serving one request. */
#include "compat.h"

#define LOOPS 3

struct sub {
  struct ev_loop *loop;
  ev_io reader;
  ev_timer tick;
  int fds[2];
  int reads, ticks;
  char name[16], tick_name[16];
};

static struct sub subs[LOOPS];

static void reader_cb(struct ev_loop *loop, ev_io *w, int revents) {
  struct sub *s = (struct sub *)((char *)w - (char *)&((struct sub *)0)->reader);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  printf("  %s %s '%c' iteration %u depth %u\n", s->name, revents_text(revents), c,
         ev_iteration(loop), ev_depth(loop));
  ++s->reads;
  if (c == 'p') {
    /* pass a request on to the next subsystem's loop */
    struct sub *next = &subs[(s - subs + 1) % LOOPS];
    require(write(next->fds[1], "q", 1) == 1, "write");
  }
  static const int expected[LOOPS] = {2, 1, 1};
  if (s->reads == expected[s - subs]) ev_io_stop(loop, w);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  struct sub *s = (struct sub *)((char *)w - (char *)&((struct sub *)0)->tick);
  printf("  %s %s iteration %u\n", s->tick_name, revents_text(revents), ev_iteration(loop));
  if (++s->ticks < 2) {
    ev_timer_set(w, 0., 0.);
    ev_timer_start(loop, w);
  }
}

static void once_cb(struct ev_loop *loop, ev_io *w, int revents) {
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  printf("  served '%c' %s in iteration %u\n", c, revents_text(revents), ev_iteration(loop));
  ev_io_stop(loop, w);
}

int main(void) {
  compat_begin();
  printf("round-robin driver over %d loops\n", LOOPS);
  for (int i = 0; i < LOOPS; ++i) {
    struct sub *s = &subs[i];
    s->loop = ev_loop_new(0);
    require(s->loop != NULL, "ev_loop_new");
    require(pipe(s->fds) == 0, "pipe");
    snprintf(s->name, sizeof s->name, "reader %d", i);
    snprintf(s->tick_name, sizeof s->tick_name, "tick %d", i);
    ev_io_init(&s->reader, reader_cb, s->fds[0], EV_READ);
    ev_timer_init(&s->tick, tick_cb, 0., 0.);
    ev_io_start(s->loop, &s->reader);
    ev_timer_start(s->loop, &s->tick);
  }
  require(write(subs[0].fds[1], "p", 1) == 1, "write");
  require(write(subs[2].fds[1], "p", 1) == 1, "write");
  for (int round = 1, busy = 1; busy; ++round) {
    busy = 0;
    printf(" round %d\n", round);
    for (int i = 0; i < LOOPS; ++i) {
      int r = ev_run(subs[i].loop, EVRUN_NOWAIT);
      if (r) busy = 1;
    }
    if (round > 10) break;
  }
  for (int i = 0; i < LOOPS; ++i) {
    printf("loop %d: iterations %u, reads %d, ticks %d\n", i, ev_iteration(subs[i].loop),
           subs[i].reads, subs[i].ticks);
    ev_loop_destroy(subs[i].loop);
  }

  printf("destroying a loop with an active watcher\n");
  int p[2];
  require(pipe(p) == 0, "pipe");
  ev_io w;
  ev_io_init(&w, once_cb, p[0], EV_READ);
  w.data = "request";
  struct ev_loop *a = ev_loop_new(0);
  ev_io_start(a, &w);
  ev_loop_destroy(a);
  show_state(&w);
  struct ev_loop *b = ev_loop_new(0);
  require(write(p[1], "r", 1) == 1, "write");
  ev_io_start(b, &w);
  printf("  start in the next loop: run returned %d\n", ev_run(b, EVRUN_NOWAIT));
  ev_io_init(&w, once_cb, p[0], EV_READ);
  show_state(&w);
  ev_io_start(b, &w);
  printf("  after ev_io_init and start: run returned %d\n", ev_run(b, 0));
  ev_loop_destroy(b);

  printf("100 short-lived loops\n");
  int served = 0, same_iteration = 1;
  for (int i = 0; i < 100; ++i) {
    struct ev_loop *l = ev_loop_new(0);
    require(l != NULL, "ev_loop_new");
    ev_io_init(&w, once_cb, p[0], EV_READ);
    require(write(p[1], "s", 1) == 1, "write");
    ev_io_start(l, &w);
    if (i % 25 == 0) {
      ev_run(l, 0);
    } else {
      char c;
      ev_set_cb(&w, (void (*)(struct ev_loop *, ev_io *, int))NULL);
      ev_io_stop(l, &w);
      require(read(p[0], &c, 1) == 1, "read");
    }
    same_iteration &= ev_iteration(l) == (i % 25 == 0 ? 1u : 0u);
    ++served;
    ev_loop_destroy(l);
  }
  printf("served %d, iteration counts as expected %d\n", served, same_iteration);
  return 0;
}
