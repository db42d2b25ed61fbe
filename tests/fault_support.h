// What the resource-fault tests (test_faults*.cpp) share: children whose exit and stderr the
// parent collects, a full fd table, and a syserr callback that records and can remedy.
// Everything here is safe in a forked child (no Catch2 assertions).
#ifndef EVRING_TESTS_FAULT_SUPPORT_H
#define EVRING_TESTS_FAULT_SUPPORT_H

#include <ev.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

// ---- children --------------------------------------------------------------------------------

struct CapturedChild {
  bool exited;      // false: killed by term_signal (or never collected: term_signal 0)
  int exit_code;    // valid when exited
  int term_signal;  // valid when !exited
  std::string err;  // what the child wrote to fd 2
};

inline double monotonic_seconds() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return double(now.tv_sec) + double(now.tv_nsec) / 1e9;
}

// Runs body() in a forked child whose stderr goes to a pipe read here until the child closes
// it. The child arms alarm(limit_seconds), so a hung child dies with SIGALRM; the parent reads
// for at most limit_seconds + 5 s, then kills it.
inline CapturedChild run_captured(const std::function<int()> &body, unsigned limit_seconds = 20) {
  CapturedChild outcome{false, -1, 0, {}};
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return outcome;
  fflush(nullptr);  // the child must not flush the parent's buffered output twice
  pid_t pid = fork();
  if (pid == 0) {
    close(err_pipe[0]);
    dup2(err_pipe[1], 2);
    // Not the test runner's handlers: an abort or a crash must end the child as it would
    // end a program.
    for (int signum : {SIGALRM, SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE}) signal(signum, SIG_DFL);
    alarm(limit_seconds);
    _exit(body());
  }
  close(err_pipe[1]);
  if (pid < 0) {
    close(err_pipe[0]);
    return outcome;
  }
  double deadline = monotonic_seconds() + limit_seconds + 5;
  for (;;) {
    double left = deadline - monotonic_seconds();
    pollfd readable = {err_pipe[0], POLLIN, 0};
    if (left <= 0 || poll(&readable, 1, int(left * 1000) + 1) == 0) {
      kill(pid, SIGKILL);
      break;
    }
    char buffer[512];
    ssize_t got = read(err_pipe[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    outcome.err.append(buffer, size_t(got));
  }
  close(err_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  outcome.exited = WIFEXITED(status);
  outcome.exit_code = outcome.exited ? WEXITSTATUS(status) : -1;
  outcome.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return outcome;
}

// Writes a line to fd 2 without stdio (safe after a failed allocation).
inline void report_line(const std::string &line) {
  std::string text = line + "\n";
  ssize_t unused = write(2, text.data(), text.size());
  (void)unused;
}

// ---- a full fd table ---------------------------------------------------------------------------

// Lowers the soft RLIMIT_NOFILE to `limit` and opens /dev/null until the kernel says EMFILE. For
// a child process: the parent's table and limit stay as they were.
class FullFdTable {
 public:
  explicit FullFdTable(int limit = 256) {
    rlimit lowered;
    getrlimit(RLIMIT_NOFILE, &lowered);
    lowered.rlim_cur = rlim_t(limit);
    setrlimit(RLIMIT_NOFILE, &lowered);
    for (;;) {
      int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        full_ = errno == EMFILE;
        break;
      }
      fillers_.push_back(fd);
    }
  }
  ~FullFdTable() {
    for (int fd : fillers_) close(fd);
  }
  FullFdTable(const FullFdTable &) = delete;
  FullFdTable &operator=(const FullFdTable &) = delete;

  bool full() const { return full_ && !fillers_.empty(); }
  // Frees `count` descriptors.
  void free_some(int count) {
    while (count-- > 0 && !fillers_.empty()) {
      close(fillers_.back());
      fillers_.pop_back();
    }
  }
  // Takes one filler away from the table's bookkeeping, for the syserr callback to close.
  int take_one() {
    int fd = fillers_.back();
    fillers_.pop_back();
    return fd;
  }

 private:
  std::vector<int> fillers_;
  bool full_ = false;
};

// ---- the syserr callback -----------------------------------------------------------------------

// What the callback saw. `remedy_fd`, when set, is closed at the first call: the remedy libev's
// manual asks the callback for ("libev will expect it to remedy the situation").
struct SyserrLog {
  int calls;
  char first[160];
  int remedy_fd;
};
inline SyserrLog syserr_log = {0, "", -1};

inline void record_syserr(const char *msg) noexcept {
  report_line(std::string("syserr: ") + msg);
  if (syserr_log.calls++ == 0) {
    strncpy(syserr_log.first, msg, sizeof syserr_log.first - 1);
    if (syserr_log.remedy_fd >= 0) close(syserr_log.remedy_fd);
    syserr_log.remedy_fd = -1;
  }
  // A callback that cannot remedy must not return: libev would retry forever.
  if (syserr_log.calls > 100) {
    report_line(std::string("syserr without remedy: ") + msg);
    _exit(99);
  }
}

inline void record_syserr_from(int remedy_fd) {
  syserr_log = SyserrLog{0, "", remedy_fd};
  ev_set_syserr_cb(record_syserr);
}

#endif
