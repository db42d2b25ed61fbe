// The thread patterns of libev's manual ("THREADS AND COROUTINES", "THREAD LOCKING EXAMPLE"):
// a loop running in its own thread, changed by other threads under a mutex that the loop
// releases while it blocks (ev_set_loop_release_cb) and woken by ev_async; and callbacks handed
// to another thread through ev_set_invoke_pending_cb.
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

constexpr auto kWaitLimit = std::chrono::seconds(10);

// The loop's lock, released by the loop only while it blocks in the kernel.
struct LoopLock {
  std::mutex mutex;

  static LoopLock &of(struct ev_loop *loop) { return *static_cast<LoopLock *>(ev_userdata(loop)); }
  static void release(struct ev_loop *loop) noexcept { of(loop).mutex.unlock(); }
  static void acquire(struct ev_loop *loop) noexcept { of(loop).mutex.lock(); }
};

// Pattern 1: other threads start timers under the lock, then wake the loop with ev_async.
struct TimerInjection : LoopLock {
  static constexpr int kAdders = 2;
  static constexpr int kTimersEach = 25;

  ev_async wake;
  ev_timer timers[kAdders * kTimersEach];
  std::vector<std::thread::id> fired_on;  // loop thread only, read after join
  int fired = 0;

  static void on_wake(struct ev_loop *, ev_async *, int) {}  // only wakes the loop

  static void on_timer(struct ev_loop *loop, ev_timer *timer, int) {
    auto *self = static_cast<TimerInjection *>(timer->data);
    self->fired_on.push_back(std::this_thread::get_id());
    // The last timer ends the run: with `wake` stopped nothing keeps the loop alive.
    if (++self->fired == kAdders * kTimersEach) ev_async_stop(loop, &self->wake);
  }
};

// Pattern 2: the loop thread does not invoke callbacks; it asks the main thread to and waits.
struct HandOff : LoopLock {
  std::condition_variable_any work_ready_cv;  // loop thread -> main: please invoke
  std::condition_variable_any invoked_cv;     // main -> loop thread: done invoking
  bool work_ready = false;
  bool loop_finished = false;
  bool timed_out = false;

  static void invoke_elsewhere(struct ev_loop *loop) {
    auto &self = static_cast<HandOff &>(of(loop));
    // Called with the lock held; the wait releases it while the main thread invokes.
    while (ev_pending_count(loop) && !self.timed_out) {
      self.work_ready = true;
      self.work_ready_cv.notify_one();
      if (!self.invoked_cv.wait_for(self.mutex, kWaitLimit, [&] { return !self.work_ready; }))
        self.timed_out = true;
    }
  }
};

// Which threads a watcher's callbacks ran on; the watcher stops itself after `limit` calls.
struct Recorder {
  std::vector<std::thread::id> threads;
  int count = 0;
  int limit;
  explicit Recorder(int max) : limit(max) {}

  bool record() {
    threads.push_back(std::this_thread::get_id());
    return ++count == limit;
  }
  static void on_timer(struct ev_loop *loop, ev_timer *w, int) {
    if (static_cast<Recorder *>(w->data)->record()) ev_timer_stop(loop, w);
  }
  static void on_readable(struct ev_loop *loop, ev_io *w, int) {
    drain(w->fd);
    if (static_cast<Recorder *>(w->data)->record()) ev_io_stop(loop, w);
  }
};

}  // namespace

