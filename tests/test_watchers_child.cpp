// ev_child: reported by the default loop, which reaps every child (watched or not), one per
// reap, with the callbacks of the watchers interested in a child run before the next reap.
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <memory>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

struct ChildReport {
  std::string who;
  int revents;
  int rpid;
  int rstatus;
  int priority;
};

// A child watcher that records what each callback saw.
struct RecordingChild {
  ev_child w;
  std::vector<ChildReport> *reports;
  std::string name;

  RecordingChild(std::vector<ChildReport> &into, std::string who, int pid, int trace)
      : reports(&into), name(std::move(who)) {
    ev_child_init(&w, &RecordingChild::record, pid, trace);
    w.data = this;
  }

  static void record(struct ev_loop *, ev_child *watcher, int revents) {
    auto *self = static_cast<RecordingChild *>(watcher->data);
    self->reports->push_back(
        {self->name, revents, watcher->rpid, watcher->rstatus, ev_priority(watcher)});
  }
};

std::vector<std::string> names_of(const std::vector<ChildReport> &reports) {
  std::vector<std::string> names;
  for (const ChildReport &report : reports) names.push_back(report.who);
  return names;
}

// In a forked child: blocks until every write end of the pipe is closed (its own copy too).
void wait_for_hangup(PipeFds &pipe) {
  close(pipe.write_end.get());
  pollfd hangup{pipe.read_end.get(), POLLIN, 0};
  poll(&hangup, 1, 10000);
}

bool no_children_left() {
  return waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace

TEST_CASE("a child's exit reaches the watchers for its pid and for pid 0, at EV_MAXPRI",
          "[child]") {
  DefaultLoopGuard loop;
  std::vector<ChildReport> reports;
  pid_t pid = fork_exiting_child(7);
  RecordingChild mine(reports, "mine", pid, 0);
  RecordingChild any(reports, "any", 0, 0);
  RecordingChild other(reports, "other", pid + 1, 0);
  ev_set_priority(&mine.w, -2);
  ev_child_start(loop, &mine.w);
  ev_child_start(loop, &any.w);
  ev_child_start(loop, &other.w);

  REQUIRE(run_until(loop, [&] { return reports.size() >= 2; }));
  ev_run(loop, EVRUN_NOWAIT);
  REQUIRE(reports.size() == 2);
  for (const ChildReport &report : reports) {
    INFO(report.who);
    CHECK(report.revents == EV_CHILD);
    CHECK(report.rpid == pid);
    CHECK(WIFEXITED(report.rstatus));
    CHECK(WEXITSTATUS(report.rstatus) == 7);
    CHECK(report.priority == EV_MAXPRI);
  }
  // Child watchers are not stopped for the user, and the child is gone.
  CHECK(ev_is_active(&mine.w));
  CHECK(ev_is_active(&any.w));
  CHECK(ev_priority(&other.w) == 0);
  CHECK(waitpid(pid, nullptr, WNOHANG) < 0);
  CHECK(errno == ECHILD);
  ev_child_stop(loop, &mine.w);
  ev_child_stop(loop, &any.w);
  ev_child_stop(loop, &other.w);
}

TEST_CASE("watchers for one child run in libev's order: pid-0 ones first, each in start order",
          "[child]") {
  DefaultLoopGuard loop;
  // libev's watcher table has 16 buckets keyed by pid & 15; the order below is that of a child
  // outside bucket 0 (the pid-0 bucket's watchers are queued last, hence invoked first).
  pid_t pid;
  while (((pid = fork_exiting_child(1)) & 15) == 0) REQUIRE(waitpid(pid, nullptr, 0) == pid);
  std::vector<ChildReport> reports;
  RecordingChild pid_a(reports, "pid-a", pid, 0);
  RecordingChild any_b(reports, "any-b", 0, 0);
  RecordingChild pid_c(reports, "pid-c", pid, 1);
  RecordingChild any_d(reports, "any-d", 0, 1);
  for (RecordingChild *child : {&pid_a, &any_b, &pid_c, &any_d}) ev_child_start(loop, &child->w);

  wait_until_waitable(pid, WEXITED);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(names_of(reports) == std::vector<std::string>{"any-b", "any-d", "pid-a", "pid-c"});
  for (RecordingChild *child : {&pid_a, &any_b, &pid_c, &any_d}) ev_child_stop(loop, &child->w);
}

TEST_CASE("a child that exited before its watcher started is still reported", "[child]") {
  DefaultLoopGuard loop;
  pid_t pid = fork_exiting_child(3);
  wait_until_waitable(pid, WEXITED);
  std::vector<ChildReport> reports;
  RecordingChild late(reports, "late", pid, 0);
  ev_child_start(loop, &late.w);
  REQUIRE(run_until(loop, [&] { return !reports.empty(); }));
  CHECK(reports[0].rpid == pid);
  CHECK(WEXITSTATUS(reports[0].rstatus) == 3);
  ev_child_stop(loop, &late.w);
}

TEST_CASE("100 children exiting at once are each reported once and none is left behind",
          "[child]") {
  DefaultLoopGuard loop;
  constexpr int kChildren = 100;
  PipeFds release = make_pipe();
  std::vector<pid_t> pids;
  for (int i = 0; i < kChildren; ++i) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      wait_for_hangup(release);
      _exit(i);
    }
    pids.push_back(pid);
  }
  std::vector<ChildReport> reports;
  std::vector<std::unique_ptr<RecordingChild>> by_pid;
  for (int i = 0; i < kChildren; ++i) {
    by_pid.push_back(std::make_unique<RecordingChild>(reports, "child", pids[i], 0));
    ev_child_start(loop, &by_pid.back()->w);
  }
  RecordingChild any(reports, "any", 0, 0);
  ev_child_start(loop, &any.w);

  release.write_end.close();
  REQUIRE(run_until(loop, [&] { return reports.size() >= 2 * kChildren; }));
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(reports.size() == 2 * kChildren);

  std::vector<int> seen(kChildren, 0);
  for (size_t i = 0; i < reports.size(); ++i) {
    const ChildReport &report = reports[i];
    REQUIRE(WIFEXITED(report.rstatus));
    int code = WEXITSTATUS(report.rstatus);
    REQUIRE(code < kChildren);
    CHECK(report.rpid == pids[code]);
    ++seen[code];
    // One child per reap: its two callbacks are neighbours.
    if (i % 2) CHECK(reports[i - 1].rpid == report.rpid);
  }
  CHECK(std::count(seen.begin(), seen.end(), 2) == kChildren);
  CHECK(no_children_left());
  for (auto &child : by_pid) ev_child_stop(loop, &child->w);
  ev_child_stop(loop, &any.w);
}

