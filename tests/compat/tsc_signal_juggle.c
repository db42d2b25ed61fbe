/* Several signals, several watchers per signal, raised from callbacks in different orders, the
 * same signal raised twice, pending signal watchers stopped and restarted, ev_feed_signal and
 * ev_feed_signal_event, each with and without EVFLAG_SIGNALFD (the backend still comes from
 * LIBEV_FLAGS). Every case runs in a child process with its own default loop and iterates
 * with EVRUN_NOWAIT, so a raised signal has always arrived before the next poll. */
#include <signal.h>

#include "compat.h"

static struct ev_loop *loop;
static ev_signal u1a, u1b, u2, hup, winch;
static int script;
static int rounds;

static void show_all(void) {
  show_state(&u1a);
  show_state(&u1b);
  show_state(&u2);
  show_state(&hup);
  show_state(&winch);
  printf("  pending count %u\n", ev_pending_count(loop));
}

static void on_sig(struct ev_loop *l, ev_signal *w, int revents) {
  trace(l, w, revents);
  if (rounds++ > 40) {
    printf("  too many rounds\n");
    ev_break(l, EVBREAK_ALL);
    return;
  }
  switch (script) {
    case 1: /* chain: u1a raises usr2 then hup then usr1 (once) */
      if (w == &u1a && rounds < 3) {
        raise(SIGUSR2);
        raise(SIGHUP);
        raise(SIGUSR1);
        raise(SIGUSR2);
      }
      break;
    case 2: /* the first callback stops pending watchers and restarts one */
      if (rounds == 1) {
        show_all();
        ev_signal_stop(l, &u2);
        ev_signal_stop(l, &u1b);
        ev_signal_stop(l, &u1a);
        printf("  stopped u2, u1b, u1a\n");
        show_all();
        ev_signal_start(l, &u2);
        ev_signal_start(l, &u1a);
        printf("  restarted u2, u1a\n");
        show_all();
      }
      break;
    case 3: /* raise a signal, stop every watcher of it, restart in the same callback */
      if (rounds == 1) {
        raise(SIGWINCH);
        ev_signal_stop(l, &winch);
        ev_signal_start(l, &winch);
        raise(SIGUSR2);
        ev_signal_stop(l, &u2);
        printf("  winch raised+restarted, usr2 raised+stopped\n");
        show_all();
      } else if (w == &winch) {
        ev_signal_start(l, &u2);
        printf("  usr2 started again\n");
      }
      break;
    case 4: /* feeding */
      if (rounds == 1) {
        ev_feed_signal(SIGHUP);
        ev_feed_signal_event(l, SIGUSR2);
        ev_feed_signal_event(l, SIGWINCH);
        ev_feed_signal(SIGUSR1);
        printf("  fed hup (signal), usr2+winch (events), usr1 (signal)\n");
        show_all();
      }
      break;
    case 5: /* priorities mixed, self re-raise twice */
      if (w == &u2 && rounds < 6) {
        raise(SIGUSR2);
        raise(SIGUSR1);
        ev_feed_event(l, &hup, EV_SIGNAL | EV_CUSTOM);
      }
      break;
  }
}

static void scenario(const void *arg) {
  int sigfd = *(const int *)arg / 10;
  script = *(const int *)arg % 10;
  const char *env = getenv("LIBEV_FLAGS");
  unsigned flags = env ? (unsigned)atoi(env) : 0u;
  loop = ev_default_loop(flags | EVFLAG_NOENV | (sigfd ? EVFLAG_SIGNALFD : 0));
  require(loop != NULL, "ev_default_loop");
  ev_signal_init(&u1a, on_sig, SIGUSR1);
  ev_signal_init(&u1b, on_sig, SIGUSR1);
  ev_signal_init(&u2, on_sig, SIGUSR2);
  ev_signal_init(&hup, on_sig, SIGHUP);
  ev_signal_init(&winch, on_sig, SIGWINCH);
  u1a.data = "u1a";
  u1b.data = "u1b";
  u2.data = "u2";
  hup.data = "hup";
  winch.data = "winch";
  if (script == 5) {
    ev_set_priority(&u1a, 1);
    ev_set_priority(&u2, -1);
    ev_set_priority(&hup, 2);
  }
  ev_signal_start(loop, &u1a);
  ev_signal_start(loop, &u1b);
  ev_signal_start(loop, &u2);
  ev_signal_start(loop, &hup);
  ev_signal_start(loop, &winch);
  switch (script) {
    case 1:
      raise(SIGUSR1);
      raise(SIGUSR1);
      break;
    case 2:
      raise(SIGUSR2);
      raise(SIGUSR1);
      raise(SIGHUP);
      break;
    case 3:
      raise(SIGHUP);
      break;
    case 4:
      ev_feed_signal_event(loop, SIGHUP);
      break;
    case 5:
      raise(SIGUSR2);
      raise(SIGHUP);
      break;
  }
  printf("  before run: pending count %u\n", ev_pending_count(loop));
  for (int i = 0; i < 6; ++i) {
    ev_run(loop, EVRUN_NOWAIT);
    printf("  -- after run %d, iteration %u\n", i, ev_iteration(loop));
  }
}

int main(void) {
  compat_begin();
  static const char *names[] = {"",     "chain",     "stop-pending", "raise-stop-restart",
                                "feed", "priorities"};
  for (int sigfd = 0; sigfd < 2; ++sigfd)
    for (int s = 1; s <= 5; ++s) {
      char name[64];
      snprintf(name, sizeof name, "%s%s", names[s], sigfd ? " signalfd" : "");
      int arg = sigfd * 10 + s;
      run_isolated(name, scenario, &arg);
    }
  return 0;
}
