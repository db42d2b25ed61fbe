// ev_periodic: wall-clock timers, absolute, on an interval grid, or rescheduled by a callback.
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

namespace {

// Records ev_now and the next due time at every callback; stops itself after `limit` calls.
struct RecordingPeriodic {
  ev_periodic w;
  int limit;
  std::vector<ev_tstamp> fired_at;  // ev_now() in the callback
  std::vector<ev_tstamp> next_due;  // ev_periodic_at() in the callback
  std::vector<ev_tstamp> asked_at;  // `now` passed to the reschedule callback

  explicit RecordingPeriodic(int max_calls) : limit(max_calls) {
    ev_init(&w, &RecordingPeriodic::on_fire);
    w.data = this;
  }

  static void on_fire(struct ev_loop *loop, ev_periodic *periodic, int revents) {
    auto *self = static_cast<RecordingPeriodic *>(periodic->data);
    if (revents != EV_PERIODIC) return;
    self->fired_at.push_back(ev_now(loop));
    self->next_due.push_back(ev_periodic_at(periodic));
    if (static_cast<int>(self->fired_at.size()) == self->limit) ev_periodic_stop(loop, periodic);
  }

  static ev_tstamp reschedule(ev_periodic *periodic, ev_tstamp now) noexcept {
    auto *self = static_cast<RecordingPeriodic *>(periodic->data);
    self->asked_at.push_back(now);
    return now + 0.01;
  }
};

}  // namespace

TEST_CASE("an interval periodic fires on its grid, never early", "[periodic]") {
  LoopGuard loop;
  RecordingPeriodic periodic(3);
  const ev_tstamp offset = 0.0037, interval = 0.02;
  ev_periodic_set(&periodic.w, offset, interval, nullptr);
  ev_periodic_start(loop, &periodic.w);
  ev_tstamp first_due = ev_periodic_at(&periodic.w);
  CHECK(first_due > ev_now(loop));
  CHECK(first_due - ev_now(loop) <= interval);

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  REQUIRE(periodic.fired_at.size() == 3);
  ev_tstamp due = first_due;
  for (size_t i = 0; i < 3; ++i) {
    INFO("firing " << i);
    CHECK(periodic.fired_at[i] >= due);
    // The next due time is the first grid point after now.
    double steps = (periodic.next_due[i] - offset) / interval;
    CHECK(std::fabs(steps - std::round(steps)) < 1e-3);
    CHECK(periodic.next_due[i] > periodic.fired_at[i]);
    CHECK(periodic.next_due[i] - periodic.fired_at[i] <= interval + 1e-9);
    due = periodic.next_due[i];
  }
  CHECK_FALSE(ev_is_active(&periodic.w));
}

TEST_CASE("a reschedule callback decides every due time of a periodic", "[periodic]") {
  LoopGuard loop;
  RecordingPeriodic periodic(4);
  ev_periodic_set(&periodic.w, 0., 0., &RecordingPeriodic::reschedule);
  ev_periodic_start(loop, &periodic.w);
  // Asked once at start, with the loop time.
  REQUIRE(periodic.asked_at.size() == 1);
  CHECK(periodic.asked_at[0] == ev_now(loop));
  CHECK(ev_periodic_at(&periodic.w) == periodic.asked_at[0] + 0.01);

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  REQUIRE(periodic.fired_at.size() == 4);
  // Asked again at each firing, before the callback, with that iteration's time.
  REQUIRE(periodic.asked_at.size() == 5);
  for (size_t i = 0; i < 4; ++i) {
    INFO("firing " << i);
    CHECK(periodic.fired_at[i] >= periodic.asked_at[i] + 0.01);
    CHECK(periodic.asked_at[i + 1] == periodic.fired_at[i]);
    CHECK(periodic.next_due[i] == periodic.fired_at[i] + 0.01);
  }
}

TEST_CASE("an absolute periodic fires once at its time, or at once if that has passed",
          "[periodic]") {
  LoopGuard loop;
  RecordingPeriodic future(10), past(10);
  ev_tstamp at = ev_now(loop) + 0.03;
  ev_periodic_set(&future.w, at, 0., nullptr);
  ev_periodic_set(&past.w, ev_now(loop) - 100., 0., nullptr);
  ev_periodic_start(loop, &future.w);
  ev_periodic_start(loop, &past.w);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(past.fired_at.size() == 1);
  CHECK(future.fired_at.empty());

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);
  REQUIRE(future.fired_at.size() == 1);
  CHECK(future.fired_at[0] >= at);
  CHECK(past.fired_at.size() == 1);
}

TEST_CASE("ev_periodic_again applies a changed offset to a running periodic", "[periodic]") {
  LoopGuard loop;
  RecordingPeriodic periodic(1);
  ev_periodic_set(&periodic.w, ev_now(loop) + 1000., 0., nullptr);
  ev_periodic_start(loop, &periodic.w);
  periodic.w.offset = ev_now(loop) + 0.01;
  ev_periodic_again(loop, &periodic.w);
  CHECK(ev_periodic_at(&periodic.w) == periodic.w.offset);
  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(periodic.fired_at.size() == 1);
}

