/* The pending-queue API outside and inside ev_run: ev_feed_event, ev_feed_fd_event,
 * ev_feed_signal_event, ev_feed_signal, ev_invoke, ev_invoke_pending, ev_clear_pending and
 * ev_pending_count, with ev_is_active/ev_is_pending shown at every step. */
#include <signal.h>

#include "compat.h"

static struct ev_loop *loop;
static ev_timer timer;
static ev_io reader_a, reader_b, writer, other_fd;
static ev_signal usr1;
static ev_idle idle;

static void on_any(struct ev_loop *l, ev_watcher *w, int revents) {
  trace(l, w, revents);
  printf("  pending count inside: %u\n", ev_pending_count(l));
}

static void step(const char *what) {
  printf("%s\n", what);
  printf("  pending count %u\n", ev_pending_count(loop));
  show_state(&timer);
}

#define INIT_LABELLED(kind, w, label, ...)                                                  \
  do {                                                                                      \
    ev_##kind##_init(w, (void (*)(struct ev_loop *, ev_##kind *, int))on_any, __VA_ARGS__); \
    (w)->data = label;                                                                      \
  } while (0)

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  int fds[2], spare[2];
  require(pipe(fds) == 0 && pipe(spare) == 0, "pipe");
  INIT_LABELLED(timer, &timer, "timer", 100., 0.);
  INIT_LABELLED(io, &reader_a, "reader-a", fds[0], EV_READ);
  INIT_LABELLED(io, &reader_b, "reader-b", fds[0], EV_READ);
  INIT_LABELLED(io, &writer, "read-write", fds[0], EV_READ | EV_WRITE);
  INIT_LABELLED(io, &other_fd, "other-fd", spare[0], EV_READ);
  INIT_LABELLED(signal, &usr1, "usr1", SIGUSR1);
  ev_idle_init(&idle, (void (*)(struct ev_loop *, ev_idle *, int))on_any);
  idle.data = "idle";

  step("fresh");
  ev_feed_event(loop, &timer, EV_TIMER);
  step("fed EV_TIMER to the inactive timer");
  ev_feed_event(loop, &timer, EV_CUSTOM);
  step("fed EV_CUSTOM on top");
  printf("ev_clear_pending returned %s\n", revents_text(ev_clear_pending(loop, &timer)));
  step("after ev_clear_pending");
  printf("ev_clear_pending again returned %s\n", revents_text(ev_clear_pending(loop, &timer)));
  printf("ev_invoke_pending with only a cleared slot\n");
  ev_invoke_pending(loop);
  step("after ev_invoke_pending");

  ev_timer_start(loop, &timer);
  ev_feed_event(loop, &timer, EV_TIMER);
  ev_feed_event(loop, &idle, EV_IDLE);
  step("started timer fed, inactive idle fed");
  ev_invoke_pending(loop);
  step("after ev_invoke_pending");

  printf("ev_invoke calls the callback directly\n");
  ev_invoke(loop, &timer, EV_CUSTOM);
  step("after ev_invoke");

  ev_io_start(loop, &reader_a);
  ev_io_start(loop, &reader_b);
  ev_io_start(loop, &writer);
  ev_io_start(loop, &other_fd);
  ev_feed_fd_event(loop, fds[0], EV_WRITE);
  printf("ev_feed_fd_event WRITE: pending count %u\n", ev_pending_count(loop));
  ev_feed_fd_event(loop, fds[0], EV_READ);
  printf("ev_feed_fd_event READ on top: pending count %u\n", ev_pending_count(loop));
  ev_invoke_pending(loop);
  ev_io_stop(loop, &reader_a);
  ev_io_stop(loop, &reader_b);
  ev_io_stop(loop, &writer);
  ev_io_stop(loop, &other_fd);

  ev_signal_start(loop, &usr1);
  ev_feed_signal_event(loop, SIGUSR1);
  printf("ev_feed_signal_event: pending count %u\n", ev_pending_count(loop));
  show_state(&usr1);
  ev_invoke_pending(loop);
  ev_feed_signal(SIGUSR1);
  printf("ev_feed_signal: pending count %u\n", ev_pending_count(loop));
  ev_run(loop, EVRUN_NOWAIT);
  ev_signal_stop(loop, &usr1);

  printf("feeding inside ev_run\n");
  ev_feed_event(loop, &idle, EV_CUSTOM);
  ev_feed_event(loop, &timer, EV_CUSTOM);
  ev_run(loop, EVRUN_NOWAIT);
  ev_timer_stop(loop, &timer);
  step("timer stopped");
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
