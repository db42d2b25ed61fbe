// Independent loops in independent threads must not interfere.
#include "support.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

// One loop's workload: a repeating timer writes its tag into a pipe, an io watcher reads it
// back. Both stop themselves after kMessages, so the loop's ev_run returns on its own.
class PingPongLoop {
 public:
  static constexpr int kMessages = 100;

  PingPongLoop(struct ev_loop *loop, char tag) : loop_(loop), tag_(tag), pipe_(make_pipe()) {
    ev_timer_init(&ticker_, &PingPongLoop::on_tick, 0.001, 0.001);
    ticker_.data = this;
    ev_io_init(&reader_, &PingPongLoop::on_readable, pipe_.read_end.get(), EV_READ);
    reader_.data = this;
    ev_timer_start(loop_, &ticker_);
    ev_io_start(loop_, &reader_);
  }

  // Runs on the worker thread: no Catch2 assertions in here.
  void run(std::atomic<int> &ready) {
    ready.fetch_add(1);
    while (ready.load() < 2) std::this_thread::yield();  // start both loops together
    started_at_ = ev_time();
    outcome_ = run_guarded(loop_);
    finished_at_ = ev_time();
  }

  const RunOutcome &outcome() const { return outcome_; }
  const std::string &received() const { return received_; }
  int ticks() const { return ticks_; }
  char tag() const { return tag_; }
  ev_tstamp started_at() const { return started_at_; }
  ev_tstamp finished_at() const { return finished_at_; }

 private:
  static void on_tick(struct ev_loop *loop, ev_timer *timer, int) {
    auto *self = static_cast<PingPongLoop *>(timer->data);
    if (write(self->pipe_.write_end.get(), &self->tag_, 1) != 1) return;
    if (++self->ticks_ == kMessages) ev_timer_stop(loop, timer);
  }

  static void on_readable(struct ev_loop *loop, ev_io *io, int) {
    auto *self = static_cast<PingPongLoop *>(io->data);
    self->received_ += drain(io->fd);
    if (self->received_.size() >= kMessages) ev_io_stop(loop, io);
  }

  struct ev_loop *loop_;
  char tag_;
  PipeFds pipe_;
  ev_timer ticker_;
  ev_io reader_;
  int ticks_ = 0;
  std::string received_;
  RunOutcome outcome_{-1, false};
  ev_tstamp started_at_ = 0, finished_at_ = 0;
};

}  // namespace

TEST_CASE("two loops run concurrently in two threads without interfering", "[threads]") {
  LoopGuard loop_a;
  LoopGuard loop_b;
  PingPongLoop a(loop_a, 'a');
  PingPongLoop b(loop_b, 'b');

  std::atomic<int> ready{0};
  std::thread thread_a([&] { a.run(ready); });
  std::thread thread_b([&] { b.run(ready); });
  thread_a.join();
  thread_b.join();

  for (const PingPongLoop *side : {&a, &b}) {
    INFO("loop " << side->tag());
    CHECK_FALSE(side->outcome().guard_fired);
    CHECK(side->outcome().returned == 0);
    CHECK(side->ticks() == PingPongLoop::kMessages);
    CHECK(side->received() == std::string(PingPongLoop::kMessages, side->tag()));
  }
  // The runs overlapped in time: this really was concurrent.
  CHECK(a.started_at() < b.finished_at());
  CHECK(b.started_at() < a.finished_at());
}
