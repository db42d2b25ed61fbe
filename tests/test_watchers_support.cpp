#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

DefaultLoopGuard::DefaultLoopGuard(unsigned extra_flags)
    : loop_(ev_default_loop(test_backend() | EVFLAG_NOENV | extra_flags)) {
  REQUIRE(loop_ != nullptr);
  REQUIRE(ev_backend(loop_) == test_backend());
}

DefaultLoopGuard::~DefaultLoopGuard() {
  ev_loop_destroy(loop_);
}

TempDir::TempDir() {
  char name[] = "/tmp/evring-watchers-XXXXXX";
  REQUIRE(mkdtemp(name) != nullptr);
  path_ = name;
}

// Tests create files only, never subdirectories deeper than one level.
TempDir::~TempDir() {
  if (DIR *dir = opendir(path_.c_str())) {
    while (dirent *entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      std::string full = file(name);
      if (unlink(full.c_str()) != 0) rmdir(full.c_str());
    }
    closedir(dir);
  }
  rmdir(path_.c_str());
}

void append_to_file(const std::string &path, const std::string &text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
}

pid_t fork_exiting_child(int code) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(code);
  return pid;
}

void wait_until_waitable(pid_t pid, int which) {
  siginfo_t info;
  int result;
  do {
    result = waitid(P_PID, static_cast<id_t>(pid), &info, which | WNOWAIT);
  } while (result < 0 && errno == EINTR);
  REQUIRE(result == 0);
}
