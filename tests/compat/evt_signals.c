/* Signal events: signal_set/signal_add catch a signal and stay added after each callback; so does
 * an EV_SIGNAL event without EV_PERSIST (libev's emulation never deletes signal events; libevent
 * would); signal_del removes one event while another on the same signal still catches it; a
 * timeout on a signal event ends the event; event_active can fake a signal; a base made by
 * event_base_new catches signals too; signal callbacks run before the timeouts of their
 * iteration. */
#include "evt.h"

static struct event usr1_a, usr1_b, usr2_plain, timed, other_usr2, raiser;
static int usr2_calls;

static void on_usr2(int fd, short events, void *arg) {
  evt_trace_signal(fd, events, arg);
  evt_show("usr2-no-persist", &usr2_plain);
  if (++usr2_calls == 2) printf("  signal_del returns %d\n", signal_del(&usr2_plain));
}

static void on_raiser(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  raise(SIGUSR1);
  printf("  raised SIGUSR1\n");
}

int main(void) {
  compat_begin();
  event_init();
  struct timeval tv;

  signal_set(&usr1_a, SIGUSR1, evt_trace_signal, "usr1-a");
  signal_set(&usr1_b, SIGUSR1, evt_trace_signal, "usr1-b");
  int result_a = signal_add(&usr1_a, NULL);
  int result_b = signal_add(&usr1_b, NULL);
  printf("signal_add returns %d and %d\n", result_a, result_b);
  evt_show("usr1-a", &usr1_a);
  printf("signal_pending %s\n", evt_events_text(signal_pending(&usr1_a, NULL)));
  raise(SIGUSR1);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  evt_show("usr1-a after its callback", &usr1_a);
  raise(SIGUSR1);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  printf("signal_del(usr1-a) returns %d\n", signal_del(&usr1_a));
  evt_show("usr1-a", &usr1_a);
  raise(SIGUSR1);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));

  event_set(&usr2_plain, SIGUSR2, EV_SIGNAL, on_usr2, "usr2-no-persist");
  event_add(&usr2_plain, NULL);
  raise(SIGUSR2);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  raise(SIGUSR2);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));

  printf("-- signal before timeouts in one iteration\n");
  evtimer_set(&raiser, on_raiser, "raiser");
  evtimer_add(&raiser, evt_ms(&tv, 1));
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  evtimer_set(&raiser, evt_trace, "zero-timeout");
  evtimer_add(&raiser, evt_ms(&tv, 0));
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));

  printf("-- event_active fakes a signal\n");
  event_active(&usr1_b, EV_SIGNAL, 1);
  printf("loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));

  printf("-- a signal event with a timeout\n");
  signal_set(&timed, SIGHUP, evt_trace_signal, "hup-with-timeout");
  signal_add(&timed, evt_ms(&tv, 5));
  evt_show("hup-with-timeout", &timed);
  printf("signal_del(usr1-b) returns %d\n", signal_del(&usr1_b));
  printf("dispatch returns %d\n", event_dispatch());
  evt_show("hup-with-timeout", &timed);

  printf("-- a signal on another base\n");
  struct event_base *other = event_base_new();
  signal_set(&other_usr2, SIGUSR2, evt_trace_signal, "usr2-other-base");
  /* A signal belongs to one loop at a time: usr2-no-persist, deleted above, freed SIGUSR2. */
  event_base_set(other, &other_usr2);
  printf("signal_add returns %d\n", signal_add(&other_usr2, NULL));
  raise(SIGUSR2);
  printf("event_base_loop(other, ONCE) returns %d\n", event_base_loop(other, EVLOOP_ONCE));
  signal_del(&other_usr2);
  event_base_free(other);
  return 0;
}
