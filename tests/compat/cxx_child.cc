// ev++.h: ev::child on the default loop. start(pid) for one child, start(0) for any child,
// rpid/rstatus in the callback, set() on an active watcher, and trace=1 seeing a stopped and a
// continued child before its exit. Pids are only compared, never printed.
#include <ev++.h>

#include <signal.h>
#include <sys/wait.h>

#include "compat.h"

static pid_t spawn(int code, bool stop_first) {
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    if (stop_first) raise(SIGSTOP);
    _exit(code);
  }
  return pid;
}

struct Reaper {
  pid_t expected = 0;
  int left = 0;
  void on_child(ev::child &w, int revents) {
    printf("  child %s, rpid is the child: %d, ", revents_text(revents), w.rpid == expected);
    if (WIFEXITED(w.rstatus))
      printf("exited %d\n", WEXITSTATUS(w.rstatus));
    else if (WIFSTOPPED(w.rstatus))
      printf("stopped by %s\n", WSTOPSIG(w.rstatus) == SIGSTOP ? "SIGSTOP" : "another signal");
    else if (WIFCONTINUED(w.rstatus))
      printf("continued\n");
    else
      printf("status other\n");
    if (WIFSTOPPED(w.rstatus)) kill(w.rpid, SIGCONT);
    if (--left == 0) w.stop();
  }
};

int main() {
  compat_begin();
  ev::default_loop loop;
  Reaper reaper;
  ev::child w;
  w.set<Reaper, &Reaper::on_child>(&reaper);

  printf("one child by pid\n");
  reaper.expected = spawn(3, false);
  reaper.left = 1;
  w.start(reaper.expected);
  loop.run();

  printf("any child (pid 0)\n");
  reaper.expected = spawn(4, false);
  reaper.left = 1;
  w.start(0);
  loop.run();

  printf("set() on an active watcher to the right pid\n");
  pid_t child = spawn(5, true);
  reaper.expected = child;
  reaper.left = 1;
  w.start(child + 100000);  // nobody
  w.set(child);
  printf("  active=%d\n", w.is_active());
  // The child stops itself first; without trace only its exit is reported.
  int status;
  require(waitpid(child, &status, WUNTRACED) == child, "waitpid");
  kill(child, SIGCONT);
  loop.run();

  printf("trace=1: stopped, continued, exited\n");
  child = spawn(6, true);
  reaper.expected = child;
  reaper.left = 3;
  w.start(child, 1);
  loop.run();
  return 0;
}
