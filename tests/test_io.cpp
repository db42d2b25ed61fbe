// ev_io readiness on pipes, socketpairs, regular files and /dev/null, and watcher
// manipulation from inside callbacks.
#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace {

// One non-blocking iteration: what is ready now is reported now, nothing is waited for.
void poll_once(struct ev_loop *loop) {
  ev_run(loop, EVRUN_NOWAIT);
}

}  // namespace

TEST_CASE("a pipe's or socket's read end reports EV_READ only while data is buffered", "[io]") {
  bool socket = GENERATE(false, true);
  CAPTURE(socket);
  LoopGuard loop;
  PipeFds pipe = make_pipe();
  SocketFds sockets = make_socketpair();
  int read_end = socket ? sockets.a.get() : pipe.read_end.get();
  int write_end = socket ? sockets.b.get() : pipe.write_end.get();
  Trace trace;
  StartedIo reader(loop, trace, "reader", read_end, EV_READ);

  poll_once(loop);
  CHECK(trace.empty());

  write_byte(write_end);
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace == Trace{{"reader", EV_READ}});

  // Level-triggered: still readable, so it fires again.
  trace.clear();
  poll_once(loop);
  CHECK(trace == Trace{{"reader", EV_READ}});

  CHECK(drain(read_end) == "x");
  trace.clear();
  poll_once(loop);
  CHECK(trace.empty());
}

TEST_CASE_METHOD(LoopPipeTrace, "pipe write end reports EV_WRITE immediately", "[io]") {
  StartedIo writer(loop, trace, "writer", pipe.write_end.get(), EV_WRITE);
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace == Trace{{"writer", EV_WRITE}});
}

TEST_CASE("socketpair ends report readiness in both directions", "[io]") {
  LoopGuard loop;
  SocketFds sockets = make_socketpair();
  Trace trace;
  Traced<ev_io> a(trace, "a");
  Traced<ev_io> b(trace, "b");
  ev_io_set(&a.w, sockets.a.get(), EV_READ | EV_WRITE);
  ev_io_set(&b.w, sockets.b.get(), EV_READ);
  ev_io_start(loop, &a.w);
  ev_io_start(loop, &b.w);

  poll_once(loop);
  CHECK(trace == Trace{{"a", EV_WRITE}});

  write_byte(sockets.b.get());
  trace.clear();
  poll_once(loop);
  CHECK(trace == Trace{{"a", EV_READ | EV_WRITE}});

  write_byte(sockets.a.get());
  CHECK(drain(sockets.a.get()) == "x");
  trace.clear();
  poll_once(loop);
  // Both watchers became ready in the same iteration; sort out the fd-order detail.
  std::sort(trace.begin(), trace.end(),
            [](const Firing &x, const Firing &y) { return x.who < y.who; });
  CHECK(trace == Trace{{"a", EV_WRITE}, {"b", EV_READ}});

  ev_io_stop(loop, &a.w);
  ev_io_stop(loop, &b.w);
}

TEST_CASE("several watchers on one fd each get only the events they asked for", "[io]") {
  LoopGuard loop;
  SocketFds sockets = make_socketpair();
  Trace trace;
  Traced<ev_io> read_only(trace, "read");
  Traced<ev_io> write_only(trace, "write");
  Traced<ev_io> both(trace, "both");
  ev_io_set(&read_only.w, sockets.a.get(), EV_READ);
  ev_io_set(&write_only.w, sockets.a.get(), EV_WRITE);
  ev_io_set(&both.w, sockets.a.get(), EV_READ | EV_WRITE);
  ev_io_start(loop, &read_only.w);
  ev_io_start(loop, &write_only.w);
  ev_io_start(loop, &both.w);

  // libev invokes the watchers of one fd in the order they were started.
  poll_once(loop);
  CHECK(trace == Trace{{"write", EV_WRITE}, {"both", EV_WRITE}});

  write_byte(sockets.b.get());
  trace.clear();
  poll_once(loop);
  CHECK(trace == Trace{{"read", EV_READ}, {"write", EV_WRITE}, {"both", EV_READ | EV_WRITE}});

  // Stopping one watcher must not disturb the interest of the others on the same fd.
  ev_io_stop(loop, &both.w);
  trace.clear();
  poll_once(loop);
  CHECK(trace == Trace{{"read", EV_READ}, {"write", EV_WRITE}});

  ev_io_stop(loop, &write_only.w);
  trace.clear();
  poll_once(loop);
  CHECK(trace == Trace{{"read", EV_READ}});

  ev_io_stop(loop, &read_only.w);
  trace.clear();
  poll_once(loop);
  CHECK(trace.empty());
}

