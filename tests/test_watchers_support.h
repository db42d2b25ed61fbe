// Helpers shared by the test_watchers_*.cpp files (on top of support.h).
#pragma once

#include "support.h"

#include <string>

// Owns the default loop, created on the test backend: child watchers only work there. It is
// destroyed at the end of the test case, which gives SIGCHLD back its default disposition, so
// that the loop's reaping of every child cannot interfere with other tests' children.
class DefaultLoopGuard {
 public:
  explicit DefaultLoopGuard(unsigned extra_flags = 0);
  ~DefaultLoopGuard();
  DefaultLoopGuard(const DefaultLoopGuard &) = delete;
  DefaultLoopGuard &operator=(const DefaultLoopGuard &) = delete;

  operator struct ev_loop *() const { return loop_; }

 private:
  struct ev_loop *loop_;
};

// A fresh directory under /tmp, removed with everything in it at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Appends `text` to the file at `path`, creating it (mode 0644) if needed.
void append_to_file(const std::string &path, const std::string &text);

// Forks a child that exits at once with `code`. Returns its pid; the child is a zombie (not yet
// reaped) once wait_until_waitable() returns for it.
pid_t fork_exiting_child(int code);
// Waits, without reaping, until `pid` has reached one of the waitid() states in `which`
// (WEXITED, WSTOPPED, WCONTINUED). SIGCHLD has been delivered by then for exits and stops.
void wait_until_waitable(pid_t pid, int which);
