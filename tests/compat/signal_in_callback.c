/* Signals raised with kill(getpid()) from inside callbacks reach their watchers in the next
 * iteration; a signal watcher can re-raise its own signal; two signals raised together arrive in
 * a fixed order. */
#include <signal.h>

#include "compat.h"

static ev_signal usr1, usr2;
static ev_timer raiser;
static ev_io io_raiser;
static int usr1_count;

static void on_usr1(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
  if (++usr1_count == 3) {
    printf("  re-raising both signals\n");
    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
  } else if (usr1_count < 3) {
    printf("  re-raising itself\n");
    kill(getpid(), SIGUSR1);
  } else {
    ev_signal_stop(loop, w);
  }
}

static void on_usr2(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
  if (usr1_count >= 3) ev_signal_stop(loop, w);
}

static void on_raiser(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  kill(getpid(), SIGUSR2);
  printf("  raised SIGUSR2\n");
}

static void on_io_raiser(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, w);
  kill(getpid(), SIGUSR1);
  printf("  raised SIGUSR1\n");
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_signal_init(&usr1, on_usr1, SIGUSR1);
  ev_signal_init(&usr2, on_usr2, SIGUSR2);
  usr1.data = "usr1";
  usr2.data = "usr2";
  ev_signal_start(loop, &usr1);
  ev_signal_start(loop, &usr2);

  printf("from a timer\n");
  ev_timer_init(&raiser, on_raiser, 0., 0.);
  raiser.data = "timer";
  ev_timer_start(loop, &raiser);
  ev_run(loop, EVRUN_ONCE);
  ev_run(loop, EVRUN_ONCE);

  printf("from an io watcher, then chained\n");
  int fds[2];
  require(pipe(fds) == 0, "pipe");
  ev_io_init(&io_raiser, on_io_raiser, fds[1], EV_WRITE);
  io_raiser.data = "io";
  ev_io_start(loop, &io_raiser);
  printf("run returned %d\n", ev_run(loop, 0));
  printf("iterations %u, SIGUSR1 seen %d times\n", ev_iteration(loop), usr1_count);
  return 0;
}