namespace {

// Fires for EV_WRITE once, then re-arms itself for EV_READ only.
struct RearmingWatcher {
  ev_io w;
  std::vector<int> revents_seen;

  static void on_event(struct ev_loop *loop, ev_io *w, int revents) {
    auto *self = static_cast<RearmingWatcher *>(w->data);
    self->revents_seen.push_back(revents);
    ev_io_stop(loop, w);
    if (revents & EV_WRITE) {
      ev_io_set(w, w->fd, EV_READ);
      ev_io_start(loop, w);
    }
  }
};

}  // namespace

TEST_CASE("a callback can stop, re-arm and restart its own watcher", "[io]") {
  LoopGuard loop;
  SocketFds sockets = make_socketpair();
  RearmingWatcher watcher;
  ev_io_init(&watcher.w, RearmingWatcher::on_event, sockets.a.get(), EV_READ | EV_WRITE);
  watcher.w.data = &watcher;
  ev_io_start(loop, &watcher.w);

  poll_once(loop);
  REQUIRE(watcher.revents_seen == std::vector<int>{EV_WRITE});
  CHECK(ev_is_active(&watcher.w));
  CHECK((watcher.w.events & (EV_READ | EV_WRITE)) == EV_READ);

  // Writable all the time, but only interested in reading now.
  poll_once(loop);
  CHECK(watcher.revents_seen == std::vector<int>{EV_WRITE});

  write_byte(sockets.b.get());
  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);  // the watcher stopped itself; nothing keeps the loop alive
  CHECK(watcher.revents_seen == std::vector<int>{EV_WRITE, EV_READ});
  CHECK_FALSE(ev_is_active(&watcher.w));
}

namespace {

// Stops another watcher from inside its own callback.
struct Stopper {
  ev_io w;
  ev_io *victim;
  int calls = 0;

  static void on_event(struct ev_loop *loop, ev_io *w, int) {
    auto *self = static_cast<Stopper *>(w->data);
    ++self->calls;
    ev_io_stop(loop, self->victim);
    ev_io_stop(loop, w);
  }
};

}  // namespace

TEST_CASE_METHOD(LoopPipeTrace, "stopping a watcher that is already pending cancels its callback",
                 "[io]") {
  Traced<ev_io> victim(trace, "victim");
  ev_io_set(&victim.w, pipe.read_end.get(), EV_READ);
  Stopper stopper;
  ev_io_init(&stopper.w, Stopper::on_event, pipe.read_end.get(), EV_READ);
  stopper.w.data = &stopper;
  stopper.victim = &victim.w;
  // Higher priority: the stopper runs first while the victim is pending in the same iteration.
  ev_set_priority(&stopper.w, 1);
  ev_io_start(loop, &victim.w);
  ev_io_start(loop, &stopper.w);

  write_byte(pipe.write_end.get());
  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(stopper.calls == 1);
  CHECK(trace.empty());
  CHECK_FALSE(ev_is_active(&victim.w));
  CHECK_FALSE(ev_is_pending(&victim.w));
}

TEST_CASE("ev_io_set moves a stopped watcher to another fd", "[io]") {
  LoopGuard loop;
  PipeFds first = make_pipe();
  PipeFds second = make_pipe();
  Trace trace;
  Traced<ev_io> reader(trace, "reader");
  ev_io_set(&reader.w, first.read_end.get(), EV_READ);
  ev_io_start(loop, &reader.w);
  poll_once(loop);
  ev_io_stop(loop, &reader.w);

  ev_io_set(&reader.w, second.read_end.get(), EV_READ);
  ev_io_start(loop, &reader.w);
  CHECK(reader.w.fd == second.read_end.get());

  write_byte(first.write_end.get());
  poll_once(loop);
  CHECK(trace.empty());

  write_byte(second.write_end.get());
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace == Trace{{"reader", EV_READ}});
  ev_io_stop(loop, &reader.w);
}

