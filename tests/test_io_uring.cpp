// The io_uring backend beyond the shared behaviour tests: its fallbacks for each optional kernel
// feature, faults injected through its test hooks (hidden symbols, so this suite links the static
// library), an unavailable io_uring, fork, exec, and a loop that changes threads.
//
// These cases make their own io_uring loops whatever EVRING_TEST_BACKEND says, so they are
// tagged [core] (run once); on a kernel without io_uring they only check the fallback to epoll.
// The EVRING_EDGE case at the end is a behaviour test run on every backend.
#include "support.h"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "uring_test_support.h"

using evring::uring_test_hooks;

namespace {

// An io_uring loop, made after the hooks are set.
class UringLoop {
 public:
  UringLoop() : loop_(ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV)) { REQUIRE(loop_ != nullptr); }
  ~UringLoop() { ev_loop_destroy(loop_); }
  UringLoop(const UringLoop &) = delete;
  UringLoop &operator=(const UringLoop &) = delete;
  operator struct ev_loop *() const { return loop_; }

 private:
  struct ev_loop *loop_;
};

// An io watcher that counts its callbacks and optionally drains its fd.
struct Counter {
  ev_io w;
  int calls = 0;
  int last_revents = 0;
  bool drains;

  Counter(int fd, int events, bool drain_fd = false) : drains(drain_fd) {
    ev_io_init(&w, &Counter::on_io, fd, events);
    w.data = this;
  }
  Counter(const Counter &) = delete;
  Counter &operator=(const Counter &) = delete;

  static void on_io(struct ev_loop *, ev_io *w, int revents) {
    auto *self = static_cast<Counter *>(w->data);
    ++self->calls;
    self->last_revents = revents;
    if (self->drains) drain(w->fd);
  }
};

void run_nowait(struct ev_loop *loop, int times = 1) {
  for (int i = 0; i < times; ++i) ev_run(loop, EVRUN_NOWAIT);
}

// Raises the soft fd limit to the hard one (the tests open thousands of pipes).
void raise_fd_limit() {
  rlimit limit;
  REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = limit.rlim_max;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &limit) == 0);
}

// Where each open fd of this process points ("anon_inode:[io_uring]", "pipe:[123]"...).
std::vector<std::pair<int, std::string>> open_fds() {
  std::vector<std::pair<int, std::string>> fds;
  DIR *dir = opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  int own = dirfd(dir);
  while (dirent *entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    int fd = std::atoi(entry->d_name);
    if (fd == own) continue;
    char target[256];
    std::string path = std::string("/proc/self/fd/") + entry->d_name;
    ssize_t length = readlink(path.c_str(), target, sizeof target - 1);
    if (length < 0) continue;
    fds.emplace_back(fd, std::string(target, size_t(length)));
  }
  closedir(dir);
  return fds;
}

int count_fds_named(const char *name) {
  int count = 0;
  for (const auto &fd : open_fds()) count += fd.second == name;
  return count;
}

// The fd for which the poll_einval hook answers true.
int g_einval_fd = -1;
bool einval_for_chosen_fd(int fd) {
  return fd == g_einval_fd;
}

}  // namespace

namespace {

void on_shutdown(struct ev_loop *, evring_op *op, int) {
  *static_cast<ssize_t *>(op->data) = op->result;
}

// Starts one op (a shutdown of a socket) on the loop and runs it to its end.
void run_one_op(struct ev_loop *loop) {
  SocketFds pair = make_socketpair();
  ssize_t result = 1;
  evring_op shutdown_op;
  evring_shutdown_init(&shutdown_op, on_shutdown, pair.a.get(), SHUT_WR);
  shutdown_op.data = &result;
  evring_op_start(loop, &shutdown_op);
  REQUIRE(run_until(loop, [&] { return result != 1; }));
  CHECK(result == 0);
}

}  // namespace

