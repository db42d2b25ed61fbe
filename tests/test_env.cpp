// Backend selection: flags, LIBEV_FLAGS (libev's override), EVRING_BACKEND (evring's) and
// EVFLAG_NOENV. Each test sets the environment, creates a loop and restores the environment.
#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/epoll.h>
#include <unistd.h>

namespace {

// Creates a loop with `flags`, returns its backend (0 if creation failed) and destroys it.
unsigned backend_for_flags(unsigned flags) {
  struct ev_loop *loop = ev_loop_new(flags);
  if (!loop) return 0;
  unsigned backend = ev_backend(loop);
  ev_loop_destroy(loop);
  return backend;
}

// The backend a plain ev_loop_new(0) picks when no override is in the environment.
unsigned default_backend() {
  ScopedEnv no_libev_flags("LIBEV_FLAGS", nullptr);
  ScopedEnv no_evring_backend("EVRING_BACKEND", nullptr);
  return backend_for_flags(0);
}

}  // namespace

TEST_CASE("the loop runs on the backend the test run asked for", "[env]") {
  LoopGuard loop;
  CHECK(ev_backend(loop) == test_backend());
}

TEST_CASE("select, poll and epoll are supported and the recommended set is a subset",
          "[core][env]") {
  unsigned supported = ev_supported_backends();
  CHECK((supported & EVBACKEND_SELECT) != 0);
  CHECK((supported & EVBACKEND_POLL) != 0);
  CHECK((supported & EVBACKEND_EPOLL) != 0);
  CHECK((ev_recommended_backends() & ~supported) == 0);
  CHECK(backend_for_flags(EVBACKEND_SELECT | EVFLAG_NOENV) == EVBACKEND_SELECT);
  CHECK(backend_for_flags(EVBACKEND_POLL | EVFLAG_NOENV) == EVBACKEND_POLL);
  CHECK(backend_for_flags(EVBACKEND_EPOLL | EVFLAG_NOENV) == EVBACKEND_EPOLL);
}

TEST_CASE("LIBEV_FLAGS=2 selects poll for a loop created with flags 0", "[core][env]") {
  ScopedEnv no_evring_backend("EVRING_BACKEND", nullptr);
  ScopedEnv poll_flags("LIBEV_FLAGS", "2");
  CHECK(backend_for_flags(0) == EVBACKEND_POLL);
}

TEST_CASE("EVFLAG_NOENV makes the loop ignore LIBEV_FLAGS", "[core][env]") {
  unsigned expected = default_backend();
  ScopedEnv no_evring_backend("EVRING_BACKEND", nullptr);
  ScopedEnv select_flags("LIBEV_FLAGS", "1");
  CHECK(backend_for_flags(EVFLAG_NOENV) == expected);
  CHECK(backend_for_flags(EVBACKEND_POLL | EVFLAG_NOENV) == EVBACKEND_POLL);
}

TEST_CASE("LIBEV_FLAGS does not turn EVFLAG_FORKCHECK off or on", "[core][env][fork]") {
  ScopedEnv no_evring_backend("EVRING_BACKEND", nullptr);
  ScopedEnv poll_flags("LIBEV_FLAGS", std::to_string(EVBACKEND_POLL).c_str());
  // In a child, without ev_loop_fork: the fork watcher runs only under the program's own
  // EVFLAG_FORKCHECK. Exit status: 1 if it ran.
  auto fork_noticed = [](unsigned flags) {
    struct ev_loop *loop = ev_loop_new(flags);
    REQUIRE(loop);
    REQUIRE(ev_backend(loop) == EVBACKEND_POLL);
    Trace trace;
    Traced<ev_fork> fork_watcher(trace, "fork");
    ev_fork_start(loop, &fork_watcher.w);
    ChildStatus status = run_in_child([&] {
      ev_run(loop, EVRUN_NOWAIT);
      return trace.empty() ? 0 : 1;
    });
    ev_fork_stop(loop, &fork_watcher.w);
    ev_loop_destroy(loop);
    return status.exited ? status.exit_code : -1;
  };
  CHECK(fork_noticed(EVFLAG_FORKCHECK) == 1);
  {
    ScopedEnv forkcheck_flags("LIBEV_FLAGS",
                              std::to_string(EVBACKEND_POLL | EVFLAG_FORKCHECK).c_str());
    CHECK(fork_noticed(0) == 0);
  }
}

