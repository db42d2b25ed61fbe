// The C++ API (<ev++.h>). The libev-compatible part runs against libev too; evring's additions
// (C++17 callables owned by the watcher, ev::cleanup, the extra loop_ref members) are tagged
// [evring] and compiled only against evring. tests/compat/cxx_*.cc compare the libev-compatible
// part with libev program by program.
#include <ev++.h>

#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unistd.h>
#include <vector>

namespace {

struct Reader {
  std::vector<std::string> log;
  void on_read(ev::io &w, int revents) {
    log.push_back(drain(w.fd) + "/" + revents_name(revents) + (w.data == this ? "/data" : ""));
  }
};

unsigned loop_flags() {
  return test_backend() | EVFLAG_NOENV;
}

}  // namespace

TEST_CASE("ev++: watcher classes and loops can be neither copied nor moved", "[core][cxx]") {
  // The loop keeps pointers to started watchers, and a dynamic_loop owns its loop: a copy or a
  // move would leave one of them dangling, so both headers refuse them at compile time.
  STATIC_REQUIRE_FALSE(std::is_copy_constructible<ev::io>::value);
  STATIC_REQUIRE_FALSE(std::is_move_constructible<ev::io>::value);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable<ev::timer>::value);
  STATIC_REQUIRE_FALSE(std::is_move_assignable<ev::timer>::value);
  STATIC_REQUIRE_FALSE(std::is_move_constructible<ev::dynamic_loop>::value);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable<ev::default_loop>::value);
  STATIC_REQUIRE(std::is_copy_constructible<ev::loop_ref>::value);
  // A watcher is its ev.h struct, so C code can be handed one.
  STATIC_REQUIRE(std::is_base_of<ev_io, ev::io>::value);
  STATIC_REQUIRE(std::is_base_of<ev_signal, ev::sig>::value);
}

TEST_CASE("ev++: a dynamic_loop that no allowed backend can serve throws ev::bad_loop",
          "[core][cxx]") {
  CHECK_THROWS_AS(ev::dynamic_loop(ev::KQUEUE | ev::NOENV), ev::bad_loop);
  CHECK_THROWS_AS(ev::dynamic_loop(ev::PORT | ev::NOENV), std::exception);
  CHECK_NOTHROW(ev::dynamic_loop(ev::SELECT | ev::NOENV));
}

TEST_CASE("ev++: an io watcher with a method callback reads a pipe on the loop it was given",
          "[cxx]") {
  ev::dynamic_loop loop(loop_flags());
  PipeFds pipe = make_pipe();
  Reader reader;
  ev::io w(loop);
  w.set<Reader, &Reader::on_read>(&reader);
  w.start(pipe.read_end.get(), ev::READ);
  write_byte(pipe.write_end.get(), 'a');
  loop.run(ev::ONCE);
  CHECK(reader.log == std::vector<std::string>{"a/READ/data"});
  CHECK(w.is_active());
  CHECK(w.loop == loop);
}

TEST_CASE("ev++: set() on an active watcher restarts it and drops its pending event", "[cxx]") {
  ev::dynamic_loop loop(loop_flags());
  PipeFds pipe = make_pipe();
  Reader reader;
  ev::io w(loop);
  w.set<Reader, &Reader::on_read>(&reader);
  w.start(pipe.read_end.get(), ev::READ);
  w.feed_event(ev::READ);
  REQUIRE(w.is_pending());
  w.set(ev::READ | ev::WRITE);
  CHECK(w.is_active());
  CHECK_FALSE(w.is_pending());
  CHECK((w.events & (ev::READ | ev::WRITE)) == (ev::READ | ev::WRITE));
  loop.run(ev::NOWAIT);
  CHECK(reader.log.empty());  // not readable, and the fed event is gone
}