namespace {

// The fds of this process that are timerfds.
std::vector<int> timerfds() {
  std::vector<int> found;
  for (int fd = 0; fd < 1024; ++fd) {
    char link[64], target[64] = {};
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    if (readlink(link, target, sizeof target - 1) > 0 &&
        strcmp(target, "anon_inode:[timerfd]") == 0)
      found.push_back(fd);
  }
  return found;
}

ev_tstamp count_reschedule(ev_periodic *periodic, ev_tstamp now) noexcept {
  ++*static_cast<int *>(periodic->data);
  return now + 1e6;
}

}  // namespace

// libev's wall-clock timerfd: programs see its fd (a number taken, a place in poll's array).
TEST_CASE("a loop's first periodic opens a close-on-exec wall-clock timerfd, as libev's",
          "[periodic]") {
  bool disabled = GENERATE(false, true);
  CAPTURE(disabled);
  std::vector<int> before = timerfds();
  {
    LoopGuard loop(disabled ? unsigned(EVFLAG_NOTIMERFD) : 0u);
    CHECK(timerfds() == before);
    ev_periodic first, second;
    ev_periodic_init(&first, nullptr, 0., 1e6, nullptr);
    ev_periodic_init(&second, nullptr, 0., 1e6, nullptr);
    ev_periodic_start(loop, &first);
    std::vector<int> now = timerfds();
    if (disabled) {
      CHECK(now == before);
    } else {
      REQUIRE(now.size() == before.size() + 1);
      int fd = now.back() != (before.empty() ? -1 : before.back()) ? now.back() : now.front();
      CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    }
    ev_periodic_start(loop, &second);
    CHECK(timerfds().size() == now.size());
    // Internal and unreferenced: the loop has nothing else to wait for.
    ev_periodic_stop(loop, &first);
    ev_periodic_stop(loop, &second);
    CHECK(ev_run(loop, EVRUN_NOWAIT) == 0);
  }
  CHECK(timerfds() == before);
}

void tell_blocking(struct ev_loop *loop) noexcept {
  char byte = 0;
  ssize_t written = write(*static_cast<int *>(ev_userdata(loop)), &byte, 1);
  (void)written;  // a full pipe has told already
}

void nothing_to_do(struct ev_loop *) noexcept {}
void on_guard(struct ev_loop *, ev_timer *, int) {}
void on_refused(struct ev_loop *, ev_async *, int) {}

// Setting the clock (to what it reads: a step of a microsecond back) needs CAP_SYS_TIME.
TEST_CASE("setting the wall clock wakes a loop blocked before a far periodic, which reschedules",
          "[periodic]") {
  LoopGuard loop;
  int reschedules = 0;
  ev_periodic far;
  ev_periodic_init(&far, nullptr, 0., 0., count_reschedule);
  far.data = &reschedules;
  ev_periodic_start(loop, &far);
  int at_start = reschedules;
  ev_timer guard;
  ev_timer_init(&guard, on_guard, 5., 0.);
  ev_timer_start(loop, &guard);
  ev_async refused;  // wakes the loop when the clock cannot be set
  ev_async_init(&refused, on_refused);
  ev_async_start(loop, &refused);

  int pipe_fds[2];
  REQUIRE(pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) == 0);
  Fd blocking_read(pipe_fds[0]), blocking_write(pipe_fds[1]);
  int write_fd = blocking_write.get();
  ev_set_userdata(loop, &write_fd);
  ev_set_loop_release_cb(loop, tell_blocking, nothing_to_do);
  std::atomic<int> set_errno{-1};
  std::thread setter([&] {
    pollfd blocked = {blocking_read.get(), POLLIN, 0};
    if (poll(&blocked, 1, 5000) != 1) return;
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    set_errno = clock_settime(CLOCK_REALTIME, &now) == 0 ? 0 : errno;
    if (set_errno) ev_async_send(loop, &refused);
  });
  ev_tstamp started = ev_time();
  ev_run(loop, EVRUN_ONCE);
  ev_tstamp took = ev_time() - started;
  setter.join();
  ev_set_loop_release_cb(loop, nullptr, nullptr);
  ev_set_userdata(loop, nullptr);
  if (set_errno != 0) {
    WARN("skipped: the clock cannot be set here (CAP_SYS_TIME; errno " << set_errno << ")");
  } else {
    CHECK(took < 2.5);
    CHECK(ev_is_active(&guard));
    CHECK(reschedules == at_start + 1);
  }
  ev_async_stop(loop, &refused);
  ev_timer_stop(loop, &guard);
  ev_periodic_stop(loop, &far);
}
