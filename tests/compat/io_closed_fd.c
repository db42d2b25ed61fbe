/* A watched fd closed behind the loop's back. libev's reaction depends on the backend and on
 * whether the fd was already registered with the kernel: EV_ERROR to the watcher, silence, or
 * an assertion failure, so every case runs isolated with its own loop and a guard timer. */
#include "compat.h"

struct closed_case {
  int events;
  int registered_first; /* one iteration hands the fd to the kernel before it is closed */
};

static ev_io watcher;

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  printf("  revents & EV_ERROR: %s\n", revents & EV_ERROR ? "set" : "clear");
  show_state(w);
  ev_io_stop(loop, w);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show_state(&watcher);
  ev_io_stop(loop, &watcher);
}

static void closed_fd_case(const void *arg) {
  const struct closed_case *c = arg;
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  require(loop != NULL, "ev_loop_new");
  int fds[2];
  require(pipe(fds) == 0, "pipe");
  /* Started first, so that a library opening an fd for its timers cannot take the number of the
   * fd closed below and silently turn this into a different scenario. */
  ev_timer guard;
  ev_timer_init(&guard, on_guard, 0.1, 0.);
  guard.data = "guard";
  ev_timer_start(loop, &guard);
  ev_io_init(&watcher, on_io, fds[0], c->events);
  watcher.data = "watcher";
  ev_io_start(loop, &watcher);
  if (c->registered_first) ev_run(loop, EVRUN_NOWAIT);
  close(fds[0]);
  printf("  run returned %d\n", ev_run(loop, 0));
  ev_loop_destroy(loop);
}

int main(void) {
  compat_begin();
  run_isolated("closed-after-registration-read", closed_fd_case, &(struct closed_case){EV_READ, 1});
  run_isolated("closed-after-registration-readwrite", closed_fd_case,
               &(struct closed_case){EV_READ | EV_WRITE, 1});
  run_isolated("closed-before-first-iteration-read", closed_fd_case,
               &(struct closed_case){EV_READ, 0});
  return 0;
}
