/* A signal sent by another process while the loop is blocked waiting must wake it up. The child
 * sends only after the loop's prepare watcher told it (through a pipe) that the loop is about to
 * block, and a long guard timer bounds the wait. */
#include <signal.h>
#include <sys/wait.h>

#include "compat.h"

static int go_pipe[2];

static ev_prepare announcer;
static ev_signal usr1;
static ev_timer guard;

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents) {
  trace_untimed(w, revents);
  require(write(go_pipe[1], "g", 1) == 1, "write");
  ev_prepare_stop(loop, w);
}

static void on_usr1(struct ev_loop *loop, ev_signal *w, int revents) {
  trace_untimed(w, revents);
  ev_signal_stop(loop, w);
  ev_timer_stop(loop, &guard);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  printf("  no signal arrived\n");
  ev_signal_stop(loop, &usr1);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  require(pipe(go_pipe) == 0, "pipe");
  ev_signal_init(&usr1, on_usr1, SIGUSR1);
  usr1.data = "usr1";
  ev_signal_start(loop, &usr1);

  fflush(stdout);
  pid_t child = fork();
  require(child >= 0, "fork");
  if (child == 0) {
    char c;
    if (read(go_pipe[0], &c, 1) == 1) kill(getppid(), SIGUSR1);
    _exit(0);
  }

  ev_prepare_init(&announcer, on_prepare);
  announcer.data = "prepare";
  ev_prepare_start(loop, &announcer);
  ev_timer_init(&guard, on_guard, 5., 0.);
  guard.data = "guard";
  ev_timer_start(loop, &guard);
  printf("run returned %d\n", ev_run(loop, 0));
  /* libev's default loop may already have reaped the child through its SIGCHLD watcher. */
  waitpid(child, NULL, 0);
  show_state(&usr1);
  show_state(&guard);
  return 0;
}