// libev's recommended set: readiness costs less on epoll (docs/benchmarks.md), so an automatic
// choice takes it, and a loop chosen so moves to io_uring when its first op starts.
TEST_CASE("io_uring is supported but not recommended; an automatic loop moves to it for ops",
          "[core][io_uring]") {
  CHECK((ev_recommended_backends() & EVBACKEND_IOURING) == 0);
  struct ev_loop *loop = ev_loop_new(EVFLAG_NOENV);
  REQUIRE(loop != nullptr);
  CHECK(ev_backend(loop) == EVBACKEND_EPOLL);
  run_one_op(loop);
  CHECK(ev_backend(loop) == (io_uring_available() ? EVBACKEND_IOURING : EVBACKEND_EPOLL));
  ev_loop_destroy(loop);
  // A backend the program chose stays.
  loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  REQUIRE(loop != nullptr);
  run_one_op(loop);
  CHECK(ev_backend(loop) == EVBACKEND_EPOLL);
  ev_loop_destroy(loop);
  if (!io_uring_available()) {
    WARN("io_uring is unavailable here: an explicit request gets no loop");
    CHECK(ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV) == nullptr);
  }
}

TEST_CASE("io_uring delivers readiness and timeouts without each optional kernel feature",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  using namespace evring;
  unsigned disabled =
      GENERATE(0u, unsigned(kUringExtArg), unsigned(kUringCqeSkip), unsigned(kUringMultishot),
               unsigned(kUringDeferTaskrun), unsigned(kUringDeferTaskrun | kUringCoopTaskrun),
               unsigned(kUringSubmitAll), unsigned(kUringResize), unsigned(kUringNoSqArray),
               unsigned(kUringExtArg | kUringCqeSkip | kUringMultishot | kUringDeferTaskrun |
                        kUringCoopTaskrun | kUringSubmitAll | kUringResize | kUringNoSqArray));
  CAPTURE(disabled);
  HooksGuard hooks;
  uring_test_hooks.disabled_features = disabled;
  UringLoop loop;
  SocketFds sockets = make_socketpair();

  SECTION("a lone timer makes ev_run sleep until it is due") {
    Trace trace;
    Traced<ev_timer> timer(trace, "timer");
    ev_now_update(loop);  // the timer counts from the loop's time
    ev_tstamp started = ev_now(loop);
    ev_timer_set(&timer.w, 0.03, 0.);
    ev_timer_start(loop, &timer.w);
    RunOutcome outcome = run_guarded(loop);
    ev_tstamp slept = ev_time() - started;
    CHECK_FALSE(outcome.guard_fired);
    CHECK(trace == Trace{{"timer", EV_TIMER}});
    CHECK(slept >= 0.029);  // not early (give or take clock adjustments), no busy return
    CHECK(slept < 1.0);
  }

  SECTION("an undrained fd is reported in every iteration (level-triggered)") {
    Counter reader(sockets.a.get(), EV_READ);
    ev_io_start(loop, &reader.w);
    run_nowait(loop);
    CHECK(reader.calls == 0);
    write_byte(sockets.b.get());
    REQUIRE(run_until(loop, [&] { return reader.calls > 0; }));
    run_nowait(loop, 3);
    CHECK(reader.calls == 4);
    CHECK(reader.last_revents == EV_READ);
    drain(sockets.a.get());
    run_nowait(loop, 2);
    CHECK(reader.calls == 4);
    ev_io_stop(loop, &reader.w);
  }

  SECTION("a pending poll whose mask grows reports the new event") {
    Counter reader(sockets.a.get(), EV_READ);
    Counter writer(sockets.a.get(), EV_WRITE);
    ev_io_start(loop, &reader.w);
    run_nowait(loop, 2);  // the read poll is now pending in the kernel
    ev_io_start(loop, &writer.w);
    REQUIRE(run_until(loop, [&] { return writer.calls > 0; }));
    CHECK(reader.calls == 0);
    ev_io_stop(loop, &writer.w);
    run_nowait(loop);
    int writes = writer.calls;
    write_byte(sockets.b.get());
    REQUIRE(run_until(loop, [&] { return reader.calls > 0; }));
    CHECK(writer.calls == writes);
    ev_io_stop(loop, &reader.w);
  }

  SECTION("another thread wakes the blocked loop with ev_async_send") {
    Trace trace;
    Traced<ev_async> async(trace, "async");
    ev_async_start(loop, &async.w);
    WakerThread waker(loop, [&] { ev_async_send(loop, &async.w); });
    REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
    CHECK(waker.finish());
    CHECK(trace == Trace{{"async", EV_ASYNC}});
    ev_async_stop(loop, &async.w);
  }
}

