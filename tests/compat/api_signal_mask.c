/* What ev_signal_start and ev_signal_stop do to the thread's signal mask and to the signal's
 * disposition, on loops made with flags 0, EVFLAG_NOSIGMASK and EVFLAG_SIGNALFD, for a signal
 * that was blocked beforehand and for one that was ignored beforehand; and whether a signal
 * raised while it is blocked reaches the watcher once the loop (or the program) unblocks it.
 * Each case runs isolated, so that masks and dispositions start out the same. The loops are
 * made with EVFLAG_NOENV, because LIBEV_FLAGS would replace these flags; the backend it names
 * is passed on explicitly. */
#include <signal.h>

#include "compat.h"

static ev_signal watcher;

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
}

static void show_signal(const char *when) {
  sigset_t mask;
  struct sigaction current;
  require(sigprocmask(SIG_BLOCK, NULL, &mask) == 0, "sigprocmask");
  require(sigaction(SIGUSR1, NULL, &current) == 0, "sigaction");
  printf("  %s: blocked %d, disposition %s\n", when, sigismember(&mask, SIGUSR1),
         current.sa_handler == SIG_DFL   ? "default"
         : current.sa_handler == SIG_IGN ? "ignored"
                                         : "handler");
}

static void set_blocked(int how) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  require(sigprocmask(how, &set, NULL) == 0, "sigprocmask");
}

struct mask_case {
  unsigned flags;
  int prepare; /* 0: nothing, 1: blocked beforehand, 2: ignored beforehand */
};

static void mask_case(const void *arg) {
  const struct mask_case *c = arg;
  if (c->prepare == 1) set_blocked(SIG_BLOCK);
  if (c->prepare == 2) signal(SIGUSR1, SIG_IGN);
  /* LIBEV_FLAGS would replace the case's flags: keep only its backend choice. */
  const char *env = getenv("LIBEV_FLAGS");
  unsigned backend = env ? (unsigned)atoi(env) & EVBACKEND_MASK : 0;
  struct ev_loop *loop = ev_loop_new(c->flags | EVFLAG_NOENV | backend);
  require(loop != NULL, "ev_loop_new");
  ev_signal_init(&watcher, on_signal, SIGUSR1);
  watcher.data = "usr1";
  show_signal("before start");
  ev_signal_start(loop, &watcher);
  show_signal("after start");
  raise(SIGUSR1);
  printf("  raised\n");
  ev_run(loop, EVRUN_NOWAIT);
  ev_run(loop, EVRUN_NOWAIT);
  show_state(&watcher);
  set_blocked(SIG_UNBLOCK);
  printf("  unblocked by the program\n");
  ev_run(loop, EVRUN_NOWAIT);
  ev_run(loop, EVRUN_NOWAIT);
  show_signal("before stop");
  ev_signal_stop(loop, &watcher);
  show_signal("after stop");
  ev_loop_destroy(loop);
}

int main(void) {
  compat_begin();
  static const struct {
    const char *name;
    struct mask_case c;
  } cases[] = {
      {"flags-0", {0, 0}},
      {"flags-0-blocked", {0, 1}},
      {"flags-0-ignored", {0, 2}},
      {"nosigmask", {EVFLAG_NOSIGMASK, 0}},
      {"nosigmask-blocked", {EVFLAG_NOSIGMASK, 1}},
      {"nosigmask-ignored", {EVFLAG_NOSIGMASK, 2}},
      {"signalfd", {EVFLAG_SIGNALFD, 0}},
      {"signalfd-blocked", {EVFLAG_SIGNALFD, 1}},
      {"signalfd-ignored", {EVFLAG_SIGNALFD, 2}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
    run_isolated(cases[i].name, mask_case, &cases[i].c);
  return 0;
}
