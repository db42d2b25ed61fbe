// ev_async: waking a loop from other threads and from signal handlers. Sends coalesce, but a
// send is never lost: after the last send, the callback runs at least once more.
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

constexpr int kThreads = 8;
constexpr int kSendsPerThread = 10000;

// One async watcher per sending thread plus one they all share. Each callback records how many
// sends its sender(s) had made when it ran; the loop stops once every callback saw them all.
struct AsyncFanIn {
  struct Slot {
    ev_async w;
    std::atomic<int> sent{0};  // written by the sender thread(s) before each ev_async_send
    int expected = 0;
    int seen = 0;  // sends made before the latest callback: loop thread only
    int callbacks = 0;
    AsyncFanIn *owner;
  };

  Slot per_thread[kThreads];
  Slot shared;
  int complete = 0;  // slots whose callback has seen every send

  explicit AsyncFanIn(struct ev_loop *loop) {
    for (Slot &slot : per_thread) start(loop, slot, kSendsPerThread);
    start(loop, shared, kThreads * kSendsPerThread);
  }

  void start(struct ev_loop *loop, Slot &slot, int expected) {
    slot.expected = expected;
    slot.owner = this;
    ev_async_init(&slot.w, &AsyncFanIn::on_async);
    slot.w.data = &slot;
    ev_async_start(loop, &slot.w);
  }

  static void on_async(struct ev_loop *loop, ev_async *w, int) {
    auto *slot = static_cast<Slot *>(w->data);
    ++slot->callbacks;
    slot->seen = slot->sent.load();
    if (slot->seen == slot->expected) {
      ev_async_stop(loop, w);
      ++slot->owner->complete;
    }
  }

  static void send(struct ev_loop *loop, Slot &slot) {
    slot.sent.fetch_add(1);
    ev_async_send(loop, &slot.w);
  }
};

// For the signal handler, which cannot be given arguments.
struct ev_loop *g_signal_loop;
ev_async g_signal_async;

void send_from_handler(int) {
  ev_async_send(g_signal_loop, &g_signal_async);
}

}  // namespace

TEST_CASE("ev_async_send from 8 threads x 10,000 sends loses nothing and coalesces",
          "[async][threads]") {
  LoopGuard loop;
  AsyncFanIn fan_in(loop);
  std::atomic<bool> go{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kSendsPerThread; ++i) {
        AsyncFanIn::send(loop, fan_in.per_thread[t]);
        AsyncFanIn::send(loop, fan_in.shared);
      }
    });
  }
  go = true;
  // Blocks between wakeups; a lost wakeup would leave it asleep until the guard.
  RunOutcome outcome = run_guarded(loop, 0, 30.);
  for (std::thread &sender : senders) sender.join();

  CHECK_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);
  CHECK(fan_in.complete == kThreads + 1);
  for (const AsyncFanIn::Slot &slot : fan_in.per_thread) {
    CHECK(slot.seen == kSendsPerThread);
    CHECK(slot.callbacks >= 1);
    CHECK(slot.callbacks <= kSendsPerThread);
  }
  CHECK(fan_in.shared.seen == kThreads * kSendsPerThread);
  CHECK(fan_in.shared.callbacks <= kThreads * kSendsPerThread);
  INFO("shared watcher callbacks: " << fan_in.shared.callbacks);
}

TEST_CASE("sends before the loop runs coalesce; watchers of one priority run in start order",
          "[async]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_async> first(trace, "first"), second(trace, "second"), third(trace, "third");
  for (auto *async : {&first, &second, &third}) ev_async_start(loop, &async->w);
  ev_async_send(loop, &third.w);
  ev_async_send(loop, &first.w);
  ev_async_send(loop, &second.w);
  ev_async_send(loop, &first.w);
  CHECK(ev_async_pending(&first.w));
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"first", EV_ASYNC}, {"second", EV_ASYNC}, {"third", EV_ASYNC}});
  CHECK_FALSE(ev_async_pending(&first.w));
  for (auto *async : {&first, &second, &third}) ev_async_stop(loop, &async->w);
}

TEST_CASE("a signal handler calling ev_async_send wakes the sleeping loop", "[async][signal]") {
  LoopGuard loop;
  g_signal_loop = loop;
  int calls = 0;
  ev_async_init(&g_signal_async,
                [](struct ev_loop *, ev_async *w, int) { ++*static_cast<int *>(w->data); });
  g_signal_async.data = &calls;
  ev_async_start(loop, &g_signal_async);
  struct sigaction action {
  }, previous{};
  action.sa_handler = send_from_handler;
  sigemptyset(&action.sa_mask);
  REQUIRE(sigaction(SIGUSR2, &action, &previous) == 0);

  // Delivered while the loop is not looking...
  raise(SIGUSR2);
  REQUIRE(run_until(loop, [&] { return calls == 1; }));
  // ...and while it sleeps: the handler may run on the helper thread.
  WakerThread waker(loop, [] { kill(getpid(), SIGUSR2); });
  REQUIRE(run_until(loop, [&] { return calls == 2; }));
  CHECK(waker.finish());

  sigaction(SIGUSR2, &previous, nullptr);
  ev_async_stop(loop, &g_signal_async);
}

namespace {

// Ping-pong between a sender thread and the loop: every send must reach the callback before
// the next one is made. The first half runs with an idle watcher (the loop never blocks and
// never announces that it might), the second half with the loop blocking between sends.
struct PingPong {
  static constexpr int kRounds = 2000;
  ev_async async;
  ev_idle idle;
  std::atomic<int> acknowledged{0};

  static void on_async(struct ev_loop *loop, ev_async *w, int) {
    auto *self = static_cast<PingPong *>(w->data);
    int round = self->acknowledged.load() + 1;
    if (round == kRounds / 2) ev_idle_stop(loop, &self->idle);
    if (round == kRounds) ev_async_stop(loop, w);
    self->acknowledged.store(round);
  }
};

}  // namespace

TEST_CASE("sends reach a loop that spins on an idle watcher and then one that blocks",
          "[async][threads]") {
  LoopGuard loop;
  PingPong ping_pong;
  ev_async_init(&ping_pong.async, &PingPong::on_async);
  ping_pong.async.data = &ping_pong;
  ev_async_start(loop, &ping_pong.async);
  ev_idle_init(&ping_pong.idle, [](struct ev_loop *, ev_idle *, int) {});
  ev_idle_start(loop, &ping_pong.idle);
  std::atomic<bool> gave_up{false};
  std::thread sender([&] {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int round = 1; round <= PingPong::kRounds; ++round) {
      ev_async_send(loop, &ping_pong.async);
      while (ping_pong.acknowledged.load() < round) {
        if (std::chrono::steady_clock::now() > deadline) {
          gave_up = true;
          return;
        }
        std::this_thread::yield();
      }
    }
  });
  RunOutcome outcome = run_guarded(loop, 0, 30.);
  sender.join();
  CHECK_FALSE(gave_up);
  CHECK_FALSE(outcome.guard_fired);
  CHECK(ping_pong.acknowledged.load() == PingPong::kRounds);
  CHECK_FALSE(ev_is_active(&ping_pong.idle));
}