TEST_CASE("the default loop reaps children that no watcher asked about", "[child]") {
  DefaultLoopGuard loop;
  pid_t pid = fork_exiting_child(0);
  // No watcher: the loop has nothing to wait for, so drive it until the zombie is gone.
  Trace trace;
  Traced<ev_timer> tick(trace, "tick");
  ev_timer_set(&tick.w, 0.002, 0.002);
  ev_timer_start(loop, &tick.w);
  REQUIRE(run_until(loop, [&] {
    siginfo_t info;
    return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) < 0 &&
           errno == ECHILD;
  }));
  ev_timer_stop(loop, &tick.w);
}

TEST_CASE("a traced child watcher sees stop and continue, an untraced one only the exit",
          "[child]") {
  DefaultLoopGuard loop;
  PipeFds go = make_pipe();
  PipeFds resumed = make_pipe();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    alarm(10);
    raise(SIGSTOP);
    char byte = 'c';
    if (write(resumed.write_end.get(), &byte, 1) != 1) _exit(2);
    wait_for_hangup(go);
    _exit(5);
  }
  std::vector<ChildReport> reports;
  RecordingChild traced(reports, "traced", pid, 1);
  RecordingChild plain(reports, "plain", pid, 0);
  ev_child_start(loop, &traced.w);
  ev_child_start(loop, &plain.w);

  wait_until_waitable(pid, WSTOPPED);
  REQUIRE(run_until(loop, [&] { return !reports.empty(); }));
  ev_run(loop, EVRUN_NOWAIT);
  REQUIRE(names_of(reports) == std::vector<std::string>{"traced"});
  CHECK(WIFSTOPPED(reports[0].rstatus));
  CHECK(WSTOPSIG(reports[0].rstatus) == SIGSTOP);
  reports.clear();

  REQUIRE(kill(pid, SIGCONT) == 0);
  // The SIGCHLD for a continue is sent once the child runs again, i.e. before it writes.
  REQUIRE(await_announcement(resumed.read_end.get()));
  REQUIRE(run_until(loop, [&] { return !reports.empty(); }));
  ev_run(loop, EVRUN_NOWAIT);
  REQUIRE(names_of(reports) == std::vector<std::string>{"traced"});
  CHECK(WIFCONTINUED(reports[0].rstatus));
  reports.clear();

  go.write_end.close();
  REQUIRE(run_until(loop, [&] { return reports.size() >= 2; }));
  CHECK(names_of(reports) == std::vector<std::string>{"traced", "plain"});
  for (const ChildReport &report : reports) CHECK(WEXITSTATUS(report.rstatus) == 5);
  ev_child_stop(loop, &traced.w);
  ev_child_stop(loop, &plain.w);
}

TEST_CASE("destroying the default loop gives SIGCHLD back its default disposition", "[child]") {
  struct sigaction action;
  {
    DefaultLoopGuard loop;
    sigaction(SIGCHLD, nullptr, &action);
    CHECK(action.sa_handler != SIG_DFL);
  }
  sigaction(SIGCHLD, nullptr, &action);
  CHECK(action.sa_handler == SIG_DFL);
  // A new default loop takes SIGCHLD again and reports children as before.
  DefaultLoopGuard again;
  std::vector<ChildReport> reports;
  pid_t pid = fork_exiting_child(9);
  RecordingChild child(reports, "child", pid, 0);
  ev_child_start(again, &child.w);
  REQUIRE(run_until(again, [&] { return !reports.empty(); }));
  CHECK(WEXITSTATUS(reports[0].rstatus) == 9);
  ev_child_stop(again, &child.w);
}

TEST_CASE("evring reports EV_ERROR for a child watcher started on a loop that is not the default",
          "[evring][child]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_child> child(trace, "child");
  ev_child_set(&child.w, 0, 0);
  StderrCapture capture;
  ev_child_start(loop, &child.w);
  std::string message = capture.finish();
  CHECK(message.find("default loop") != std::string::npos);
  CHECK_FALSE(ev_is_active(&child.w));
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"child", EV_ERROR}});
}