TEST_CASE("ev++: set(loop) moves an inactive watcher, set(events) keeps its meaning", "[cxx]") {
  ev::dynamic_loop first(loop_flags()), second(loop_flags());
  ev::timer w(first);
  w.set(second);
  CHECK(w.loop == second);
  ev::io io(first);
  io.set(0, ev::READ);
  io.set(ev::WRITE);
  CHECK((io.events & (ev::READ | ev::WRITE)) == ev::WRITE);
}

TEST_CASE("ev++: a watcher destroyed while active and pending gets no callback", "[cxx]") {
  ev::dynamic_loop loop(loop_flags());
  PipeFds pipe = make_pipe();
  Reader reader;
  {
    ev::io w(loop);
    w.set<Reader, &Reader::on_read>(&reader);
    w.start(pipe.read_end.get(), ev::READ);
    w.feed_event(ev::READ);
  }
  write_byte(pipe.write_end.get());
  RunOutcome outcome = run_guarded(loop);
  CHECK_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);  // nothing left active
  CHECK(reader.log.empty());
}

#ifdef EVRING

namespace {

// Counts the live copies of a callable's captures, to prove the watcher keeps exactly one and
// frees it when it should.
struct Census {
  int alive = 0;
  int calls = 0;
};

class Token {
 public:
  explicit Token(Census *census) : census_(census) { ++census_->alive; }
  Token(const Token &other) : census_(other.census_) { ++census_->alive; }
  Token(Token &&other) noexcept : census_(other.census_) { ++census_->alive; }
  Token &operator=(const Token &) = delete;
  ~Token() { --census_->alive; }
  Census &census() const { return *census_; }

 private:
  Census *census_;
};

}  // namespace

TEST_CASE("ev++ C++17: a watcher calls a capturing lambda with itself and the revents",
          "[evring][cxx]") {
  ev::dynamic_loop loop(loop_flags());
  PipeFds pipe = make_pipe();
  std::vector<std::string> log;
  ev::io w(loop);
  w.data = &log;  // left alone by set(callable)
  w.set([&log, fd = pipe.read_end.get()](ev::io &self, int revents) {
    log.push_back(drain(self.fd) + "/" + revents_name(revents) +
                  (self.fd == fd ? "/same-fd" : "/other-fd"));
    self.stop();
  });
  w.start(pipe.read_end.get(), ev::READ);
  write_byte(pipe.write_end.get(), 'b');
  RunOutcome outcome = run_guarded(loop);
  CHECK_FALSE(outcome.guard_fired);
  CHECK(log == std::vector<std::string>{"b/READ/same-fd"});
  CHECK(w.data == &log);
}

TEST_CASE("ev++ C++17: the watcher owns one copy of its callable and frees it exactly once",
          "[evring][cxx]") {
  ev::dynamic_loop loop(loop_flags());
  Census census;
  {
    ev::idle w(loop);
    w.set([token = Token(&census)](ev::idle &self, int) {
      ++token.census().calls;
      self.stop();
    });
    CHECK(census.alive == 1);
    Census replacement;
    w.set([token = Token(&replacement)](ev::idle &self, int) {
      ++token.census().calls;
      self.stop();
    });
    CHECK(census.alive == 0);  // replaced: the first callable is gone
    CHECK(replacement.alive == 1);
    w.start();
    loop.run();
    CHECK(replacement.calls == 1);
    CHECK(census.calls == 0);

    // Every other way of setting a callback lets go of the owned one too.
    w.set([token = Token(&census)](ev::idle &, int) {});
    CHECK(census.alive == 1);
    w.set_(nullptr, [](struct ev_loop *, ev_idle *, int) {});
    CHECK(census.alive == 0);

    w.set([token = Token(&census)](ev::idle &, int) {});
    CHECK(census.alive == 1);
  }
  CHECK(census.alive == 0);  // destroyed with the watcher
}