TEST_CASE("threads start watchers under the loop's lock and wake it with ev_async", "[threads]") {
  LoopGuard loop;
  TimerInjection shared;
  ev_set_userdata(loop, &shared);
  ev_set_loop_release_cb(loop, &LoopLock::release, &LoopLock::acquire);
  ev_async_init(&shared.wake, &TimerInjection::on_wake);
  ev_async_start(loop, &shared.wake);

  std::thread::id loop_thread_id;
  RunOutcome outcome{-1, false};
  std::thread loop_thread([&] {
    loop_thread_id = std::this_thread::get_id();
    std::lock_guard<std::mutex> hold(shared.mutex);
    outcome = run_guarded(loop, 0, 10.);
  });

  std::vector<std::thread> adders;
  for (int a = 0; a < TimerInjection::kAdders; ++a) {
    adders.emplace_back([&, a] {
      for (int i = 0; i < TimerInjection::kTimersEach; ++i) {
        ev_timer &timer = shared.timers[a * TimerInjection::kTimersEach + i];
        ev_timer_init(&timer, &TimerInjection::on_timer, 0.001 * (i % 5), 0.);
        timer.data = &shared;
        {
          std::lock_guard<std::mutex> hold(shared.mutex);
          ev_timer_start(loop, &timer);
        }
        ev_async_send(loop, &shared.wake);  // needs no lock
        std::this_thread::yield();
      }
    });
  }
  for (std::thread &adder : adders) adder.join();
  loop_thread.join();

  CHECK_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);
  REQUIRE(shared.fired == TimerInjection::kAdders * TimerInjection::kTimersEach);
  for (std::thread::id id : shared.fired_on) CHECK(id == loop_thread_id);
  ev_set_loop_release_cb(loop, nullptr, nullptr);
}

TEST_CASE("ev_set_invoke_pending_cb hands every callback to another thread", "[threads]") {
  LoopGuard loop;
  HandOff hand_off;
  ev_set_userdata(loop, &hand_off);
  ev_set_loop_release_cb(loop, &LoopLock::release, &LoopLock::acquire);
  ev_set_invoke_pending_cb(loop, &HandOff::invoke_elsewhere);

  Recorder ticks(5), reads(1);
  ev_timer ticker;
  ev_timer_init(&ticker, &Recorder::on_timer, 0.001, 0.001);
  ticker.data = &ticks;
  PipeFds pipe = make_pipe();
  ev_io reader;
  ev_io_init(&reader, &Recorder::on_readable, pipe.read_end.get(), EV_READ);
  reader.data = &reads;
  ev_timer_start(loop, &ticker);
  ev_io_start(loop, &reader);

  std::thread::id loop_thread_id;
  RunOutcome outcome{-1, false};
  std::thread loop_thread([&] {
    loop_thread_id = std::this_thread::get_id();
    std::lock_guard<std::mutex> hold(hand_off.mutex);
    outcome = run_guarded(loop, 0, 10.);
    hand_off.loop_finished = true;
    hand_off.work_ready_cv.notify_one();
  });
  write_byte(pipe.write_end.get());

  // The main thread invokes whatever the loop thread found pending, until the loop is done.
  int invocations = 0;
  bool stalled = false;
  {
    std::unique_lock<std::mutex> hold(hand_off.mutex);
    while (!hand_off.loop_finished) {
      if (!hand_off.work_ready_cv.wait_for(
              hold, kWaitLimit, [&] { return hand_off.work_ready || hand_off.loop_finished; })) {
        stalled = true;
        break;
      }
      if (!hand_off.work_ready) continue;
      ev_invoke_pending(loop);
      ++invocations;
      hand_off.work_ready = false;
      hand_off.invoked_cv.notify_one();
    }
  }
  loop_thread.join();

  REQUIRE_FALSE(stalled);
  CHECK_FALSE(hand_off.timed_out);
  CHECK_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);
  CHECK(invocations >= 2);
  CHECK(ticks.count == 5);
  CHECK(reads.count == 1);
  for (const Recorder *recorder : {&ticks, &reads}) {
    for (std::thread::id id : recorder->threads) {
      CHECK(id == std::this_thread::get_id());
      CHECK(id != loop_thread_id);
    }
  }
  ev_set_invoke_pending_cb(loop, ev_invoke_pending);
  ev_set_loop_release_cb(loop, nullptr, nullptr);
}