TEST_CASE("an fd io_uring cannot poll (POLL_ADD fails with EINVAL) keeps working through epoll",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  HooksGuard hooks;
  uring_test_hooks.poll_einval = einval_for_chosen_fd;
  int epoll_sets_before = count_fds_named("anon_inode:[eventpoll]");
  UringLoop loop;
  SocketFds refused = make_socketpair();
  SocketFds normal = make_socketpair();
  g_einval_fd = refused.a.get();
  Counter reader(refused.a.get(), EV_READ);
  Counter other(normal.a.get(), EV_READ, true);
  ev_io_start(loop, &reader.w);
  ev_io_start(loop, &other.w);
  run_nowait(loop, 2);
  CHECK(count_fds_named("anon_inode:[eventpoll]") == epoll_sets_before + 1);
  CHECK(reader.calls == 0);

  write_byte(refused.b.get());
  REQUIRE(run_until(loop, [&] { return reader.calls > 0; }));
  run_nowait(loop, 2);
  CHECK(reader.calls == 3);  // still level-triggered
  drain(refused.a.get());
  run_nowait(loop, 2);
  int after_drain = reader.calls;
  run_nowait(loop, 2);
  CHECK(reader.calls == after_drain);

  // The mask changes through the epoll set too.
  Counter writer(refused.a.get(), EV_WRITE);
  ev_io_start(loop, &writer.w);
  REQUIRE(run_until(loop, [&] { return writer.calls > 0; }));
  ev_io_stop(loop, &writer.w);

  // Stopped, it is quiet; restarted, it reports again.
  ev_io_stop(loop, &reader.w);
  write_byte(refused.b.get());
  run_nowait(loop, 2);
  CHECK(reader.calls == after_drain);
  ev_io_start(loop, &reader.w);
  REQUIRE(run_until(loop, [&] { return reader.calls > after_drain; }));

  // The other fds never noticed.
  write_byte(normal.b.get());
  REQUIRE(run_until(loop, [&] { return other.calls == 1; }));
  ev_io_stop(loop, &reader.w);
  ev_io_stop(loop, &other.w);
}

namespace {

// Thousands of pipes with a read watcher each, whose polls are all pending in the kernel when
// every pipe gets a byte at once: far more completions than a tiny ring can hold.
class ReadyFlood {
 public:
  explicit ReadyFlood(struct ev_loop *loop, int count) : loop_(loop) {
    raise_fd_limit();
    for (int i = 0; i < count; ++i) {
      pipes_.push_back(make_pipe());
      readers_.emplace_back(new Counter(pipes_.back().read_end.get(), EV_READ, true));
      ev_io_start(loop_, &readers_.back()->w);
    }
  }
  ~ReadyFlood() {
    for (const auto &reader : readers_) ev_io_stop(loop_, &reader->w);
  }

  // Lets every poll reach the kernel, then makes every pipe readable.
  void flood() {
    run_nowait(loop_, 2);
    for (const PipeFds &pipe : pipes_) write_byte(pipe.write_end.get());
  }
  // How many readers were called at least `calls` times.
  int fired(int calls = 1) const {
    int count = 0;
    for (const auto &reader : readers_) count += reader->calls >= calls;
    return count;
  }
  int size() const { return int(readers_.size()); }
  int max_calls() const {
    int most = 0;
    for (const auto &reader : readers_) most = std::max(most, reader->calls);
    return most;
  }
  Counter &reader(int i) { return *readers_[size_t(i)]; }
  int write_end(int i) const { return pipes_[size_t(i)].write_end.get(); }

 private:
  struct ev_loop *loop_;
  std::vector<PipeFds> pipes_;
  std::vector<std::unique_ptr<Counter>> readers_;
};

}  // namespace

