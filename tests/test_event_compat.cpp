// The libevent emulation (event.h) where evring chooses its own behaviour: libev's emulation
// asserts or crashes on these inputs, so tests/compat/evt_bad_input.c compares nothing there.
// evring fails the call with -1 (and a line on stderr) and keeps the loop and the event usable.
// The bases are LoopGuard loops: event_init would bind the process's default loop, which other
// tests use with their own backend.
#include "support.h"

#include <catch2/catch.hpp>

#include <event.h>

namespace {

std::vector<std::string> g_calls;

void record(int, short events, void *arg) {
  g_calls.push_back(std::string(static_cast<const char *>(arg)) + " " +
                    revents_name(events & 0xffff));
}

struct event_base *base_of(struct ev_loop *loop) {
  return reinterpret_cast<struct event_base *>(loop);
}

// An event of `loop`: event_set gives events the current base, which these tests never set.
void set_on(struct ev_loop *loop, struct event *ev, int fd, short events, const char *label) {
  event_set(ev, fd, events, record, const_cast<char *>(label));
  REQUIRE(event_base_set(base_of(loop), ev) == 0);
}

// The loop still serves events after the refused call.
void expect_base_works(struct ev_loop *loop) {
  g_calls.clear();
  struct event timer;
  set_on(loop, &timer, -1, 0, "timer");
  struct timeval tv = {0, 1000};
  REQUIRE(event_add(&timer, &tv) == 0);
  CHECK(event_base_dispatch(base_of(loop)) == 1);
  CHECK(g_calls == std::vector<std::string>{"timer " + revents_name(EV_TIMEOUT)});
}

}  // namespace

TEST_CASE("event_add refuses an io event the loop cannot watch", "[evring][libevent]") {
  const int fd = GENERATE(-1, 999999);
  INFO("fd " << fd);
  LoopGuard loop;
  g_calls.clear();
  struct event ev;
  set_on(loop, &ev, fd, EV_READ | EV_PERSIST, "bad-fd");
  StderrCapture stderr_capture;
  struct timeval tv = {0, 1000};
  CHECK(event_add(&ev, &tv) == -1);
  CHECK(stderr_capture.finish().find("evring: ev_io_start: invalid fd") != std::string::npos);
  CHECK(ev.ev_flags == EVLIST_INIT);
  CHECK(event_pending(&ev, EV_READ | EV_WRITE | EV_TIMEOUT, nullptr) == 0);
  CHECK(event_base_loop(base_of(loop), EVLOOP_NONBLOCK) == 1);
  CHECK(g_calls.empty());  // no EV_ERROR callback for the refused watcher, no timeout either
  expect_base_works(loop);
}

TEST_CASE("event_add refuses a signal number out of range or owned by another base",
          "[evring][libevent]") {
  LoopGuard loop, other;
  g_calls.clear();
  struct event bad, owner, intruder;
  set_on(loop, &bad, 0, EV_SIGNAL | EV_PERSIST, "signal-0");
  {
    StderrCapture stderr_capture;
    CHECK(event_add(&bad, nullptr) == -1);
  }
  CHECK(bad.ev_flags == EVLIST_INIT);

  set_on(loop, &owner, SIGUSR1, EV_SIGNAL | EV_PERSIST, "owner");
  REQUIRE(event_add(&owner, nullptr) == 0);
  set_on(other, &intruder, SIGUSR1, EV_SIGNAL | EV_PERSIST, "intruder");
  {
    StderrCapture stderr_capture;
    CHECK(event_add(&intruder, nullptr) == -1);
    CHECK(stderr_capture.finish().find("already watched by another loop") != std::string::npos);
  }
  CHECK(event_pending(&intruder, EV_SIGNAL, nullptr) == 0);

  raise(SIGUSR1);
  CHECK(event_base_loop(base_of(loop), EVLOOP_ONCE) == 0);
  CHECK(event_base_loop(base_of(other), EVLOOP_NONBLOCK) == 1);
  CHECK(g_calls == std::vector<std::string>{"owner " + revents_name(EV_SIGNAL)});
  CHECK(event_del(&owner) == 0);
  CHECK(event_add(&intruder, nullptr) == 0);  // free again once the owner let go
  CHECK(event_del(&intruder) == 0);
}