TEST_CASE("regular files and /dev/null are always readable", "[io]") {
  // epoll rejects these with EPERM; libev still reports them ready on every iteration.
  LoopGuard loop;
  char path[] = "/tmp/evring-test-file-XXXXXX";
  Fd file(mkostemp(path, O_CLOEXEC));
  REQUIRE(file.get() >= 0);
  unlink(path);
  REQUIRE(write(file.get(), "data", 4) == 4);
  REQUIRE(lseek(file.get(), 0, SEEK_SET) == 0);
  Fd empty_file(open("/dev/null", O_RDONLY | O_CLOEXEC));
  REQUIRE(empty_file.get() >= 0);

  Trace trace;
  Traced<ev_io> file_reader(trace, "file");
  Traced<ev_io> null_reader(trace, "null");
  ev_io_set(&file_reader.w, file.get(), EV_READ);
  ev_io_set(&null_reader.w, empty_file.get(), EV_READ);
  ev_io_start(loop, &file_reader.w);
  ev_io_start(loop, &null_reader.w);

  constexpr int kIterations = 3;
  for (int i = 0; i < kIterations; ++i) {
    RunOutcome outcome = run_guarded(loop, EVRUN_ONCE);
    REQUIRE_FALSE(outcome.guard_fired);
  }
  int file_events = 0, null_events = 0;
  for (const Firing &firing : trace) {
    CHECK(firing.revents == EV_READ);
    (firing.who == "file" ? file_events : null_events)++;
  }
  CHECK(file_events == kIterations);
  CHECK(null_events == kIterations);

  ev_io_stop(loop, &file_reader.w);
  ev_io_stop(loop, &null_reader.w);
}

TEST_CASE("peer hang-up makes the socket readable and read returns 0", "[io]") {
  LoopGuard loop;
  SocketFds sockets = make_socketpair();
  Trace trace;
  StartedIo reader(loop, trace, "reader", sockets.a.get(), EV_READ);

  poll_once(loop);
  CHECK(trace.empty());

  sockets.b.close();
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace == Trace{{"reader", EV_READ}});
  char byte;
  CHECK(read(sockets.a.get(), &byte, 1) == 0);
}

TEST_CASE("EV_WRITE stays quiet on a full socket and arrives once the peer drains it", "[io]") {
  LoopGuard loop;
  SocketFds sockets = make_socketpair();
  REQUIRE(fill(sockets.a.get()) > 0);

  Trace trace;
  Traced<ev_io> writer(trace, "writer");
  ev_io_set(&writer.w, sockets.a.get(), EV_WRITE);
  ev_io_start(loop, &writer.w);
  for (int i = 0; i < 3; ++i) poll_once(loop);
  CHECK(trace.empty());

  CHECK_FALSE(drain(sockets.b.get()).empty());
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace.front() == Firing{"writer", EV_WRITE});
  ev_io_stop(loop, &writer.w);
}

namespace {

double thread_cpu_seconds() {
  struct timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

}  // namespace

// io_uring polls always watch POLLRDHUP too (quirk S of backends/io_uring.cc): a poll for
// EV_WRITE alone completed at once, again and again, and the loop spun without waiting.
TEST_CASE("a full socket whose peer shut down writing keeps EV_WRITE quiet, without spinning",
          "[io]") {
  LoopGuard loop;
  SocketFds sockets = make_socketpair();
  REQUIRE(fill(sockets.a.get()) > 0);
  Trace trace;
  StartedIo writer(loop, trace, "writer", sockets.a.get(), EV_WRITE);
  poll_once(loop);
  REQUIRE(shutdown(sockets.b.get(), SHUT_WR) == 0);

  StartedTimer timer(loop, trace, "timer", 0.2, 0.);
  double cpu_before = thread_cpu_seconds();
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace == Trace{{"timer", EV_TIMER}});
  CHECK(thread_cpu_seconds() - cpu_before < 0.05);  // waited, did not spin for 0.2 s

