/* ev_child with 100 children exiting at once: every exit is reported exactly once to its own
 * pid watcher and to a pid-0 watcher, one child per reap, with the callbacks for one child
 * running before the next child is reaped. Then children nobody watches: the default loop reaps
 * them anyway, leaving no zombie. Exit codes, not pids, identify the children. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "compat.h"

enum { CHILDREN = 100 };

static ev_child by_pid[CHILDREN];
static ev_child any;
static int by_pid_seen[CHILDREN], any_seen[CHILDREN];
/* Exit codes in callback order: the two callbacks for one child must be neighbours. */
static int sequence[2 * CHILDREN];
static int reports;

static void on_by_pid(struct ev_loop *loop, ev_child *w, int revents) {
  int code = WEXITSTATUS(w->rstatus);
  if (revents != EV_CHILD || w != &by_pid[code]) printf("  unexpected by-pid report\n");
  ++by_pid_seen[code];
  ev_child_stop(loop, w);
  if (reports < 2 * CHILDREN) sequence[reports] = code;
  ++reports;
}

static void on_any(struct ev_loop *loop, ev_child *w, int revents) {
  (void)loop;
  if (revents != EV_CHILD) printf("  unexpected any report\n");
  int code = WEXITSTATUS(w->rstatus);
  ++any_seen[code];
  if (reports < 2 * CHILDREN) sequence[reports] = code;
  ++reports;
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)revents;
  siginfo_t info;
  info.si_pid = 0;
  /* Without reaping: are there children left, zombie or not? */
  if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD)
    ev_timer_stop(loop, w);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)w;
  (void)revents;
  printf("  guard expired\n");
  ev_break(loop, EVBREAK_ALL);
}

/* Forks children blocked on a pipe; closing the returned write end lets them all exit. */
static int fork_children(int count, pid_t *pids) {
  int go[2];
  require(pipe(go) == 0, "pipe");
  fflush(stdout);
  for (int i = 0; i < count; ++i) {
    pid_t pid = fork();
    require(pid >= 0, "fork");
    if (pid == 0) {
      char byte;
      close(go[1]);
      (void)!read(go[0], &byte, 1);
      _exit(i);
    }
    if (pids) pids[i] = pid;
  }
  close(go[0]);
  return go[1];
}

static int reported_in_pairs(void) {
  for (int i = 0; i < reports && i + 1 < 2 * CHILDREN; i += 2)
    if (sequence[i] != sequence[i + 1]) return 0;
  return 1;
}

static int count_equal_to(const int *seen, int value) {
  int n = 0;
  for (int i = 0; i < CHILDREN; ++i) n += seen[i] == value;
  return n;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_timer guard;
  ev_timer_init(&guard, on_guard, 8., 0.);
  ev_timer_start(loop, &guard);
  ev_unref(loop);

  pid_t pids[CHILDREN];
  int release = fork_children(CHILDREN, pids);
  for (int i = 0; i < CHILDREN; ++i) {
    ev_child_init(&by_pid[i], on_by_pid, pids[i], 0);
    ev_child_start(loop, &by_pid[i]);
  }
  ev_child_init(&any, on_any, 0, 0);
  ev_child_start(loop, &any);
  ev_unref(loop); /* the run ends when every by-pid watcher has stopped */
  close(release);
  printf("watched: run returned %d\n", ev_run(loop, 0));
  printf("  reports %d\n", reports);
  printf("  by-pid watchers that saw their child once: %d\n", count_equal_to(by_pid_seen, 1));
  printf("  pid-0 watcher saw each child once: %d\n", count_equal_to(any_seen, 1) == CHILDREN);
  printf("  both callbacks for a child ran back to back: %d\n", reported_in_pairs());
  ev_ref(loop);
  ev_child_stop(loop, &any);

  release = fork_children(10, NULL);
  ev_timer tick;
  ev_timer_init(&tick, on_tick, 0.01, 0.01);
  ev_timer_start(loop, &tick);
  close(release);
  printf("unwatched: run returned %d\n", ev_run(loop, 0));
  printf("  no child left: %d\n", waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
  ev_ref(loop);
  ev_timer_stop(loop, &guard);
  return 0;
}