TEST_CASE("a negative timeout counts as the shortest timeout", "[evring][libevent]") {
  LoopGuard loop;
  g_calls.clear();
  struct event ev;
  set_on(loop, &ev, -1, 0, "negative");
  struct timeval tv = {-5, 0};
  REQUIRE(event_add(&ev, &tv) == 0);
  CHECK(event_pending(&ev, EV_TIMEOUT, nullptr) == EV_TIMEOUT);
  RunOutcome outcome = run_guarded(loop, EVRUN_ONCE);
  CHECK_FALSE(outcome.guard_fired);
  CHECK(g_calls == std::vector<std::string>{"negative " + revents_name(EV_TIMEOUT)});
}

TEST_CASE("loop operations without a base fail with -1", "[evring][libevent]") {
  g_calls.clear();
  struct event ev;
  event_set(&ev, -1, 0, record, const_cast<char *>("no-base"));
  REQUIRE(event_base_set(nullptr, &ev) == 0);
  struct timeval tv = {0, 1000};
  StderrCapture stderr_capture;
  CHECK(event_add(&ev, &tv) == -1);
  CHECK(event_base_loop(nullptr, 0) == -1);
  CHECK(event_base_dispatch(nullptr) == -1);
  CHECK(event_base_loopexit(nullptr, nullptr) == -1);
  CHECK(event_base_once(nullptr, -1, 0, record, nullptr, &tv) == -1);
  event_active(&ev, EV_TIMEOUT, 1);
  struct timeval untouched = {7, 7};
  ev.ev_events = EV_TIMEOUT;  // makes event_pending report a timeout and want the loop's time
  CHECK(event_pending(&ev, EV_TIMEOUT, &untouched) == EV_TIMEOUT);
  CHECK(untouched.tv_sec == 7);
  std::string messages = stderr_capture.finish();
  CHECK(messages.find("evring: event_add: no event base") != std::string::npos);
  CHECK(messages.find("evring: event_base_loop: no event base") != std::string::npos);
  CHECK(messages.find("evring: event_active: no event base") != std::string::npos);
  // What needs no loop works without one, as under libev.
  ev.ev_events = 0;
  CHECK(event_add(&ev, nullptr) == 0);
  CHECK(event_del(&ev) == 0);
  event_base_free(nullptr);
  CHECK(g_calls.empty());
}

TEST_CASE("event_base_set refuses to move an added or queued event", "[evring][libevent]") {
  LoopGuard loop, other;
  g_calls.clear();
  PipeFds pipe = make_pipe();
  struct event ev;
  set_on(loop, &ev, pipe.read_end.get(), EV_READ, "reader");
  REQUIRE(event_add(&ev, nullptr) == 0);
  {
    StderrCapture stderr_capture;
    CHECK(event_base_set(base_of(other), &ev) == -1);
    CHECK(stderr_capture.finish().find("event_del it first") != std::string::npos);
  }
  CHECK(ev.ev_base == base_of(loop));
  REQUIRE(event_del(&ev) == 0);

  event_active(&ev, EV_READ, 1);  // queued without being added
  {
    StderrCapture stderr_capture;
    CHECK(event_base_set(base_of(other), &ev) == -1);
  }
  CHECK(event_base_loop(base_of(loop), EVLOOP_NONBLOCK) == 1);
  CHECK(g_calls == std::vector<std::string>{"reader " + revents_name(EV_READ)});

  CHECK(event_base_set(base_of(other), &ev) == 0);  // idle: moves
  write_byte(pipe.write_end.get());
  g_calls.clear();
  REQUIRE(event_add(&ev, nullptr) == 0);
  CHECK(event_base_loop(base_of(loop), EVLOOP_NONBLOCK) == 1);
  CHECK(g_calls.empty());
  CHECK(event_base_loop(base_of(other), EVLOOP_ONCE) == 1);
  CHECK(g_calls == std::vector<std::string>{"reader " + revents_name(EV_READ)});
}