  trace.clear();
  CHECK_FALSE(drain(sockets.b.get()).empty());
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace.front() == Firing{"writer", EV_WRITE});
}

namespace {

// Runs one blocking iteration (EVRUN_ONCE) with a 50 ms timer and says whether the timer ended
// it: false means the backend woke the loop before, for something else.
bool iteration_blocks_until_timer(struct ev_loop *loop) {
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 0.05, 0.);
  ev_timer_start(loop, &timer.w);
  ev_run(loop, EVRUN_ONCE);
  bool fired = !trace.empty();
  ev_timer_stop(loop, &timer.w);
  return fired;
}

enum class StopCase { kNotReady, kLeftReady, kClosed, kReadyLater, kDrainedThenReady };

// In a child process of its own: the kernel's teardown of rings that earlier tests closed
// interrupts this process's waits with EINTR (docs/io_uring.md), which would end an iteration
// early. Exit status: bit 0 set if the first blocking iteration after the stop ran until the
// timer, bit 1 if the second did.
int blocking_after_stop(StopCase stop_case) {
  LoopGuard loop;
  PipeFds pipe = make_pipe();
  Trace trace;
  Traced<ev_io> reader(trace, "reader");
  ev_io_set(&reader.w, pipe.read_end.get(), EV_READ);
  ev_io_start(loop, &reader.w);
  ev_run(loop, EVRUN_NOWAIT);  // the fd is registered (armed) with the kernel now
  bool reported = stop_case == StopCase::kLeftReady || stop_case == StopCase::kClosed ||
                  stop_case == StopCase::kDrainedThenReady;
  if (reported) {
    write_byte(pipe.write_end.get());
    if (!run_until(loop, [&] { return !trace.empty(); })) return 100;
  }
  if (stop_case == StopCase::kDrainedThenReady) drain(pipe.read_end.get());
  ev_io_stop(loop, &reader.w);  // with the byte, if any, still unread
  if (stop_case == StopCase::kClosed) pipe.read_end.close();
  if (stop_case == StopCase::kReadyLater || stop_case == StopCase::kDrainedThenReady) {
    ev_run(loop, EVRUN_NOWAIT);  // the backend has taken the stop in
    write_byte(pipe.write_end.get());
  }
  int result = iteration_blocks_until_timer(loop) ? 1 : 0;
  return result | (iteration_blocks_until_timer(loop) ? 2 : 0);
}

int exit_code_of(StopCase stop_case) {
  ChildStatus status = run_in_child([stop_case] { return blocking_after_stop(stop_case); });
  return status.exited ? status.exit_code : -1;
}

}  // namespace

TEST_CASE("stopping a watcher wakes the loop only where libev's backend would", "[io]") {
  bool lingering_backend = test_backend() == EVBACKEND_EPOLL || test_backend() == EVBACKEND_IOURING;
  // An fd that is not ready: no wake-up on any backend.
  CHECK(exit_code_of(StopCase::kNotReady) == 3);
  // An fd left ready by its callback: epoll (and io_uring, which follows it) still has it
  // registered and wakes once; select and poll forget it.
  CHECK(exit_code_of(StopCase::kLeftReady) == (lingering_backend ? 2 : 3));
  // The same fd closed after the stop: epoll forgets a closed fd, so no backend wakes.
  CHECK(exit_code_of(StopCase::kClosed) == 3);
  // Stopped while not ready, then ready: epoll still has it registered and wakes once; io_uring
  // has removed its poll (which would keep the file open) and registered it in its epoll set.
  CHECK(exit_code_of(StopCase::kReadyLater) == (lingering_backend ? 2 : 3));
  // Reported, drained and stopped, then ready again: the same (io_uring, whose poll had
  // completed, finds the fd not ready at its next poll and registers it in its epoll set).
  CHECK(exit_code_of(StopCase::kDrainedThenReady) == (lingering_backend ? 2 : 3));
}
