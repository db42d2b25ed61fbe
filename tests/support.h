// Shared helpers for the behaviour tests. The tests are written against the libev 4.33 API
// (<ev.h>) so the same sources run against libev (the oracle) and against evring.
//
// Ground rules the helpers enforce:
//  * every loop comes from LoopGuard, which uses the backend named by EVRING_TEST_BACKEND;
//  * every wait is bounded: run_guarded()/run_until() arm an unref'd guard timer, and the
//    listener in support.cpp arms alarm() per test case as a last resort;
//  * watcher callbacks never call REQUIRE/CHECK (an exception must not unwind through the
//    library's C frames, and Catch2 is not thread-safe); they record into plain data that the
//    test body asserts on afterwards.
#pragma once

#include <ev.h>

#include <atomic>
#include <functional>
#include <ostream>
#include <pthread.h>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

// ---- backend selection -------------------------------------------------------------------

// The EVBACKEND_* bit named by EVRING_TEST_BACKEND (select|poll|epoll|io_uring), default epoll.
// Returns 0 for an unknown name (the listener rejects that before any test runs).
unsigned test_backend();
const char *test_backend_name();
// The empty string when the running library/kernel can create a loop with test_backend(),
// otherwise the reason it cannot.
std::string test_backend_unavailable_reason();

// Owns a loop created with test_backend() | EVFLAG_NOENV | extra_flags.
class LoopGuard {
 public:
  explicit LoopGuard(unsigned extra_flags = 0);
  ~LoopGuard();
  LoopGuard(const LoopGuard &) = delete;
  LoopGuard &operator=(const LoopGuard &) = delete;

  struct ev_loop *get() const {
    return loop_;
  }
  operator struct ev_loop *() const { return loop_; }

 private:
  struct ev_loop *loop_;
};

// ---- bounded running ---------------------------------------------------------------------

constexpr double kGuardSeconds = 5.0;

struct RunOutcome {
  int returned;      // ev_run's return value
  bool guard_fired;  // the guard timer expired: the run did not finish in time
};

// ev_run(loop, flags) with an unref'd guard timer that breaks out of every nested run if it
// expires. The guard does not keep the loop alive and does not count in ev_run's result.
RunOutcome run_guarded(struct ev_loop *loop, int flags = 0, double limit = kGuardSeconds);

// Runs EVRUN_ONCE iterations until done() holds. Returns false if the guard expired first.
bool run_until(struct ev_loop *loop, const std::function<bool()> &done,
               double limit = kGuardSeconds);

// ---- tracing watcher callbacks -----------------------------------------------------------

struct Firing {
  std::string who;
  int revents;
  bool operator==(const Firing &other) const {
    return who == other.who && revents == other.revents;
  }
};
using Trace = std::vector<Firing>;
std::ostream &operator<<(std::ostream &out, const Firing &firing);
std::string revents_name(int revents);

// A watcher whose callback appends (name, revents) to a Trace. Not movable: the watcher's data
// pointer refers to this object.
template <class Watcher>
struct Traced {
  Watcher w;
  Trace *trace;
  std::string name;

  Traced(Trace &into, std::string who) : trace(&into), name(std::move(who)) {
    ev_init(&w, &Traced::record);
    w.data = this;
  }
  Traced(const Traced &) = delete;
  Traced &operator=(const Traced &) = delete;

  static void record(struct ev_loop *, Watcher *watcher, int revents) {
    auto *self = static_cast<Traced *>(watcher->data);
    self->trace->push_back({self->name, revents});
  }
};

// The start and stop functions of each watcher type, for the fixtures below.
inline void start_watcher(struct ev_loop *loop, ev_io *w) {
  ev_io_start(loop, w);
}
inline void stop_watcher(struct ev_loop *loop, ev_io *w) {
  ev_io_stop(loop, w);
}
inline void start_watcher(struct ev_loop *loop, ev_timer *w) {
  ev_timer_start(loop, w);
}
inline void stop_watcher(struct ev_loop *loop, ev_timer *w) {
  ev_timer_stop(loop, w);
}
inline void start_watcher(struct ev_loop *loop, ev_signal *w) {
  ev_signal_start(loop, w);
}
inline void stop_watcher(struct ev_loop *loop, ev_signal *w) {
  ev_signal_stop(loop, w);
}

// A traced watcher started on a loop for the object's lifetime and stopped when it goes: the
// set-up most behaviour tests repeat. The constructors of the types below set its parameters.
template <class Watcher>
class Started : public Traced<Watcher> {
 public:
  ~Started() { stop_watcher(loop_, &this->w); }

 protected:
  Started(struct ev_loop *loop, Trace &into, std::string who)
      : Traced<Watcher>(into, std::move(who)), loop_(loop) {}
  void start() { start_watcher(loop_, &this->w); }

 private:
  struct ev_loop *loop_;
};

struct StartedIo : Started<ev_io> {
  StartedIo(struct ev_loop *loop, Trace &into, std::string who, int fd, int events)
      : Started(loop, into, std::move(who)) {
    ev_io_set(&w, fd, events);
    start();
  }
};

struct StartedTimer : Started<ev_timer> {
  StartedTimer(struct ev_loop *loop, Trace &into, std::string who, double after, double repeat)
      : Started(loop, into, std::move(who)) {
    ev_timer_set(&w, after, repeat);
    start();
  }
};