TEST_CASE("ev++ C++17: a callable may destroy its own watcher; its captures live until it returns",
          "[evring][cxx]") {
  ev::dynamic_loop loop(loop_flags());
  Census census;
  bool captures_alive_after_delete = false;
  auto *w = new ev::timer(loop);
  w->set([token = Token(&census), &captures_alive_after_delete](ev::timer &self, int) {
    delete &self;
    captures_alive_after_delete = token.census().alive == 1;
  });
  w->start(0.);
  RunOutcome outcome = run_guarded(loop);
  CHECK_FALSE(outcome.guard_fired);
  CHECK(captures_alive_after_delete);
  CHECK(census.alive == 0);  // freed once the call returned
}

TEST_CASE("ev++ C++17: a callable may replace itself, also when it then throws", "[evring][cxx]") {
  ev::dynamic_loop loop(loop_flags());
  Census first, second;
  ev::idle w(loop);
  w.set([token = Token(&first), &second](ev::idle &self, int) {
    self.set([token2 = Token(&second)](ev::idle &again, int) {
      ++token2.census().calls;
      again.stop();
    });
    ++token.census().calls;  // still valid: the replaced callable outlives this call
    throw std::runtime_error("after replacing itself");
  });
  w.start();
  CHECK_THROWS_AS(loop.run(), std::runtime_error);
  CHECK(first.calls == 1);
  CHECK(first.alive == 0);  // freed as the exception left the call
  CHECK(second.alive == 1);
  loop.run();
  CHECK(second.calls == 1);
}

TEST_CASE("ev++ C++17: nested runs may call the same callable again while it runs",
          "[evring][cxx]") {
  ev::dynamic_loop loop(loop_flags());
  Census census;
  std::vector<int> depths;
  ev::idle w(loop);
  w.set([token = Token(&census), &depths](ev::idle &self, int) {
    depths.push_back(static_cast<int>(self.loop.depth()));
    if (depths.size() == 1) {
      self.loop.run(ev::ONCE);  // the still-active idle watcher runs again in here
    } else {
      self.stop();
    }
  });
  w.start();
  loop.run();
  CHECK(depths == std::vector<int>{1, 2});
  CHECK(census.alive == 1);
}

TEST_CASE("ev++ C++17: function pointers, std::function and mutable lambdas are callables",
          "[evring][cxx]") {
  ev::dynamic_loop loop(loop_flags());
  static int plain_calls;
  plain_calls = 0;
  void (*plain)(ev::idle &, int) = [](ev::idle &self, int) {
    ++plain_calls;
    self.stop();
  };
  int function_calls = 0;
  std::function<void(ev::idle &, int)> function = [&function_calls](ev::idle &self, int) {
    ++function_calls;
    self.stop();
  };
  int counter = 0;
  auto counting = [counter](ev::idle &self, int) mutable {
    if (++counter == 3) self.stop();
  };
  ev::idle a(loop), b(loop), c(loop);
  a.set(plain);
  b.set(function);
  c.set(counting);
  a.start();
  b.start();
  c.start();
  loop.run();
  CHECK(plain_calls == 1);
  CHECK(function_calls == 1);
  CHECK(counter == 0);  // the watcher's copy counted, not this one
  CHECK_FALSE(c.is_active());
}

TEST_CASE("ev++ C++17: set(&functor) keeps libev's meaning: called through the pointer, not owned",
          "[evring][cxx]") {
  struct Functor {
    int calls = 0;
    void operator()(ev::idle &w, int) {
      ++calls;
      w.stop();
    }
  } functor;
  ev::dynamic_loop loop(loop_flags());
  ev::idle w(loop);
  w.set(&functor);
  CHECK(w.data == &functor);
  w.start();
  loop.run();
  CHECK(functor.calls == 1);
}

