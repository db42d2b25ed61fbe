/* An ev_async sent before fork(), handled by the child after ev_loop_fork: the async event is
 * delivered in the child's first iteration, ordered among an io event and an expired timer of
 * the same priority exactly as in an iteration without a fork (libev learns about sent asyncs
 * from its wakeup watcher, which runs at EV_MAXPRI after the poll). The parent then runs the
 * same iteration without a fork, for comparison. */
#include "compat.h"

static struct ev_loop *loop;
static ev_async async;
static ev_timer timer;
static ev_io reader;

static void on_event(struct ev_loop *l, ev_watcher *w, int revents) {
  trace(l, w, revents);
  if (w == (ev_watcher *)&reader) ev_io_stop(l, &reader);
  if (w == (ev_watcher *)&async) ev_async_stop(l, &async);
}

static void run_once(const char *who) {
  printf("%s: run returned %d\n", who, ev_run(loop, EVRUN_NOWAIT));
  printf("%s: pending %u, async pending %d\n", who, ev_pending_count(loop),
         !!ev_async_pending(&async));
}

int main(void) {
  compat_begin();
  loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  int fds[2];
  require(pipe(fds) == 0 && write(fds[1], "x", 1) == 1, "pipe");
  ev_async_init(&async, (void (*)(struct ev_loop *, ev_async *, int))on_event);
  ev_timer_init(&timer, (void (*)(struct ev_loop *, ev_timer *, int))on_event, 0., 0.);
  ev_io_init(&reader, (void (*)(struct ev_loop *, ev_io *, int))on_event, fds[0], EV_READ);
  async.data = "async";
  timer.data = "timer";
  reader.data = "reader";
  ev_async_start(loop, &async);
  ev_io_start(loop, &reader);
  ev_timer_start(loop, &timer);
  ev_async_send(loop, &async);
  printf("sent before fork, async pending %d\n", !!ev_async_pending(&async));

  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    ev_loop_fork(loop);
    run_once("child");
    fflush(stdout);
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  run_once("parent");
  ev_timer_stop(loop, &timer);
  ev_io_stop(loop, &reader);
  ev_async_stop(loop, &async);
  ev_loop_destroy(loop);
  return 0;
}
