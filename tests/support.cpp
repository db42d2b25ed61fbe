#include "support.h"

// Listener support lives here rather than in main.cpp so that main.cpp stays the bare Catch2
// main (the expensive translation unit compiles once and never changes).
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

namespace {

struct BackendName {
  const char *name;
  unsigned bit;
};
constexpr BackendName kBackendNames[] = {
    {"select", EVBACKEND_SELECT},
    {"poll", EVBACKEND_POLL},
    {"epoll", EVBACKEND_EPOLL},
    {"io_uring", EVBACKEND_IOURING},
};

const char *requested_backend_name() {
  const char *name = std::getenv("EVRING_TEST_BACKEND");
  return name && *name ? name : "epoll";
}

}  // namespace

unsigned test_backend() {
  for (const BackendName &entry : kBackendNames) {
    if (std::strcmp(entry.name, requested_backend_name()) == 0) return entry.bit;
  }
  return 0;
}

const char *test_backend_name() {
  return requested_backend_name();
}

std::string test_backend_unavailable_reason() {
  std::ostringstream reason;
  unsigned backend = test_backend();
  if (backend == 0) {
    reason << "unknown EVRING_TEST_BACKEND '" << test_backend_name()
           << "' (expected select, poll, epoll or io_uring)";
    return reason.str();
  }
  if (!(ev_supported_backends() & backend)) {
    reason << "backend " << test_backend_name() << " is not in ev_supported_backends() (0x"
           << std::hex << ev_supported_backends() << ")";
    return reason.str();
  }
  // Supported at build time is not enough: the kernel may refuse (e.g. io_uring disabled).
  struct ev_loop *probe = ev_loop_new(backend | EVFLAG_NOENV);
  if (!probe) {
    reason << "ev_loop_new(" << test_backend_name() << ") failed on this kernel";
    return reason.str();
  }
  ev_loop_destroy(probe);
  return "";
}

LoopGuard::LoopGuard(unsigned extra_flags)
    : loop_(ev_loop_new(test_backend() | EVFLAG_NOENV | extra_flags)) {
  REQUIRE(loop_ != nullptr);
}

LoopGuard::~LoopGuard() {
  ev_loop_destroy(loop_);
}

// ---- bounded running ---------------------------------------------------------------------

namespace {

// An unref'd timer: it must not keep ev_run alive, but if it expires the run is over.
class GuardTimer {
 public:
  GuardTimer(struct ev_loop *loop, double limit) : loop_(loop) {
    ev_timer_init(&timer_, &GuardTimer::expired, limit, 0.);
    timer_.data = this;
    ev_timer_start(loop_, &timer_);
    ev_unref(loop_);
  }
  ~GuardTimer() {
    if (ev_is_active(&timer_)) {
      ev_ref(loop_);
      ev_timer_stop(loop_, &timer_);
    }
  }
  bool fired() const { return fired_; }

 private:
  static void expired(struct ev_loop *loop, ev_timer *timer, int) {
    auto *self = static_cast<GuardTimer *>(timer->data);
    self->fired_ = true;
    ev_ref(loop);  // libev stopped the one-shot timer; rebalance our ev_unref.
    ev_break(loop, EVBREAK_ALL);
  }

  struct ev_loop *loop_;
  ev_timer timer_;
  bool fired_ = false;
};

}  // namespace

RunOutcome run_guarded(struct ev_loop *loop, int flags, double limit) {
  GuardTimer guard(loop, limit);
  int returned = ev_run(loop, flags);
  return {returned, guard.fired()};
}

bool run_until(struct ev_loop *loop, const std::function<bool()> &done, double limit) {
  GuardTimer guard(loop, limit);
  while (!done() && !guard.fired()) ev_run(loop, EVRUN_ONCE);
  return done();
}

// ---- tracing -----------------------------------------------------------------------------

std::string revents_name(int revents) {
  static const struct {
    int bit;
    const char *name;
  } kNames[] = {{EV_READ, "READ"},     {EV_WRITE, "WRITE"},   {EV_TIMER, "TIMER"},
                {EV_SIGNAL, "SIGNAL"}, {EV_IDLE, "IDLE"},     {EV_PREPARE, "PREPARE"},
                {EV_CHECK, "CHECK"},   {EV_CUSTOM, "CUSTOM"}, {EV_ERROR, "ERROR"}};
  std::string text;
  int rest = revents;
  for (const auto &entry : kNames) {
    if (!(rest & entry.bit)) continue;
    rest &= ~entry.bit;
    if (!text.empty()) text += '|';
    text += entry.name;
  }
  if (rest) {
    std::ostringstream hex;
    hex << (text.empty() ? "" : "|") << "0x" << std::hex << rest;
    text += hex.str();
  }
  return text.empty() ? "0" : text;
}

