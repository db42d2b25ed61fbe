/* ev_feed_event on a watcher of every type, stopped and then started, at priorities -2..2, with
 * the type's own event bit, with 0 and with EV_CUSTOM, fed twice (bits OR-ed). The order of the
 * callbacks, ev_pending_count and each watcher's pending flag are printed. Nothing else can
 * happen: the io watcher's pipe is idle, the timers are long, the signal is never raised, the
 * child never exists, the stat path never changes. */
#include <signal.h>

#include "compat.h"

enum { TYPES = 13 };
static struct {
  ev_io io;
  ev_timer timer;
  ev_periodic periodic;
  ev_signal signal;
  ev_child child;
  ev_stat stat;
  ev_idle idle;
  ev_prepare prepare;
  ev_check check;
  ev_embed embed;
  ev_fork fork;
  ev_cleanup cleanup;
  ev_async async;
} w;
static ev_watcher *all[TYPES];
static const char *names[TYPES] = {"io",   "timer",   "periodic", "signal", "child",
                                   "stat", "idle",    "prepare",  "check",  "embed",
                                   "fork", "cleanup", "async"};
static const int bits[TYPES] = {EV_READ, EV_TIMER,   EV_PERIODIC, EV_SIGNAL, EV_CHILD,
                                EV_STAT, EV_IDLE,    EV_PREPARE,  EV_CHECK,  EV_EMBED,
                                EV_FORK, EV_CLEANUP, EV_ASYNC};

static void on_any(struct ev_loop *loop, ev_watcher *watcher, int revents) {
  trace(loop, watcher, revents);
}
#define CB(type) ((void (*)(struct ev_loop *, type *, int))on_any)

static void on_embed(struct ev_loop *loop, ev_embed *watcher, int revents) {
  trace(loop, watcher, revents);
}

static void show_pending(struct ev_loop *loop) {
  printf("  pending count %u:", ev_pending_count(loop));
  for (int i = 0; i < TYPES; ++i)
    if (ev_is_pending(all[i])) printf(" %s", names[i]);
  printf("\n");
}

static void start_all(struct ev_loop *loop) {
  ev_io_start(loop, &w.io);
  ev_timer_start(loop, &w.timer);
  ev_periodic_start(loop, &w.periodic);
  ev_signal_start(loop, &w.signal);
  ev_child_start(loop, &w.child);
  ev_stat_start(loop, &w.stat);
  ev_prepare_start(loop, &w.prepare);
  ev_check_start(loop, &w.check);
  ev_embed_start(loop, &w.embed);
  ev_fork_start(loop, &w.fork);
  ev_cleanup_start(loop, &w.cleanup);
  ev_async_start(loop, &w.async);
}

static void stop_all(struct ev_loop *loop) {
  ev_io_stop(loop, &w.io);
  ev_timer_stop(loop, &w.timer);
  ev_periodic_stop(loop, &w.periodic);
  ev_signal_stop(loop, &w.signal);
  ev_child_stop(loop, &w.child);
  ev_stat_stop(loop, &w.stat);
  ev_idle_stop(loop, &w.idle);
  ev_prepare_stop(loop, &w.prepare);
  ev_check_stop(loop, &w.check);
  ev_embed_stop(loop, &w.embed);
  ev_fork_stop(loop, &w.fork);
  ev_cleanup_stop(loop, &w.cleanup);
  ev_async_stop(loop, &w.async);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  int fds[2];
  require(pipe(fds) == 0, "pipe");
  struct ev_loop *inner = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  require(inner != NULL, "ev_loop_new");

  ev_io_init(&w.io, CB(ev_io), fds[0], EV_READ);
  ev_timer_init(&w.timer, CB(ev_timer), 1000., 0.);
  ev_periodic_init(&w.periodic, CB(ev_periodic), 0., 1000., 0);
  ev_signal_init(&w.signal, CB(ev_signal), SIGUSR2);
  ev_child_init(&w.child, CB(ev_child), 999999, 0);
  ev_stat_init(&w.stat, CB(ev_stat), "/nonexistent/cfx_feed_all_types", 0.);
  ev_idle_init(&w.idle, CB(ev_idle));
  ev_prepare_init(&w.prepare, CB(ev_prepare));
  ev_check_init(&w.check, CB(ev_check));
  ev_embed_init(&w.embed, on_embed, inner);
  ev_fork_init(&w.fork, CB(ev_fork));
  ev_cleanup_init(&w.cleanup, CB(ev_cleanup));
  ev_async_init(&w.async, CB(ev_async));
  all[0] = (ev_watcher *)&w.io;
  all[1] = (ev_watcher *)&w.timer;
  all[2] = (ev_watcher *)&w.periodic;
  all[3] = (ev_watcher *)&w.signal;
  all[4] = (ev_watcher *)&w.child;
  all[5] = (ev_watcher *)&w.stat;
  all[6] = (ev_watcher *)&w.idle;
  all[7] = (ev_watcher *)&w.prepare;
  all[8] = (ev_watcher *)&w.check;
  all[9] = (ev_watcher *)&w.embed;
  all[10] = (ev_watcher *)&w.fork;
  all[11] = (ev_watcher *)&w.cleanup;
  all[12] = (ev_watcher *)&w.async;
  for (int i = 0; i < TYPES; ++i) {
    all[i]->data = (void *)names[i];
    ev_set_priority(all[i], i % 5 - 2);
  }

  printf("stopped watchers, own bit\n");
  for (int i = 0; i < TYPES; ++i) ev_feed_event(loop, all[i], bits[i]);
  show_pending(loop);
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  show_pending(loop);

  printf("stopped watchers, 0 then EV_CUSTOM, in reverse\n");
  for (int i = TYPES - 1; i >= 0; --i) ev_feed_event(loop, all[i], 0);
  for (int i = TYPES - 1; i >= 0; --i) ev_feed_event(loop, all[i], EV_CUSTOM);
  show_pending(loop);
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  printf("started watchers (idle not), own bit and EV_CUSTOM\n");
  start_all(loop);
  ev_unref(loop); /* the fork, cleanup and async watchers... */
  for (int i = 0; i < TYPES; ++i) ev_feed_event(loop, all[i], bits[i]);
  for (int i = 0; i < TYPES; i += 2) ev_feed_event(loop, all[i], EV_CUSTOM);
  show_pending(loop);
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  show_pending(loop);

  printf("fed, then stopped before the loop runs\n");
  for (int i = 0; i < TYPES; ++i) ev_feed_event(loop, all[i], bits[i]);
  ev_ref(loop);
  stop_all(loop);
  show_pending(loop);
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_loop_destroy(inner);
  return 0;
}
