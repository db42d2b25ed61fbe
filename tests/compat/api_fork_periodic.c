/* How often a periodic's reschedule callback is consulted around ev_loop_fork: at start, and
 * in the child's first iterations after ev_loop_fork (where the loop may re-check the wall
 * clock), compared with the parent's iterations. The callback always answers a minute from
 * now, so the periodic never expires; only call counts are printed. */
#include "compat.h"

static int calls;

static ev_tstamp reschedule(ev_periodic *w, ev_tstamp now) {
  (void)w;
  ++calls;
  return now + 60.;
}

static void run_twice(struct ev_loop *loop, const char *who) {
  for (int i = 1; i <= 2; ++i) {
    ev_run(loop, EVRUN_NOWAIT);
    printf("%s: after nowait %d the callback was called %d time(s)\n", who, i, calls);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  ev_periodic periodic;
  ev_periodic_init(&periodic, TRACE_CB(ev_periodic), 0., 0., reschedule);
  periodic.data = "periodic";
  ev_periodic_start(loop, &periodic);
  printf("started: %d call(s)\n", calls);
  run_twice(loop, "before fork");

  calls = 0;
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    ev_loop_fork(loop);
    printf("child: ev_loop_fork made %d call(s)\n", calls);
    run_twice(loop, "child");
    fflush(stdout);
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  run_twice(loop, "parent");
  ev_periodic_stop(loop, &periodic);
  ev_loop_destroy(loop);
  return 0;
}