struct StartedSignal : Started<ev_signal> {
  StartedSignal(struct ev_loop *loop, Trace &into, std::string who, int signum)
      : Started(loop, into, std::move(who)) {
    ev_signal_set(&w, signum);
    start();
  }
};

// ---- file descriptors --------------------------------------------------------------------

// Owns one descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { close(); }
  Fd(Fd &&other) noexcept : fd_(other.release()) {}
  Fd &operator=(Fd &&other) noexcept;
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;

  int get() const { return fd_; }
  void close();
  int release();
  // Moves the open file onto descriptor number `target` (dup2), closing the old number.
  void move_to(int target);

 private:
  int fd_;
};

struct PipeFds {
  Fd read_end, write_end;
};
struct SocketFds {
  Fd a, b;
};
// Both ends O_NONBLOCK | O_CLOEXEC.
PipeFds make_pipe();
SocketFds make_socketpair();

void write_byte(int fd, char byte = 'x');
// Reads until EAGAIN or EOF; returns the bytes read.
std::string drain(int fd);
// Writes until the kernel refuses (EAGAIN); returns the bytes written.
size_t fill(int fd);

// The set-up of most io tests, for TEST_CASE_METHOD: a loop on the backend under test, a
// non-blocking pipe and a trace for the watchers' callbacks.
struct LoopPipeTrace {
  LoopGuard loop;
  PipeFds pipe = make_pipe();
  Trace trace;
};

// ---- waking a blocked loop from outside ----------------------------------------------------

// Makes a pipe readable when the loop is next about to wait for events (from an unref'd
// prepare watcher), so another thread or process can act while the loop is blocked.
class BlockAnnouncer {
 public:
  explicit BlockAnnouncer(struct ev_loop *loop);
  ~BlockAnnouncer();
  BlockAnnouncer(const BlockAnnouncer &) = delete;
  BlockAnnouncer &operator=(const BlockAnnouncer &) = delete;

  int fd() const { return pipe_.read_end.get(); }
  // Stops announcing and hangs up the pipe, releasing anyone still waiting.
  void stop();

 private:
  static void on_prepare(struct ev_loop *loop, ev_prepare *prepare, int);

  struct ev_loop *loop_;
  PipeFds pipe_;
  ev_prepare prepare_;
};

// Waits (bounded) for an announcement on `fd`. True if the loop announced, false on timeout or
// hang-up. Uses no Catch2 assertions, so threads and forked children may call it.
bool await_announcement(int fd, int timeout_ms = 5000);

// A thread made by pthread_create, for the tests that fill the fd table while a thread starts
// or ends. std::thread keeps a polymorphic state object, UBSan checks its type as the thread
// starts and ends, and that check probes memory through a pipe: with no fd left it reports a
// false "invalid vptr". This thread has no polymorphic state. Joined by join() or destruction.
class PlainThread {
 public:
  explicit PlainThread(std::function<void()> body);
  ~PlainThread();
  PlainThread(const PlainThread &) = delete;
  PlainThread &operator=(const PlainThread &) = delete;

  void join();

 private:
  std::function<void()> body_;
  pthread_t thread_;
  bool joinable_;
};

// Runs `action` on a helper thread as soon as the loop is about to block, demonstrating that
// the action wakes a sleeping loop. The action must not use Catch2 assertions.
class WakerThread {
 public:
  WakerThread(struct ev_loop *loop, std::function<void()> action);
  ~WakerThread();
  WakerThread(const WakerThread &) = delete;
  WakerThread &operator=(const WakerThread &) = delete;

  // Stops announcing, joins the thread; returns whether the action ran.
  bool finish();

 private:
  BlockAnnouncer announcer_;
  std::atomic<bool> acted_{false};
  PlainThread thread_;  // last: it starts running during construction and uses the others
};

// Waits (bounded) until thread `tid` of this process sleeps in a system call (its state in
// /proc is 'S'). True if it did. Uses no Catch2 assertions.
bool await_thread_sleeping(pid_t tid, int timeout_ms = 5000);

// ---- process state -----------------------------------------------------------------------

// Sets (or, with nullptr, unsets) an environment variable for the guard's lifetime.
class ScopedEnv {
 public:
  ScopedEnv(const char *name, const char *value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

 private:
  std::string name_;
  bool had_value_;
  std::string old_value_;
};

// Redirects fd 2 into a temporary file until finish() (or destruction) restores it.
class StderrCapture {
 public:
  StderrCapture();
  ~StderrCapture();
  StderrCapture(const StderrCapture &) = delete;
  StderrCapture &operator=(const StderrCapture &) = delete;

  std::string finish();

 private:
  int saved_stderr_;
  int capture_fd_;
};

struct ChildStatus {
  bool exited;
  int exit_code;    // valid when exited
  int term_signal;  // valid when !exited
};

// A forked child that runs body() and exits with its result. The child arms alarm(limit) so a
// hung child dies with SIGALRM instead of blocking the parent's wait(). body() must not use
// Catch2 assertions.
class ChildProcess {
 public:
  explicit ChildProcess(const std::function<int()> &body, unsigned limit_seconds = 10);
  ~ChildProcess();
  ChildProcess(const ChildProcess &) = delete;
  ChildProcess &operator=(const ChildProcess &) = delete;

  pid_t pid() const { return pid_; }
  ChildStatus wait();

 private:
  pid_t pid_;
};

ChildStatus run_in_child(const std::function<int()> &body, unsigned limit_seconds = 10);