std::ostream &operator<<(std::ostream &out, const Firing &firing) {
  return out << firing.who << ':' << revents_name(firing.revents);
}

// ---- file descriptors --------------------------------------------------------------------

Fd &Fd::operator=(Fd &&other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.release();
  }
  return *this;
}

void Fd::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int Fd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::move_to(int target) {
  REQUIRE(fd_ >= 0);
  if (fd_ == target) return;
  REQUIRE(dup3(fd_, target, O_CLOEXEC) == target);
  close();
  fd_ = target;
}

PipeFds make_pipe() {
  int fds[2];
  REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  return {Fd(fds[0]), Fd(fds[1])};
}

SocketFds make_socketpair() {
  int fds[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
  return {Fd(fds[0]), Fd(fds[1])};
}

void write_byte(int fd, char byte) {
  REQUIRE(write(fd, &byte, 1) == 1);
}

std::string drain(int fd) {
  std::string data;
  char buffer[65536];
  for (;;) {
    ssize_t got = read(fd, buffer, sizeof buffer);
    if (got > 0) {
      data.append(buffer, static_cast<size_t>(got));
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else {
      return data;
    }
  }
}

size_t fill(int fd) {
  static const char kChunk[4096] = {};
  size_t total = 0;
  for (;;) {
    ssize_t put = write(fd, kChunk, sizeof kChunk);
    if (put > 0) {
      total += static_cast<size_t>(put);
    } else if (put < 0 && errno == EINTR) {
      continue;
    } else {
      REQUIRE(errno == EAGAIN);
      return total;
    }
  }
}

// ---- waking a blocked loop from outside ----------------------------------------------------

BlockAnnouncer::BlockAnnouncer(struct ev_loop *loop) : loop_(loop), pipe_(make_pipe()) {
  ev_prepare_init(&prepare_, &BlockAnnouncer::on_prepare);
  prepare_.data = this;
  ev_prepare_start(loop_, &prepare_);
  ev_unref(loop_);  // announcing must not keep the loop alive
}

BlockAnnouncer::~BlockAnnouncer() {
  stop();
}

void BlockAnnouncer::stop() {
  if (ev_is_active(&prepare_)) {
    ev_ref(loop_);
    ev_prepare_stop(loop_, &prepare_);
  }
  pipe_.write_end.close();
}

void BlockAnnouncer::on_prepare(struct ev_loop *loop, ev_prepare *prepare, int) {
  auto *self = static_cast<BlockAnnouncer *>(prepare->data);
  char byte = 'b';
  if (write(self->pipe_.write_end.get(), &byte, 1) != 1) return;  // retried next iteration
  ev_ref(loop);
  ev_prepare_stop(loop, prepare);
}

bool await_announcement(int fd, int timeout_ms) {
  pollfd waiting{fd, POLLIN, 0};
  int ready;
  do {
    ready = poll(&waiting, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  char byte;
  return ready == 1 && read(fd, &byte, 1) == 1;
}

PlainThread::PlainThread(std::function<void()> body) : body_(std::move(body)) {
  auto run = [](void *self) -> void * {
    static_cast<PlainThread *>(self)->body_();
    return nullptr;
  };
  joinable_ = pthread_create(&thread_, nullptr, run, this) == 0;
  if (!joinable_) {
    fprintf(stderr, "pthread_create failed\n");
    abort();
  }
}

PlainThread::~PlainThread() {
  join();
}

void PlainThread::join() {
  if (joinable_) pthread_join(thread_, nullptr);
  joinable_ = false;
}

WakerThread::WakerThread(struct ev_loop *loop, std::function<void()> action)
    : announcer_(loop), thread_([this, action] {
        if (!await_announcement(announcer_.fd())) return;
        action();
        acted_ = true;
      }) {}

WakerThread::~WakerThread() {
  finish();
}

bool WakerThread::finish() {
  announcer_.stop();
  thread_.join();
  return acted_;
}

bool await_thread_sleeping(pid_t tid, int timeout_ms) {
  std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
  for (int waited = 0; waited <= timeout_ms; ++waited) {
    char stat[512];
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t length = read(fd, stat, sizeof stat - 1);
    close(fd);
    if (length <= 0) return false;
    stat[length] = '\0';
    // "tid (comm) S ...": the state follows the last ')' (the name may contain one).
    const char *name_end = strrchr(stat, ')');
    if (name_end && name_end[1] == ' ' && name_end[2] == 'S') return true;
    usleep(1000);
  }
  return false;
}

// ---- process state -----------------------------------------------------------------------

ScopedEnv::ScopedEnv(const char *name, const char *value) : name_(name) {
  const char *old = std::getenv(name);
  had_value_ = old != nullptr;
  if (old) old_value_ = old;
  if (value) {
    setenv(name, value, 1);
  } else {
    unsetenv(name);
  }
}

ScopedEnv::~ScopedEnv() {
  if (had_value_) {
    setenv(name_.c_str(), old_value_.c_str(), 1);
  } else {
    unsetenv(name_.c_str());
  }
}

StderrCapture::StderrCapture() : saved_stderr_(dup(STDERR_FILENO)), capture_fd_(-1) {
  REQUIRE(saved_stderr_ >= 0);
  char path[] = "/tmp/evring-test-stderr-XXXXXX";
  capture_fd_ = mkostemp(path, O_CLOEXEC);
  REQUIRE(capture_fd_ >= 0);
  unlink(path);
  std::fflush(stderr);
  REQUIRE(dup2(capture_fd_, STDERR_FILENO) == STDERR_FILENO);
}

StderrCapture::~StderrCapture() {
  finish();
}

std::string StderrCapture::finish() {
  if (capture_fd_ < 0) return "";
  std::fflush(stderr);
  dup2(saved_stderr_, STDERR_FILENO);
  ::close(saved_stderr_);
  std::string captured;
  char buffer[4096];
  ssize_t got;
  lseek(capture_fd_, 0, SEEK_SET);
  while ((got = read(capture_fd_, buffer, sizeof buffer)) > 0) {
    captured.append(buffer, static_cast<size_t>(got));
  }
  ::close(capture_fd_);
  capture_fd_ = -1;
  return captured;
}

ChildProcess::ChildProcess(const std::function<int()> &body, unsigned limit_seconds) {
  std::fflush(nullptr);  // the child must not flush the parent's buffered output twice
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    signal(SIGALRM, SIG_DFL);
    alarm(limit_seconds);
    _exit(body());
  }
}

// Only reached without wait() when the test already failed: don't leave the child behind.
ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

ChildStatus ChildProcess::wait() {
  REQUIRE(pid_ > 0);
  int status = 0;
  pid_t waited;
  do {
    waited = waitpid(pid_, &status, 0);
  } while (waited < 0 && errno == EINTR);
  pid_ = -1;
  REQUIRE(waited >= 0);
  if (WIFEXITED(status)) return {true, WEXITSTATUS(status), 0};
  return {false, -1, WTERMSIG(status)};
}

ChildStatus run_in_child(const std::function<int()> &body, unsigned limit_seconds) {
  return ChildProcess(body, limit_seconds).wait();
}

// ---- run-wide harness --------------------------------------------------------------------

namespace {

constexpr unsigned kTestCaseAlarmSeconds = 30;
char g_current_test[256];

void on_test_case_alarm(int) {
  static const char kPrefix[] = "\nFATAL: test case exceeded its time limit: ";
  ssize_t ignored = write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1);
  ignored = write(STDERR_FILENO, g_current_test, std::strlen(g_current_test));
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  _exit(124);
}

// Catch2 v2 has no SKIP. When the requested backend cannot be used, the run as a whole is
// skipped: the reason is printed and the process exits 0 before any test case starts, so the
// build system sees "skipped", not "failed" or a pile of identical failures.
struct BackendHarness : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;

  void testRunStarting(Catch::TestRunInfo const &) override {
    std::string reason = test_backend_unavailable_reason();
    if (!reason.empty()) {
      // A misspelt backend name is a configuration error, not a skip.
      bool misconfigured = test_backend() == 0;
      std::printf("%s: %s\n", misconfigured ? "ERROR" : "SKIP: all tests skipped", reason.c_str());
      std::fflush(stdout);
      std::_Exit(misconfigured ? 2 : 0);
    }
    std::printf("evring tests: backend %s\n", test_backend_name());
    // Writes to a hung-up peer must surface as EPIPE, not kill the test binary.
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_test_case_alarm);
  }

  void testCaseStarting(Catch::TestCaseInfo const &info) override {
    std::snprintf(g_current_test, sizeof g_current_test, "%s", info.name.c_str());
    // A long stress run (tests/test_ops_stress.cpp) gets an hour per case.
    const char *iterations = std::getenv("EVRING_TEST_OPS_ITERATIONS");
    alarm(iterations && *iterations ? 3600 : kTestCaseAlarmSeconds);
  }

  void testCaseEnded(Catch::TestCaseStats const &) override { alarm(0); }
};

}  // namespace

CATCH_REGISTER_LISTENER(BackendHarness)