TEST_CASE("a 2-entry ring grows when thousands of ready fds overflow it, losing no event",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  HooksGuard hooks;
  uring_test_hooks.initial_entries = 2;
  uring_test_hooks.grow_on_overflow_only = true;
  UringLoop loop;
  REQUIRE(evring::uring_test_ring_entries(loop) == 2);
  ReadyFlood flood(loop, 3000);
  flood.flood();
  auto all_fired = [&] { return flood.fired() == flood.size(); };
  REQUIRE(run_until(loop, all_fired, 20.));
  CHECK(ev_backend(loop) == EVBACKEND_IOURING);
  CHECK(evring::uring_test_ring_entries(loop) >= 2048);
  run_nowait(loop, 2);
  CHECK(flood.max_calls() == 1);
}

TEST_CASE("a ring that overflows at its size limit hands the loop to epoll, losing no event",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  HooksGuard hooks;
  uring_test_hooks.initial_entries = 2;
  uring_test_hooks.max_entries = 8;
  uring_test_hooks.grow_on_overflow_only = true;
  UringLoop loop;
  ReadyFlood flood(loop, 1000);
  run_nowait(loop);
  REQUIRE(ev_backend(loop) == EVBACKEND_IOURING);
  // 1000 completions overflow the ring, which grows to 8 entries and overflows again.
  flood.flood();
  auto all_fired = [&] { return flood.fired() == flood.size(); };
  REQUIRE(run_until(loop, all_fired, 20.));
  CHECK(ev_backend(loop) == EVBACKEND_EPOLL);
  run_nowait(loop, 2);
  CHECK(flood.max_calls() == 1);
  flood.flood();
  auto all_fired_twice = [&] { return flood.fired(2) == flood.size(); };
  REQUIRE(run_until(loop, all_fired_twice, 20.));
  run_nowait(loop, 2);
  CHECK(flood.max_calls() == 2);
  // The loop goes on working on epoll.
  write_byte(flood.write_end(7));
  REQUIRE(run_until(loop, [&] { return flood.reader(7).calls == 3; }));
}

TEST_CASE("a ring grows to fit its watched fds before arming them, so a flood cannot overflow",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  // Resized in place where the kernel can, else replaced by a larger ring.
  unsigned disabled = GENERATE(0u, unsigned(evring::kUringResize));
  CAPTURE(disabled);
  HooksGuard hooks;
  uring_test_hooks.disabled_features = disabled;
  uring_test_hooks.initial_entries = 2;
  UringLoop loop;
  ReadyFlood flood(loop, 1000);
  run_nowait(loop);
  // A completion queue (twice the submission queue) with room for a completion per fd.
  CHECK(evring::uring_test_ring_entries(loop) == 512);
  flood.flood();
  // epoll's batches: 64 events, then 130, 262, 680 (libev's sizes), in the order they came.
  std::vector<int> per_iteration;
  for (int total = 0; total < flood.size() && per_iteration.size() < 10;) {
    int before = total;
    run_nowait(loop);
    total = 0;
    for (int i = 0; i < flood.size(); ++i) total += flood.reader(i).calls;
    per_iteration.push_back(total - before);
  }
  CHECK(per_iteration == std::vector<int>{64, 130, 262, 544});
  CHECK(evring::uring_test_ring_entries(loop) == 512);
  CHECK(flood.max_calls() == 1);
}

// Replacing a ring means closing the old one, which makes the kernel interrupt the thread's
// next blocking call that it does not restart (a recv with SO_RCVTIMEO) with EINTR. Resized in
// place, it does not. In a fresh process, so that no ring an earlier test closed interrupts it.
TEST_CASE("a ring that grows in place interrupts no blocking call of its thread",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  HooksGuard hooks;
  uring_test_hooks.initial_entries = 2;
  raise_fd_limit();
  ChildStatus status = run_in_child([] {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return 10;
    timeval limit{0, 200 * 1000};
    if (setsockopt(pair[0], SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) != 0) return 11;
    struct ev_loop *loop = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
    if (!loop) return 12;
    std::vector<PipeFds> pipes;
    std::vector<std::unique_ptr<Counter>> readers;
    for (int i = 0; i < 600; ++i) {
      pipes.push_back(make_pipe());
      readers.emplace_back(new Counter(pipes.back().read_end.get(), EV_READ));
      ev_io_start(loop, &readers.back()->w);
    }
    ev_run(loop, EVRUN_NOWAIT);
    if (evring::uring_test_ring_entries(loop) < 512) return 14;
    if (!(evring::uring_test_loop_features(loop) & evring::kUringResize)) return 77;
    char byte;
    ssize_t got = recv(pair[0], &byte, 1, 0);
    int error = errno;
    if (got < 0 && error == EINTR) return 1;
    return got < 0 && (error == EAGAIN || error == EWOULDBLOCK) ? 0 : 13;
  });
  REQUIRE(status.exited);
  if (status.exit_code == 77) {
    WARN("skipped: this kernel cannot resize rings (IORING_REGISTER_RESIZE_RINGS, Linux 6.13)");
    return;
  }
  CHECK(status.exit_code == 0);  // 1: interrupted (EINTR)
}

