/* The watcher state API for every watcher type on the default loop: ev_priority before and
 * after start (out-of-range values are clamped only by the start), starting an active watcher
 * and stopping an inactive one (no-ops), ev_run's result while it is active (what the watcher
 * adds to the loop's reference count), ev_feed_event bits OR-ed together while pending,
 * ev_clear_pending's result, a stop that clears a pending event, ev_invoke on a stopped
 * watcher and ev_cb/ev_set_cb. */
#include <signal.h>

#include "compat.h"

static struct ev_loop *loop;

static void on_any(struct ev_loop *l, ev_watcher *w, int revents) {
  trace(l, w, revents);
}

static void on_other(struct ev_loop *l, ev_watcher *w, int revents) {
  printf("  other callback: ");
  trace(l, w, revents);
}

static void state(const char *step, void *w) {
  printf("  %-22s active=%d pending=%d priority=%d\n", step, !!ev_is_active(w), !!ev_is_pending(w),
         ev_priority(w));
}

typedef void (*action)(struct ev_loop *, void *);

/* Runs the same sequence for one watcher; start/stop are the type's functions. */
static void exercise(const char *label, void *w, action start, action stop) {
  ev_watcher *watcher = w;
  printf("%s\n", label);
  watcher->data = (void *)label;
  ev_set_priority(watcher, 7);
  state("priority set to 7", w);
  start(loop, w);
  state("started", w);
  start(loop, w);
  state("started again", w);
  printf("  run NOWAIT returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_feed_event(loop, w, EV_CUSTOM);
  ev_feed_event(loop, w, EV_ERROR);
  state("fed twice", w);
  printf("  pending count %u, ev_clear_pending returned %s\n", ev_pending_count(loop),
         revents_text(ev_clear_pending(loop, w)));
  state("cleared", w);
  ev_feed_event(loop, w, EV_CUSTOM);
  stop(loop, w);
  state("fed, then stopped", w);
  stop(loop, w);
  state("stopped again", w);
  printf("  pending count %u\n", ev_pending_count(loop));
  ev_invoke_pending(loop);
  ev_invoke(loop, w, EV_CUSTOM);
  ev_set_cb(watcher, on_other);
  printf("  ev_cb is the new callback: %d\n", ev_cb(watcher) == on_other);
  ev_invoke(loop, w, EV_CUSTOM);
  ev_set_cb(watcher, on_any);
  ev_set_priority(watcher, -9);
  start(loop, w);
  state("started at -9", w);
  stop(loop, w);
  state("stopped", w);
  printf("  run NOWAIT returned %d\n", ev_run(loop, EVRUN_NOWAIT));
}

#define ACTIONS(type)                                    \
  static void start_##type(struct ev_loop *l, void *w) { \
    ev_##type##_start(l, w);                             \
  }                                                      \
  static void stop_##type(struct ev_loop *l, void *w) {  \
    ev_##type##_stop(l, w);                              \
  }
ACTIONS(io)
ACTIONS(timer)
ACTIONS(periodic)
ACTIONS(signal)
ACTIONS(child)
ACTIONS(stat)
ACTIONS(idle)
ACTIONS(prepare)
ACTIONS(check)
ACTIONS(fork)
ACTIONS(cleanup)
ACTIONS(async)
ACTIONS(embed)

#define CB(type) ((void (*)(struct ev_loop *, ev_##type *, int))on_any)

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  int fds[2];
  require(pipe(fds) == 0, "pipe");

  ev_io io;
  ev_io_init(&io, CB(io), fds[0], EV_READ);
  exercise("io", &io, start_io, stop_io);
  ev_timer timer;
  ev_timer_init(&timer, CB(timer), 30., 0.);
  exercise("timer", &timer, start_timer, stop_timer);
  ev_periodic periodic;
  ev_periodic_init(&periodic, CB(periodic), ev_now(loop) + 30., 0., 0);
  exercise("periodic", &periodic, start_periodic, stop_periodic);
  ev_signal signal_w;
  ev_signal_init(&signal_w, CB(signal), SIGUSR2);
  exercise("signal", &signal_w, start_signal, stop_signal);
  ev_child child;
  ev_child_init(&child, CB(child), 0, 0);
  exercise("child", &child, start_child, stop_child);
  ev_stat stat_w;
  ev_stat_init(&stat_w, CB(stat), "/", 0.);
  exercise("stat", &stat_w, start_stat, stop_stat);
  ev_idle idle;
  ev_idle_init(&idle, CB(idle));
  exercise("idle", &idle, start_idle, stop_idle);
  ev_prepare prepare;
  ev_prepare_init(&prepare, CB(prepare));
  exercise("prepare", &prepare, start_prepare, stop_prepare);
  ev_check check;
  ev_check_init(&check, CB(check));
  exercise("check", &check, start_check, stop_check);
  ev_fork fork_w;
  ev_fork_init(&fork_w, CB(fork));
  exercise("fork", &fork_w, start_fork, stop_fork);
  ev_cleanup cleanup;
  ev_cleanup_init(&cleanup, CB(cleanup));
  exercise("cleanup", &cleanup, start_cleanup, stop_cleanup);
  ev_async async;
  ev_async_init(&async, CB(async));
  exercise("async", &async, start_async, stop_async);

  struct ev_loop *inner = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  require(inner != NULL, "ev_loop_new");
  ev_embed embed;
  ev_embed_init(&embed, CB(embed), inner);
  exercise("embed", &embed, start_embed, stop_embed);
  ev_loop_destroy(inner);
  return 0;
}