TEST_CASE("ev++ C++17: io, timer, periodic, prepare, check, async and fork watchers take lambdas",
          "[evring][cxx]") {
  ev::dynamic_loop loop(loop_flags());
  Trace trace;
  auto record = [&trace](const char *name) {
    return [&trace, name](auto &w, int revents) {
      trace.push_back({name, revents});
      w.stop();
    };
  };
  PipeFds pipe = make_pipe();
  ev::io io(loop);
  ev::timer timer(loop);
  ev::periodic periodic(loop);
  ev::prepare prepare(loop);
  ev::check check(loop);
  ev::async async(loop);
  ev::fork fork(loop);
  io.set(record("io"));
  timer.set(record("timer"));
  periodic.set(record("periodic"));
  prepare.set(record("prepare"));
  check.set(record("check"));
  async.set(record("async"));
  fork.set(record("fork"));
  io.start(pipe.write_end.get(), ev::WRITE);
  timer.start(0.);
  periodic.start(0.);
  prepare.start();
  check.start();
  async.start();
  async.send();
  fork.start();
  loop.post_fork();
  RunOutcome outcome = run_guarded(loop);
  CHECK_FALSE(outcome.guard_fired);
  std::sort(trace.begin(), trace.end(),
            [](const Firing &a, const Firing &b) { return a.who < b.who; });
  CHECK(trace == Trace{{"async", EV_ASYNC},
                       {"check", EV_CHECK},
                       {"fork", EV_FORK},
                       {"io", EV_WRITE},
                       {"periodic", EV_PERIODIC},
                       {"prepare", EV_PREPARE},
                       {"timer", EV_TIMER}});
}

TEST_CASE("ev++ C++17: loop_ref::once runs a capturing lambda once and frees it", "[evring][cxx]") {
  ev::dynamic_loop loop(loop_flags());
  PipeFds pipe = make_pipe();
  Census census;
  std::vector<std::string> log;
  loop.once(-1, 0, 0., [token = Token(&census), &log](int revents) {
    ++token.census().calls;
    log.push_back("timeout/" + revents_name(revents));
  });
  write_byte(pipe.write_end.get());
  loop.once(pipe.read_end.get(), ev::READ, 10.,
            [&log](int revents) { log.push_back("read/" + revents_name(revents)); });
  CHECK(census.alive == 1);
  RunOutcome outcome = run_guarded(loop);
  CHECK_FALSE(outcome.guard_fired);
  CHECK(census.calls == 1);
  CHECK(census.alive == 0);
  std::sort(log.begin(), log.end());
  CHECK(log == std::vector<std::string>{"read/READ", "timeout/TIMER"});
}

TEST_CASE("ev++: ev::cleanup runs when its dynamic_loop is destroyed", "[evring][cxx]") {
  std::vector<int> revents_seen;
  auto loop = std::make_unique<ev::dynamic_loop>(loop_flags());
  ev::cleanup w(*loop);
  w.set([&revents_seen](ev::cleanup &self, int revents) {
    revents_seen.push_back(revents);
    self.stop();  // the loop is going away: stopped, the watcher's destructor will not touch it
  });
  w.start();
  loop->run();  // cleanup watchers do not keep a loop running, and do not run with it
  CHECK(revents_seen.empty());
  loop.reset();
  CHECK(revents_seen == std::vector<int>{EV_CLEANUP});
  CHECK_FALSE(w.is_active());
}

TEST_CASE("ev++: evring's loop_ref members and free functions map to the C API", "[evring][cxx]") {
  ev::dynamic_loop loop(loop_flags());
  ev::tstamp before = ev::time();
  loop.now_update();
  CHECK(loop.now() >= before - 0.001);
  CHECK(ev::now(loop) == ev_now(loop));

  ev::idle a(loop), b(loop);
  int calls = 0;
  a.set([&calls](ev::idle &, int) { ++calls; });
  b.set([&calls](ev::idle &, int) { ++calls; });
  a.feed_event(ev::IDLE);
  b.feed_event(ev::IDLE);
  CHECK(loop.pending_count() == 2);
  loop.invoke_pending();
  CHECK(calls == 2);
  CHECK(loop.pending_count() == 0);

  loop.suspend();
  loop.resume();
  loop.verify();
  b();  // operator(): the callback, as the loop would call it
  CHECK(calls == 3);
}

#endif  // EVRING
