/* Reduced from cfx_fork_signal_async: EVFLAG_FORKCHECK given to ev_loop_new and ev_default_loop
 * without EVFLAG_NOENV while LIBEV_FLAGS is set (run.sh always sets it). Does the loop notice a
 * fork the child did not announce with ev_loop_fork, i.e. do its fork watchers run there? */
#include <sys/wait.h>

#include "compat.h"

static void try_loop(struct ev_loop *loop, const char *what) {
  ev_fork fw;
  ev_fork_init(&fw, TRACE_CB(ev_fork));
  fw.data = "fork";
  ev_fork_start(loop, &fw);
  printf("%s: parent run returned %d\n", what, ev_run(loop, EVRUN_NOWAIT));
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    printf("%s: child run returned %d\n", what, ev_run(loop, EVRUN_NOWAIT));
    fflush(stdout);
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("%s: parent again returned %d\n", what, ev_run(loop, EVRUN_NOWAIT));
  ev_fork_stop(loop, &fw);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(EVFLAG_FORKCHECK);
  require(loop != NULL, "ev_loop_new");
  try_loop(loop, "ev_loop_new");
  ev_loop_destroy(loop);
  try_loop(ev_default_loop(EVFLAG_FORKCHECK), "ev_default_loop");
  return 0;
}