TEST_CASE("an fd closed and reused while its poll is in flight gets no stale event",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  UringLoop loop;
  SocketFds old_pair = make_socketpair();
  int number = old_pair.a.get();
  Counter reader(number, EV_READ);
  ev_io_start(loop, &reader.w);
  run_nowait(loop, 2);  // the poll on the old socket is in the kernel

  // Same iteration: stop, close, a new socket takes the number, the watcher moves onto it.
  ev_io_stop(loop, &reader.w);
  old_pair.a.close();
  SocketFds new_pair = make_socketpair();
  new_pair.a.move_to(number);
  ev_io_set(&reader.w, number, EV_READ);
  ev_io_start(loop, &reader.w);
  run_nowait(loop);

  // The old socket (still referenced by the kernel until the removal) becomes readable.
  char byte = 'o';
  ssize_t ignored = write(old_pair.b.get(), &byte, 1);
  (void)ignored;
  run_nowait(loop, 3);
  CHECK(reader.calls == 0);

  write_byte(new_pair.b.get());
  REQUIRE(run_until(loop, [&] { return reader.calls > 0; }));
  CHECK(drain(number) == "x");
  ev_io_stop(loop, &reader.w);
}

TEST_CASE("stopping a watcher and closing its fd lets the peer see EOF in the same iteration",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  UringLoop loop;
  SocketFds pair = make_socketpair();
  Counter reader(pair.a.get(), EV_READ);
  ev_io_start(loop, &reader.w);
  run_nowait(loop, 2);
  ev_io_stop(loop, &reader.w);
  pair.a.close();
  run_nowait(loop);  // submits the removal; nothing else runs the loop afterwards
  pollfd peer{pair.b.get(), POLLIN, 0};
  REQUIRE(poll(&peer, 1, 2000) == 1);
  char byte;
  CHECK(read(pair.b.get(), &byte, 1) == 0);
}

TEST_CASE("after fork, parent and child loops both deliver events on their own rings",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  UringLoop loop;
  SocketFds to_child = make_socketpair();
  SocketFds to_parent = make_socketpair();
  Counter from_child(to_parent.a.get(), EV_READ, true);
  Counter in_child(to_child.a.get(), EV_READ, true);
  ev_io_start(loop, &from_child.w);
  ev_io_start(loop, &in_child.w);
  run_nowait(loop, 2);  // both polls are armed in the parent's ring before the fork

  ChildProcess child([&]() -> int {
    ev_loop_fork(loop);
    ev_io_stop(loop, &from_child.w);
    // Ping-pong three times with the parent, whose loop runs at the same time.
    for (int round = 1; round <= 3; ++round) {
      char byte = 'c';
      if (write(to_parent.b.get(), &byte, 1) != 1) return 1;
      if (!run_until(loop, [&] { return in_child.calls == round; })) return 2;
    }
    return ev_backend(loop) == EVBACKEND_IOURING ? 0 : 3;
  });
  ev_io_stop(loop, &in_child.w);  // the parent leaves the child's socket to the child
  for (int round = 1; round <= 3; ++round) {
    REQUIRE(run_until(loop, [&] { return from_child.calls == round; }));
    write_byte(to_child.b.get());
  }
  ChildStatus status = child.wait();
  CHECK(status.exited);
  CHECK(status.exit_code == 0);
  // The parent's ring was not disturbed by the child tearing down its copy.
  write_byte(to_parent.b.get());
  REQUIRE(run_until(loop, [&] { return from_child.calls == 4; }));
  ev_io_stop(loop, &from_child.w);
}

