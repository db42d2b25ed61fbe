/* What the loop does when the process has no free fd left (every number up to RLIMIT_NOFILE
 * taken): creating a loop, and starting the first async or signal watcher of an existing loop,
 * which needs the loop's internal wakeup fd. A failure to create that fd is a fatal system
 * error, reported through the ev_set_syserr_cb callback (which exits here; its message is not
 * printed, it differs between implementations). Each case runs isolated. */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>

#include "compat.h"

static void on_syserr(const char *msg) {
  (void)msg;
  printf("  syserr callback called\n");
  fflush(stdout);
  _exit(3);
}

/* Lowers the fd limit and takes every remaining number. */
static void exhaust_fds(void) {
  struct rlimit limit = {64, 64};
  require(setrlimit(RLIMIT_NOFILE, &limit) == 0, "setrlimit");
  while (dup(1) >= 0) {
  }
  require(errno == EMFILE, "dup");
}

static unsigned loop_flags(void) {
  /* The backend chosen by LIBEV_FLAGS, so that EVFLAG_NOENV does not change it. */
  const char *env = getenv("LIBEV_FLAGS");
  return (env ? (unsigned)atoi(env) & EVBACKEND_MASK : 0) | EVFLAG_NOENV;
}

static void new_loop(const void *arg) {
  (void)arg;
  exhaust_fds();
  struct ev_loop *loop = ev_loop_new(loop_flags());
  printf("  ev_loop_new %s\n", loop ? "returned a loop" : "returned NULL");
}

static void on_async(struct ev_loop *loop, ev_async *w, int revents) {
  trace(loop, w, revents);
}

static void first_async(const void *arg) {
  (void)arg;
  ev_set_syserr_cb(on_syserr);
  struct ev_loop *loop = ev_loop_new(loop_flags());
  require(loop != NULL, "ev_loop_new");
  exhaust_fds();
  ev_async async;
  ev_async_init(&async, on_async);
  async.data = "async";
  ev_async_start(loop, &async);
  printf("  started\n");
  ev_async_send(loop, &async);
  ev_run(loop, EVRUN_NOWAIT);
}

static void first_signal(const void *arg) {
  (void)arg;
  ev_set_syserr_cb(on_syserr);
  struct ev_loop *loop = ev_loop_new(loop_flags());
  require(loop != NULL, "ev_loop_new");
  exhaust_fds();
  ev_signal usr1;
  ev_signal_init(&usr1, TRACE_CB(ev_signal), SIGUSR1);
  usr1.data = "usr1";
  ev_signal_start(loop, &usr1);
  printf("  started\n");
  raise(SIGUSR1);
  ev_run(loop, EVRUN_NOWAIT);
}

static void timer_only(const void *arg) {
  (void)arg;
  ev_set_syserr_cb(on_syserr);
  struct ev_loop *loop = ev_loop_new(loop_flags());
  require(loop != NULL, "ev_loop_new");
  exhaust_fds();
  ev_timer timer;
  ev_timer_init(&timer, TRACE_CB(ev_timer), 0.01, 0.);
  timer.data = "timer";
  ev_timer_start(loop, &timer);
  printf("  run returned %d\n", ev_run(loop, 0));
}

int main(void) {
  compat_begin();
  run_isolated("ev_loop_new", new_loop, NULL);
  run_isolated("first-async", first_async, NULL);
  run_isolated("first-signal", first_signal, NULL);
  run_isolated("timer-only", timer_only, NULL);
  return 0;
}
