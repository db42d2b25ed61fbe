// Every watcher type at once on the default loop, on the backend under test: each delivers its
// own event, once, and they do not disturb each other.
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// Counts events per watcher name and stops every watcher after its first event.
struct Tally {
  std::map<std::string, std::vector<int>> events;

  bool saw(const std::string &who) const { return events.count(who) != 0; }
};

template <class Watcher>
struct Counted {
  Watcher w;
  Tally *tally;
  std::string name;
  void (*stop)(struct ev_loop *, Watcher *) noexcept;

  Counted(Tally &into, std::string who, void (*stopper)(struct ev_loop *, Watcher *) noexcept)
      : tally(&into), name(std::move(who)), stop(stopper) {
    ev_init(&w, &Counted::on_event);
    w.data = this;
  }
  static void on_event(struct ev_loop *loop, Watcher *watcher, int revents) {
    auto *self = static_cast<Counted *>(watcher->data);
    self->tally->events[self->name].push_back(revents);
    self->stop(loop, watcher);
  }
};

// The embed watcher's "stop": sweep the embedded loop first, as its callback must.
void sweep_and_stop(struct ev_loop *loop, ev_embed *w) noexcept {
  ev_embed_sweep(loop, w);
  ev_embed_stop(loop, w);
}

}  // namespace

TEST_CASE("every watcher type delivers its own event on this backend", "[all]") {
  Tally tally;
  TempDir dir;
  std::string path = dir.file("stat");
  PipeFds pipe = make_pipe();
  struct ev_loop *inner = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  REQUIRE(inner);
  PipeFds inner_pipe = make_pipe();
  Counted<ev_io> inner_io(tally, "embedded-io", ev_io_stop);
  ev_io_set(&inner_io.w, inner_pipe.read_end.get(), EV_READ);
  ev_io_start(inner, &inner_io.w);
  ev_run(inner, EVRUN_NOWAIT);

  Counted<ev_cleanup> cleanup(tally, "cleanup", ev_cleanup_stop);
  {
    DefaultLoopGuard loop;
    Counted<ev_io> io(tally, "io", ev_io_stop);
    Counted<ev_timer> timer(tally, "timer", ev_timer_stop);
    Counted<ev_periodic> periodic(tally, "periodic", ev_periodic_stop);
    Counted<ev_signal> signal(tally, "signal", ev_signal_stop);
    Counted<ev_child> child(tally, "child", ev_child_stop);
    Counted<ev_stat> stat(tally, "stat", ev_stat_stop);
    Counted<ev_idle> idle(tally, "idle", ev_idle_stop);
    Counted<ev_prepare> prepare(tally, "prepare", ev_prepare_stop);
    Counted<ev_check> check(tally, "check", ev_check_stop);
    Counted<ev_fork> fork(tally, "fork", ev_fork_stop);
    Counted<ev_async> async(tally, "async", ev_async_stop);
    Counted<ev_embed> embed(tally, "embed", sweep_and_stop);

    ev_io_set(&io.w, pipe.read_end.get(), EV_READ);
    ev_timer_set(&timer.w, 0.005, 0.);
    ev_periodic_set(&periodic.w, ev_now(loop) + 0.01, 0., nullptr);
    ev_signal_set(&signal.w, SIGUSR1);
    pid_t pid = fork_exiting_child(4);
    ev_child_set(&child.w, pid, 0);
    ev_stat_set(&stat.w, path.c_str(), 0.);
    ev_embed_set(&embed.w, inner);
    ev_io_start(loop, &io.w);
    ev_timer_start(loop, &timer.w);
    ev_periodic_start(loop, &periodic.w);
    ev_signal_start(loop, &signal.w);
    ev_child_start(loop, &child.w);
    ev_stat_start(loop, &stat.w);
    ev_idle_start(loop, &idle.w);
    ev_prepare_start(loop, &prepare.w);
    ev_check_start(loop, &check.w);
    ev_fork_start(loop, &fork.w);
    ev_async_start(loop, &async.w);
    ev_embed_start(loop, &embed.w);
    ev_cleanup_start(loop, &cleanup.w);

    // Fork watchers run even for a pretend fork; it also renews the loop's kernel objects
    // (inotify included), so the changes below come after that first iteration.
    ev_loop_fork(loop);
    ev_run(loop, EVRUN_NOWAIT);
    write_byte(pipe.write_end.get());
    write_byte(inner_pipe.write_end.get());
    raise(SIGUSR1);
    append_to_file(path, "x");
    ev_async_send(loop, &async.w);
    RunOutcome outcome = run_guarded(loop);
    CHECK_FALSE(outcome.guard_fired);
    CHECK(outcome.returned == 0);
    CHECK_FALSE(tally.saw("cleanup"));
    // The embed watcher swept the embedded loop, which ran its io watcher.
    CHECK(tally.saw("embedded-io"));
  }
  ev_loop_destroy(inner);

  const std::map<std::string, std::vector<int>> expected{
      {"io", {EV_READ}},         {"timer", {EV_TIMER}},     {"periodic", {EV_PERIODIC}},
      {"signal", {EV_SIGNAL}},   {"child", {EV_CHILD}},     {"stat", {EV_STAT}},
      {"idle", {EV_IDLE}},       {"prepare", {EV_PREPARE}}, {"check", {EV_CHECK}},
      {"fork", {EV_FORK}},       {"async", {EV_ASYNC}},     {"embed", {EV_EMBED}},
      {"cleanup", {EV_CLEANUP}}, {"embedded-io", {EV_READ}}};
  for (const auto &entry : expected) {
    INFO(entry.first);
    CHECK(tally.events[entry.first] == entry.second);
  }
}
