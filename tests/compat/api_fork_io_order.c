/* The order of io callbacks for several ready fds after ev_loop_fork. Watchers are started in
 * descending fd order, so registration order and fd order disagree. Before the fork and in the
 * child after ev_loop_fork, the iteration must invoke them in the order the backend reports
 * them; libev re-registers fds with kernel-side state (epoll) after a fork, but keeps the state
 * it holds itself (the poll array, the select sets) as it was. */
#include "compat.h"

enum { PIPES = 4 };

static struct ev_loop *loop;
static ev_io readers[PIPES];
static const char *labels[PIPES] = {"pipe-0", "pipe-1", "pipe-2", "pipe-3"};

static void run_once(const char *who) {
  printf("%s:\n", who);
  ev_run(loop, EVRUN_NOWAIT);
}

int main(void) {
  compat_begin();
  loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  int fds[PIPES][2];
  for (int i = 0; i < PIPES; ++i)
    require(pipe(fds[i]) == 0 && write(fds[i][1], "x", 1) == 1, "pipe");
  /* Highest fd first; pipe-1 and pipe-2 started later, out of order as well. */
  static const int start_order[PIPES] = {3, 0, 2, 1};
  for (int k = 0; k < PIPES; ++k) {
    int i = start_order[k];
    ev_io_init(&readers[i], TRACE_CB(ev_io), fds[i][0], EV_READ);
    readers[i].data = (void *)labels[i];
    ev_io_start(loop, &readers[i]);
  }
  run_once("before fork");

  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    ev_loop_fork(loop);
    run_once("child after ev_loop_fork");
    run_once("child again");
    fflush(stdout);
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  run_once("parent after the fork");
  for (int i = 0; i < PIPES; ++i) ev_io_stop(loop, &readers[i]);
  ev_loop_destroy(loop);
  return 0;
}