// The child shares the ring's queues with the parent: had it reaped the completion waiting
// there, the parent would never see it (its poll is one-shot).
TEST_CASE("a child that runs an io_uring loop without ev_loop_fork leaves the parent's "
          "completions alone",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  HooksGuard hooks;
  // Without DEFER_TASKRUN the kernel posts the completion at wake-up, into the shared queue.
  evring::uring_test_hooks.disabled_features = evring::kUringDeferTaskrun;
  UringLoop loop;
  SocketFds sockets = make_socketpair();
  Counter reader(sockets.a.get(), EV_READ);
  ev_io_start(loop, &reader.w);
  run_nowait(loop, 1);  // the poll is armed
  write_byte(sockets.b.get());
  pollfd ring = {evring::uring_test_ring_fd(loop), POLLIN, 0};
  REQUIRE(poll(&ring, 1, 5000) == 1);  // the completion waits in the queue

  ChildStatus status = run_in_child([&]() -> int {
    ev_run(loop, EVRUN_NOWAIT);  // on a ring of its own, which reports the socket as well
    return reader.calls == 1 ? 0 : 1;
  });
  CHECK(status.exited);
  CHECK(status.exit_code == 0);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(reader.calls == 1);
  ev_io_stop(loop, &reader.w);
}

TEST_CASE("the io_uring backend's own fds are close-on-exec", "[core][io_uring]") {
  if (!io_uring_available()) return;
  HooksGuard hooks;
  uring_test_hooks.poll_einval = einval_for_chosen_fd;  // so that the epoll set exists too
  std::set<int> before;
  for (const auto &fd : open_fds()) before.insert(fd.first);
  UringLoop loop;
  SocketFds pair = make_socketpair();
  g_einval_fd = pair.a.get();
  Counter reader(pair.a.get(), EV_READ);
  ev_io_start(loop, &reader.w);
  run_nowait(loop, 2);

  std::vector<std::string> internal;
  for (const auto &fd : open_fds()) {
    if (before.count(fd.first) || fd.first == pair.a.get() || fd.first == pair.b.get()) continue;
    internal.push_back(fd.second);
    CHECK((fcntl(fd.first, F_GETFD) & FD_CLOEXEC) != 0);
  }
  CHECK(std::count(internal.begin(), internal.end(), "anon_inode:[io_uring]") == 1);
  CHECK(std::count(internal.begin(), internal.end(), "anon_inode:[eventpoll]") == 1);

  // And a program exec'd while the loop runs sees none of them.
  int out[2];
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    execl("/bin/ls", "ls", "-l", "/proc/self/fd/", static_cast<char *>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string listing = drain(out[0]);  // blocking: reads until ls exits
  close(out[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(listing.find("total") != std::string::npos);
  CHECK(listing.find("io_uring") == std::string::npos);
  CHECK(listing.find("eventpoll") == std::string::npos);
  CHECK(listing.find("eventfd") == std::string::npos);
  ev_io_stop(loop, &reader.w);
}

TEST_CASE("an io_uring loop chosen by libev's embedding idiom can be embedded",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  unsigned outer_backend = GENERATE(unsigned(EVBACKEND_EPOLL), unsigned(EVBACKEND_IOURING));
  CAPTURE(outer_backend);
  struct ev_loop *outer = ev_loop_new(outer_backend | EVFLAG_NOENV);
  REQUIRE(outer != nullptr);
  // The idiom with the supported set (the recommended one takes epoll, as libev's does).
  unsigned wanted = ev_embeddable_backends() & ev_supported_backends();
  struct ev_loop *inner = ev_loop_new(wanted | EVFLAG_NOENV);
  REQUIRE(inner != nullptr);
  CHECK(ev_backend(inner) == EVBACKEND_IOURING);
  SocketFds pair = make_socketpair();
  Counter reader(pair.a.get(), EV_READ, true);
  ev_io_start(inner, &reader.w);
  ev_embed embed;
  ev_embed_init(&embed, nullptr, inner);  // no callback: the outer loop sweeps the inner one
  ev_embed_start(outer, &embed);
  REQUIRE(ev_is_active(&embed));
  run_nowait(outer, 2);
  // The outer loop must wake up for the inner loop's event while it blocks.
  WakerThread writer(outer, [&] {
    char byte = 'e';
    if (write(pair.b.get(), &byte, 1) != 1) return;
  });
  REQUIRE(run_until(outer, [&] { return reader.calls == 1; }));
  CHECK(writer.finish());
  ev_embed_stop(outer, &embed);
  ev_io_stop(inner, &reader.w);
  ev_loop_destroy(inner);
  ev_loop_destroy(outer);
}

namespace {

// The user's lock around a loop that several threads run in turn (libev's documented pattern).
std::mutex g_loop_lock;
void release_loop_lock(struct ev_loop *) noexcept {
  g_loop_lock.unlock();
}
void acquire_loop_lock(struct ev_loop *) noexcept {
  g_loop_lock.lock();
}

}  // namespace

TEST_CASE("a loop run from several threads in turn under a mutex keeps delivering events",
          "[core][io_uring]") {
  if (!io_uring_available()) return;
  using namespace evring;
  // With DEFER_TASKRUN the ring belongs to one thread; without it, to none in particular.
  unsigned disabled =
      GENERATE(0u, unsigned(kUringDeferTaskrun), unsigned(kUringDeferTaskrun | kUringCoopTaskrun));
  // With a 2-entry ring, re-arming every fd on the new thread's ring fills the SQ, so the
  // kernel's verdict on the thread comes from a submission in the middle of that work.
  bool tiny_ring = GENERATE(false, true);
  CAPTURE(disabled, tiny_ring);
  HooksGuard hooks;
  uring_test_hooks.disabled_features = disabled;
  if (tiny_ring) uring_test_hooks.initial_entries = 2;
  UringLoop loop;  // made here, run only by other threads
  ev_set_loop_release_cb(loop, release_loop_lock, acquire_loop_lock);
  SocketFds pair = make_socketpair();
  Counter reader(pair.a.get(), EV_READ, true);
  ev_io_start(loop, &reader.w);
  std::vector<SocketFds> idle_pairs;
  std::vector<std::unique_ptr<Counter>> idle_readers;
  for (int i = 0; i < 8; ++i) {
    idle_pairs.push_back(make_socketpair());
    idle_readers.emplace_back(new Counter(idle_pairs.back().a.get(), EV_READ));
    ev_io_start(loop, &idle_readers.back()->w);
  }

  // Each round a new thread (so the kernel may even see a recycled pthread_t) takes the lock and
  // runs the loop until a byte written by yet another thread while it blocks arrives.
  constexpr int kRounds = 6;
  std::atomic<int> failures{0};
  for (int round = 1; round <= kRounds; ++round) {
    std::thread runner([&, round] {
      std::lock_guard<std::mutex> hold(g_loop_lock);
      // Re-registering the idle fds gives the first submission of the round plenty of SQEs.
      for (const auto &idle : idle_readers) {
        ev_io_stop(loop, &idle->w);
        ev_io_set(&idle->w, idle->w.fd, EV_READ);
        ev_io_start(loop, &idle->w);
      }
      WakerThread writer(loop, [&] {
        char byte = 'w';
        if (write(pair.b.get(), &byte, 1) != 1) failures.fetch_add(1);
      });
      if (!run_until(loop, [&] { return reader.calls == round; })) failures.fetch_add(1);
      if (!writer.finish()) failures.fetch_add(1);
    });
    runner.join();
    REQUIRE(failures.load() == 0);
  }
  CHECK(reader.calls == kRounds);
  CHECK(ev_backend(loop) == EVBACKEND_IOURING);
  for (const auto &idle : idle_readers) {
    CHECK(idle->calls == 0);
    ev_io_stop(loop, &idle->w);
  }
  ev_set_loop_release_cb(loop, nullptr, nullptr);
  ev_io_stop(loop, &reader.w);
}

namespace {

// Makes io_uring_setup fail with `error` in this process and its children, as a seccomp policy
// (or kernel.io_uring_disabled) would.
bool deny_io_uring_setup(int error) {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned(error) & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

constexpr const char *kChildMode = "EVRING_TEST_IO_URING_DENIED";
constexpr const char *kDeniedCase = "loops fall back to epoll where seccomp denies io_uring_setup";

// What a fresh process whose io_uring_setup always fails must see: the probe finds no io_uring,
// the automatic choice is epoll, an explicit request gets NULL.
void check_without_io_uring() {
  CHECK((ev_supported_backends() & EVBACKEND_IOURING) == 0);
  CHECK((ev_recommended_backends() & EVBACKEND_IOURING) == 0);
  CHECK(ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV) == nullptr);
  struct ev_loop *loop = ev_loop_new(EVFLAG_NOENV);
  REQUIRE(loop != nullptr);
  CHECK(ev_backend(loop) == EVBACKEND_EPOLL);
  ev_loop_destroy(loop);
  loop = ev_default_loop(0);
  REQUIRE(loop != nullptr);
  CHECK(ev_backend(loop) == EVBACKEND_EPOLL);
}

}  // namespace

// The parent forks a child that installs the seccomp filter and re-executes this binary to run
// this same case, in child mode, before anything probed io_uring.
TEST_CASE(kDeniedCase, "[core][io_uring]") {
  int error = GENERATE(ENOSYS, EPERM);
  if (std::getenv(kChildMode)) {
    check_without_io_uring();
    return;
  }
  CAPTURE(error);
  int out[2];
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  std::fflush(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    alarm(20);
    setenv(kChildMode, "1", 1);
    setenv("EVRING_DEBUG", "1", 1);
    setenv("EVRING_TEST_BACKEND", "epoll", 1);
    if (!deny_io_uring_setup(error)) _exit(126);
    execl("/proc/self/exe", "evring_tests", kDeniedCase, static_cast<char *>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string output = drain(out[0]);  // blocking: reads until the child exits
  close(out[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  INFO(output);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(output.find("All tests passed") != std::string::npos);
  // EVRING_DEBUG=1 names the reason, for the explicit request and for the automatic choice.
  std::string reason = std::string("backend io_uring unavailable: ") + std::strerror(error);
  CHECK(output.find(reason) != std::string::npos);
  CHECK(output.find("uses backend epoll") != std::string::npos);
}

// Behaviour test, run on every backend: EVRING_EDGE means one event per new readiness where the
// backend can do it (io_uring, epoll); select and poll ignore it and stay level-triggered.
TEST_CASE("an EVRING_EDGE watcher is told once per new readiness and not while it lasts",
          "[io][evring][edge]") {
  LoopGuard loop;
  SocketFds pair = make_socketpair();
  Counter edge(pair.a.get(), EV_READ | EVRING_EDGE);
  ev_io_start(loop, &edge.w);
  run_nowait(loop, 2);
  CHECK(edge.calls == 0);
  // An io_uring loop knows whether multishot polls exist once it has polled.
  bool edge_capable = test_backend() == EVBACKEND_EPOLL ||
                      (test_backend() == EVBACKEND_IOURING &&
                       (evring::uring_test_loop_features(loop) & evring::kUringMultishot));

  write_byte(pair.b.get());
  REQUIRE(run_until(loop, [&] { return edge.calls == 1; }));
  CHECK(edge.last_revents == EV_READ);
  run_nowait(loop, 3);  // the byte is still there
  CHECK(edge.calls == (edge_capable ? 1 : 4));

  int before = edge.calls;
  write_byte(pair.b.get());
  REQUIRE(run_until(loop, [&] { return edge.calls == before + 1; }));

  // A level-triggered watcher on the same fd makes the whole fd level-triggered.
  Counter level(pair.a.get(), EV_READ);
  ev_io_start(loop, &level.w);
  run_nowait(loop, 3);
  CHECK(level.calls == 3);
  ev_io_stop(loop, &level.w);
  ev_io_stop(loop, &edge.w);
}
