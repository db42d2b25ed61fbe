/* One iteration in which a watcher of every kind becomes pending: an event fed before ev_run,
 * prepare, a ready fd, an expired timer and periodic, a raised signal, a sent async, check, and
 * an idle watcher (which must not run while anything else is pending). Run three times: all at
 * priority 0, with priorities rising along the queueing order, and falling along it. Every
 * callback is printed in invocation order. */
#include <signal.h>

#include "compat.h"

enum { KINDS = 9 };

static struct ev_loop *loop;
static ev_idle fed;
static ev_prepare prepare;
static ev_io reader;
static ev_timer timer;
static ev_periodic periodic;
static ev_signal signal_w;
static ev_async async;
static ev_check check;
static ev_idle idle;
static ev_watcher *all[KINDS];

static void on_any(struct ev_loop *l, ev_watcher *w, int revents) {
  printf("  %s %s priority %d\n", label_of(w), revents_text(revents), ev_priority(w));
  (void)l;
}

#define CB(type) ((void (*)(struct ev_loop *, ev_##type *, int))on_any)

static void scenario(const char *name, int direction) {
  printf("%s\n", name);
  int fds[2];
  require(pipe(fds) == 0 && write(fds[1], "x", 1) == 1, "pipe");
  ev_idle_init(&fed, CB(idle));
  ev_prepare_init(&prepare, CB(prepare));
  ev_io_init(&reader, CB(io), fds[0], EV_READ);
  ev_timer_init(&timer, CB(timer), -1., 0.);
  ev_periodic_init(&periodic, CB(periodic), ev_now(loop) - 1., 0., 0);
  ev_signal_init(&signal_w, CB(signal), SIGUSR1);
  ev_async_init(&async, CB(async));
  ev_check_init(&check, CB(check));
  ev_idle_init(&idle, CB(idle));
  static const char *labels[KINDS] = {"fed",    "prepare", "io",    "timer", "periodic",
                                      "signal", "async",   "check", "idle"};
  for (int i = 0; i < KINDS; ++i) {
    all[i]->data = (void *)labels[i];
    /* -2 .. 2 over the nine kinds, rising or falling; 0 for everyone when direction is 0 */
    ev_set_priority(all[i], direction * ((i * 5) / KINDS - 2));
  }
  ev_prepare_start(loop, &prepare);
  ev_io_start(loop, &reader);
  ev_timer_start(loop, &timer);
  ev_periodic_start(loop, &periodic);
  ev_signal_start(loop, &signal_w);
  ev_async_start(loop, &async);
  ev_check_start(loop, &check);
  ev_idle_start(loop, &idle);
  ev_feed_event(loop, &fed, EV_CUSTOM);
  raise(SIGUSR1);
  ev_async_send(loop, &async);
  ev_run(loop, EVRUN_ONCE);
  printf("  then idle alone:\n");
  ev_prepare_stop(loop, &prepare);
  ev_io_stop(loop, &reader);
  ev_signal_stop(loop, &signal_w);
  ev_async_stop(loop, &async);
  ev_check_stop(loop, &check);
  ev_run(loop, EVRUN_ONCE);
  ev_idle_stop(loop, &idle);
  close(fds[0]);
  close(fds[1]);
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  ev_watcher *kinds[KINDS] = {
      (ev_watcher *)&fed,   (ev_watcher *)&prepare,  (ev_watcher *)&reader,
      (ev_watcher *)&timer, (ev_watcher *)&periodic, (ev_watcher *)&signal_w,
      (ev_watcher *)&async, (ev_watcher *)&check,    (ev_watcher *)&idle};
  memcpy(all, kinds, sizeof kinds);
  scenario("all at priority 0", 0);
  scenario("priorities rising", 1);
  scenario("priorities falling", -1);
  return 0;
}
