// ev_fork and ev_cleanup: watchers for a loop's life events, fork and destruction. Also: what a
// forked child needs from stat and async watchers (their kernel objects are made anew).
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace {

// Child exit-code bits for what went wrong in a forked child.
enum ForkFailure {
  kWrongOrder = 1,
  kStatMissing = 2,
  kAsyncMissing = 4,
  kTooMany = 8,
};

bool trace_has(const Trace &trace, const char *who) {
  for (const Firing &firing : trace) {
    if (firing.who == who) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("fork watchers run in the child after ev_loop_fork, before prepare, once", "[fork]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_fork> fork_a(trace, "fork-a"), fork_b(trace, "fork-b");
  Traced<ev_prepare> prepare(trace, "prepare");
  ev_fork_start(loop, &fork_a.w);
  ev_fork_start(loop, &fork_b.w);
  ev_prepare_start(loop, &prepare.w);
  ev_run(loop, EVRUN_NOWAIT);
  REQUIRE(trace == Trace{{"prepare", EV_PREPARE}});
  trace.clear();

  ChildStatus status = run_in_child([&]() -> int {
    ev_loop_fork(loop);
    ev_run(loop, EVRUN_NOWAIT);
    ev_run(loop, EVRUN_NOWAIT);
    Trace expected{
        {"fork-b", EV_FORK}, {"fork-a", EV_FORK}, {"prepare", EV_PREPARE}, {"prepare", EV_PREPARE}};
    return trace == expected ? 0 : kWrongOrder;
  });
  REQUIRE(status.exited);
  CHECK(status.exit_code == 0);

  // Nothing of that happened in the parent.
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"prepare", EV_PREPARE}});
  ev_fork_stop(loop, &fork_a.w);
  ev_fork_stop(loop, &fork_b.w);
  ev_prepare_stop(loop, &prepare.w);
}

TEST_CASE("EVFLAG_FORKCHECK runs fork watchers in a child without ev_loop_fork", "[fork]") {
  LoopGuard loop(EVFLAG_FORKCHECK);
  Trace trace;
  Traced<ev_fork> watcher(trace, "fork");
  ev_fork_start(loop, &watcher.w);
  ev_run(loop, EVRUN_NOWAIT);
  REQUIRE(trace.empty());
  ChildStatus status = run_in_child([&]() -> int {
    ev_run(loop, EVRUN_NOWAIT);
    ev_run(loop, EVRUN_NOWAIT);
    return trace == Trace{{"fork", EV_FORK}} ? 0 : kTooMany;
  });
  REQUIRE(status.exited);
  CHECK(status.exit_code == 0);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace.empty());
  ev_fork_stop(loop, &watcher.w);
}

TEST_CASE("stat and async watchers work in a forked child and still in the parent", "[fork]") {
  LoopGuard loop;
  TempDir dir;
  std::string path = dir.file("file");
  append_to_file(path, "0");
  Trace trace;
  Traced<ev_stat> stat(trace, "stat");
  ev_stat_set(&stat.w, path.c_str(), 0.);
  Traced<ev_async> async(trace, "async");
  ev_stat_start(loop, &stat.w);
  ev_async_start(loop, &async.w);
  ev_run(loop, EVRUN_NOWAIT);

  ChildStatus status = run_in_child([&]() -> int {
    ev_loop_fork(loop);
    ev_run(loop, EVRUN_NOWAIT);  // the child's inotify fd and wakeup fd are made here
    int fd = open(path.c_str(), O_WRONLY | O_APPEND);  // no Catch2 assertions in a child
    if (fd < 0 || write(fd, "c", 1) != 1) return kStatMissing;
    close(fd);
    ev_async_send(loop, &async.w);
    run_until(loop, [&] { return trace_has(trace, "stat") && trace_has(trace, "async"); });
    return (trace_has(trace, "stat") ? 0 : kStatMissing) |
           (trace_has(trace, "async") ? 0 : kAsyncMissing);
  });
  REQUIRE(status.exited);
  CHECK((status.exit_code & kStatMissing) == 0);
  CHECK((status.exit_code & kAsyncMissing) == 0);

  // The child's change is still news to the parent, whose inotify fd the child left alone.
  REQUIRE(run_until(loop, [&] { return trace_has(trace, "stat"); }));
  ev_async_send(loop, &async.w);
  REQUIRE(run_until(loop, [&] { return trace_has(trace, "async"); }));
  CHECK(stat.w.attr.st_size == 2);
  ev_stat_stop(loop, &stat.w);
  ev_async_stop(loop, &async.w);
}

TEST_CASE("cleanup watchers run at ev_loop_destroy only and never keep the loop alive",
          "[cleanup]") {
  struct ev_loop *loop = ev_loop_new(test_backend() | EVFLAG_NOENV);
  REQUIRE(loop);
  Trace trace;
  Traced<ev_cleanup> first(trace, "first"), stopped(trace, "stopped"), last(trace, "last");
  ev_cleanup_start(loop, &first.w);
  ev_cleanup_start(loop, &stopped.w);
  ev_cleanup_start(loop, &last.w);
  CHECK(ev_run(loop, 0) == 0);
  CHECK(trace.empty());
  ev_cleanup_stop(loop, &stopped.w);
  ev_loop_destroy(loop);
  // Queued in start order, hence invoked last-started first.
  CHECK(trace == Trace{{"last", EV_CLEANUP}, {"first", EV_CLEANUP}});
}

TEST_CASE("a cleanup watcher may stop the loop's other watchers while it is destroyed",
          "[cleanup]") {
  struct ev_loop *loop = ev_loop_new(test_backend() | EVFLAG_NOENV);
  REQUIRE(loop);
  struct Owner {
    ev_cleanup cleanup;
    ev_timer timer;
    ev_io io;
    bool timer_was_active = false;
  } owner;
  PipeFds pipe = make_pipe();
  ev_timer_init(&owner.timer, nullptr, 100., 0.);
  ev_io_init(&owner.io, nullptr, pipe.read_end.get(), EV_READ);
  ev_cleanup_init(&owner.cleanup, [](struct ev_loop *l, ev_cleanup *w, int) {
    auto *self = static_cast<Owner *>(w->data);
    self->timer_was_active = ev_is_active(&self->timer);
    ev_timer_stop(l, &self->timer);
    ev_io_stop(l, &self->io);
  });
  owner.cleanup.data = &owner;
  ev_timer_start(loop, &owner.timer);
  ev_io_start(loop, &owner.io);
  ev_cleanup_start(loop, &owner.cleanup);
  CHECK(ev_run(loop, EVRUN_NOWAIT) == 2);
  ev_loop_destroy(loop);
  CHECK(owner.timer_was_active);
  CHECK_FALSE(ev_is_active(&owner.timer));
  CHECK_FALSE(ev_is_active(&owner.io));
}
