/* ev_loop_fork without a fork (the parent keeps using the loop: io, a timer, a signal), called
 * twice before one iteration, a real fork with EVFLAG_FORKCHECK and ev_loop_fork both, and a
 * grandchild noticed only by EVFLAG_FORKCHECK. Fork watchers must run once per announced or
 * noticed fork, and io watchers keep working in every process. Children print before their
 * parent goes on. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "compat.h"

static int fds[2];
static const char *who = "parent";

static void on_read(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char byte;
  require(read(w->fd, &byte, 1) == 1, "read");
  printf("  %s read '%c'\n", who, byte);
}

static void on_fork(struct ev_loop *loop, ev_fork *w, int revents) {
  trace(loop, w, revents);
  printf("  in %s\n", who);
}

static void poke_and_run(struct ev_loop *loop, const char *what) {
  require(write(fds[1], who, 1) == 1, "write");
  printf("%s %s: run returned %d\n", who, what, ev_run(loop, EVRUN_NOWAIT));
  printf("%s %s: again %d\n", who, what, ev_run(loop, EVRUN_NOWAIT));
}

static void wait_child(pid_t pid) {
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("%s: child ended %d\n", who, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
}

int main(void) {
  compat_begin();
  const char *env = getenv("LIBEV_FLAGS");
  unsigned backend = env ? (unsigned)atoi(env) : 0;
  struct ev_loop *def = ev_default_loop(0);
  struct ev_loop *loop = ev_loop_new(backend | EVFLAG_NOENV | EVFLAG_FORKCHECK);
  require(loop != NULL && pipe(fds) == 0, "setup");

  ev_io reader;
  ev_io_init(&reader, on_read, fds[0], EV_READ);
  reader.data = "reader";
  ev_io_start(loop, &reader);
  ev_fork fw, dfw;
  ev_fork_init(&fw, on_fork);
  fw.data = "fork";
  ev_fork_start(loop, &fw);
  ev_fork_init(&dfw, on_fork);
  dfw.data = "default-fork";
  ev_fork_start(def, &dfw);
  ev_signal sig;
  ev_signal_init(&sig, on_signal, SIGUSR1);
  sig.data = "usr1";
  ev_signal_start(def, &sig);

  poke_and_run(loop, "start");
  ev_loop_fork(loop);
  poke_and_run(loop, "ev_loop_fork without fork");
  ev_loop_fork(loop);
  ev_loop_fork(loop);
  poke_and_run(loop, "ev_loop_fork twice");
  ev_loop_fork(def);
  raise(SIGUSR1);
  printf("default after ev_loop_fork without fork: run returned %d\n", ev_run(def, EVRUN_NOWAIT));

  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    who = "child";
    ev_loop_fork(loop);
    poke_and_run(loop, "forkcheck and ev_loop_fork");
    fflush(stdout);
    pid_t grand = fork();
    require(grand >= 0, "fork");
    if (grand == 0) {
      who = "grandchild";
      poke_and_run(loop, "forkcheck only");
      fflush(stdout);
      _exit(0);
    }
    wait_child(grand);
    poke_and_run(loop, "after grandchild");
    fflush(stdout);
    _exit(0);
  }
  wait_child(pid);
  poke_and_run(loop, "after child");
  raise(SIGUSR1);
  printf("default after child: run returned %d\n", ev_run(def, EVRUN_NOWAIT));
  ev_fork_stop(def, &dfw);
  ev_signal_stop(def, &sig);
  ev_io_stop(loop, &reader);
  ev_fork_stop(loop, &fw);
  ev_loop_destroy(loop);
  return 0;
}