TEST_CASE("EVRING_BACKEND=<name> overrides flags 0", "[evring][env]") {
  auto named = GENERATE(std::make_pair("poll", unsigned(EVBACKEND_POLL)),
                        std::make_pair("select", unsigned(EVBACKEND_SELECT)),
                        std::make_pair("epoll", unsigned(EVBACKEND_EPOLL)));
  CAPTURE(named.first);
  ScopedEnv no_libev_flags("LIBEV_FLAGS", nullptr);
  ScopedEnv backend("EVRING_BACKEND", named.first);
  CHECK(backend_for_flags(0) == named.second);
}

TEST_CASE("an unknown EVRING_BACKEND prints one line on stderr and is ignored", "[evring][env]") {
  unsigned expected = default_backend();
  ScopedEnv no_libev_flags("LIBEV_FLAGS", nullptr);
  ScopedEnv bogus_backend("EVRING_BACKEND", "no-such-backend");
  StderrCapture capture;
  unsigned backend = backend_for_flags(0);
  std::string printed = capture.finish();
  CHECK(backend == expected);
  INFO("stderr: " << printed);
  CHECK(std::count(printed.begin(), printed.end(), '\n') == 1);
  CHECK((!printed.empty() && printed.back() == '\n'));
}

TEST_CASE("EVFLAG_NOENV makes the loop ignore EVRING_BACKEND and LIBEV_FLAGS", "[evring][env]") {
  unsigned expected = default_backend();
  ScopedEnv select_flags("LIBEV_FLAGS", "1");
  ScopedEnv poll_backend("EVRING_BACKEND", "poll");
  CHECK(backend_for_flags(EVFLAG_NOENV) == expected);
  CHECK(backend_for_flags(EVBACKEND_EPOLL | EVFLAG_NOENV) == EVBACKEND_EPOLL);
}

// The body of the test below, run in a fresh process (so that nothing is cached yet) that the
// test starts with EVRING_TEST_BACKEND_QUERY_CHILD=1; in the normal runs it does nothing. The
// first backend query of a process must create no io_uring ring, since the kernel's teardown
// of a ring the thread created interrupts the thread's next epoll_wait with EINTR.
TEST_CASE("(child) a backend query leaves the thread's epoll_wait alone", "[env]") {
  if (!getenv("EVRING_TEST_BACKEND_QUERY_CHILD")) return;
  CHECK((ev_recommended_backends() & EVBACKEND_EPOLL) != 0);
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  REQUIRE(epoll_fd >= 0);
  epoll_event event;
  int interrupted = 0;
  for (int i = 0; i < 4; ++i)
    if (epoll_wait(epoll_fd, &event, 1, 30) < 0 && errno == EINTR) ++interrupted;
  close(epoll_fd);
  CHECK(interrupted == 0);
}

TEST_CASE("asking which backends exist creates no ring that would interrupt epoll_wait later",
          "[evring][env][io_uring]") {
  ChildStatus status = run_in_child([] {
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    setenv("EVRING_TEST_BACKEND_QUERY_CHILD", "1", 1);
    // The harness checks the test backend by making a loop: an io_uring one would probe.
    setenv("EVRING_TEST_BACKEND", "epoll", 1);
    execl("/proc/self/exe", "evring_tests",
          "(child) a backend query leaves the thread's epoll_wait alone",
          static_cast<char *>(nullptr));
    return 127;
  });
  REQUIRE(status.exited);
  CHECK(status.exit_code == 0);
}
