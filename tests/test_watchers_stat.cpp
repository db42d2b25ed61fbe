// ev_stat: a callback whenever lstat() of the path changes (prev -> attr), found through inotify
// where possible and by polling otherwise (EVFLAG_NOINOTIFY, or what inotify cannot see).
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

// libev's minimum polling interval, which smaller nonzero intervals are raised to.
constexpr double kMinInterval = 0.1074891;

// A stat watcher counting its callbacks and keeping the prev/attr pair of the last one.
struct CountingStat {
  ev_stat w;
  int calls = 0;
  int last_revents = 0;
  ev_statdata prev{}, attr{};

  CountingStat(const std::string &path, double interval) : path_(path) {
    ev_stat_init(&w, &CountingStat::on_change, path_.c_str(), interval);
    w.data = this;
  }

  static void on_change(struct ev_loop *, ev_stat *watcher, int revents) {
    auto *self = static_cast<CountingStat *>(watcher->data);
    ++self->calls;
    self->last_revents = revents;
    self->prev = watcher->prev;
    self->attr = watcher->attr;
  }

 private:
  std::string path_;  // the watcher keeps a pointer to it
};

// Runs until the watcher's next callback; false if none came within the guard time.
bool next_change(struct ev_loop *loop, CountingStat &watcher) {
  int before = watcher.calls;
  bool changed = run_until(loop, [&] { return watcher.calls > before; });
  return changed && watcher.calls == before + 1;
}

std::set<int> inotify_fds() {
  std::set<int> fds;
  DIR *dir = opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (dirent *entry = readdir(dir)) {
    char target[64] = {};
    std::string link = std::string("/proc/self/fd/") + entry->d_name;
    if (readlink(link.c_str(), target, sizeof target - 1) > 0 &&
        std::string(target) == "anon_inode:inotify")
      fds.insert(atoi(entry->d_name));
  }
  closedir(dir);
  return fds;
}

}  // namespace

TEST_CASE("ev_stat reports a path being created, grown, renamed over, renamed away and removed",
          "[stat]") {
  unsigned flags = GENERATE(0u, unsigned(EVFLAG_NOINOTIFY));
  INFO((flags ? "polling" : "inotify"));
  LoopGuard loop(flags);
  TempDir dir;
  std::string path = dir.file("watched");
  CountingStat watcher(path, flags ? 0.01 : 0.);
  ev_stat_start(loop, &watcher.w);
  CHECK(watcher.w.attr.st_nlink == 0);  // missing

  append_to_file(path, "abc");
  REQUIRE(next_change(loop, watcher));
  CHECK(watcher.last_revents == EV_STAT);
  CHECK(watcher.prev.st_nlink == 0);
  CHECK(watcher.attr.st_nlink == 1);
  CHECK(watcher.attr.st_size == 3);
  ino_t first_inode = watcher.attr.st_ino;

  append_to_file(path, "de");
  REQUIRE(next_change(loop, watcher));
  CHECK(watcher.prev.st_size == 3);
  CHECK(watcher.attr.st_size == 5);
  CHECK(watcher.attr.st_ino == first_inode);

  std::string other = dir.file("other");
  append_to_file(other, "1234567");
  REQUIRE(rename(other.c_str(), path.c_str()) == 0);
  REQUIRE(next_change(loop, watcher));
  CHECK(watcher.prev.st_ino == first_inode);
  CHECK(watcher.attr.st_ino != first_inode);
  CHECK(watcher.attr.st_size == 7);

  std::string away = dir.file("away");
  REQUIRE(rename(path.c_str(), away.c_str()) == 0);
  REQUIRE(next_change(loop, watcher));
  CHECK(watcher.prev.st_nlink == 1);
  CHECK(watcher.attr.st_nlink == 0);

  REQUIRE(rename(away.c_str(), path.c_str()) == 0);
  REQUIRE(next_change(loop, watcher));
  CHECK(watcher.attr.st_nlink == 1);
  CHECK(watcher.attr.st_size == 7);

  REQUIRE(chmod(path.c_str(), 0600) == 0);
  REQUIRE(next_change(loop, watcher));
  CHECK((watcher.attr.st_mode & 0777) == 0600);

  REQUIRE(unlink(path.c_str()) == 0);
  REQUIRE(next_change(loop, watcher));
  CHECK(watcher.attr.st_nlink == 0);
  CHECK(watcher.w.attr.st_nlink == 0);

  // Nothing changes any more: no further callbacks.
  CHECK_FALSE(run_until(
      loop, [] { return false; }, 3 * kMinInterval));
  CHECK(watcher.calls == 7);
  ev_stat_stop(loop, &watcher.w);
}

TEST_CASE("starting ev_stat reports nothing; ev_stat_stat refreshes attr without a callback",
          "[stat]") {
  LoopGuard loop;
  TempDir dir;
  std::string path = dir.file("file");
  append_to_file(path, "x");
  CountingStat watcher(path, 0.);
  ev_stat_start(loop, &watcher.w);
  CHECK(watcher.w.attr.st_nlink == 1);
  CHECK(watcher.w.attr.st_size == 1);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(watcher.calls == 0);

  append_to_file(path, "yz");
  ev_stat_stat(loop, &watcher.w);
  CHECK(watcher.w.attr.st_size == 3);
  // The loop compares against the refreshed attr, so this change goes unreported.
  for (int i = 0; i < 3; ++i) ev_run(loop, EVRUN_NOWAIT);
  CHECK(watcher.calls == 0);
  ev_stat_stop(loop, &watcher.w);
}

TEST_CASE("ev_stat intervals: 0 means libev's default, small ones are raised to its minimum",
          "[stat]") {
  LoopGuard loop;
  ev_stat chosen, tiny, negative;
  ev_stat_init(&chosen, nullptr, "/", 0.);
  ev_stat_init(&tiny, nullptr, "/", 0.001);
  ev_stat_init(&negative, nullptr, "/", -1.);
  ev_stat_start(loop, &chosen);
  ev_stat_start(loop, &tiny);
  ev_stat_start(loop, &negative);
  CHECK(chosen.interval == 0.);
  CHECK(tiny.interval == kMinInterval);
  CHECK(negative.interval == kMinInterval);
  for (ev_stat *w : {&chosen, &tiny, &negative}) ev_stat_stop(loop, w);
}

TEST_CASE("a stat watcher keeps the loop alive; its internal watchers do not", "[stat]") {
  unsigned flags = GENERATE(0u, unsigned(EVFLAG_NOINOTIFY));
  LoopGuard loop(flags);
  TempDir dir;
  CountingStat present(dir.file("present"), 0.);
  CountingStat missing(dir.file("missing"), 0.);
  append_to_file(dir.file("present"), "x");
  ev_stat_start(loop, &present.w);
  ev_stat_start(loop, &missing.w);
  CHECK(ev_run(loop, EVRUN_NOWAIT) == 2);
  ev_stat_stop(loop, &present.w);
  ev_stat_stop(loop, &missing.w);
  CHECK(ev_run(loop, EVRUN_NOWAIT) == 0);
}

TEST_CASE("two watchers of one path both see a change, and stopping one keeps the other working",
          "[stat]") {
  LoopGuard loop;
  TempDir dir;
  std::string path = dir.file("shared");
  append_to_file(path, "0");
  CountingStat first(path, 0.), second(path, 0.);
  ev_stat_start(loop, &first.w);
  ev_stat_start(loop, &second.w);

  append_to_file(path, "1");
  REQUIRE(run_until(loop, [&] { return first.calls && second.calls; }));
  // The second one dropped the inotify watch both shared: the first must watch again.
  ev_stat_stop(loop, &second.w);
  for (int i = 0; i < 2; ++i) ev_run(loop, EVRUN_NOWAIT);
  append_to_file(path, "22");
  REQUIRE(next_change(loop, first));
  CHECK(first.attr.st_size == 4);
  CHECK(second.calls == 1);
  ev_stat_stop(loop, &first.w);
}

TEST_CASE("a path created below a missing directory is found by the polling timer", "[stat]") {
  LoopGuard loop;
  TempDir dir;
  std::string subdir = dir.file("sub");
  std::string path = subdir + "/file";
  CountingStat watcher(path, 0.01);  // inotify can only watch dir, which sees just the mkdir
  ev_stat_start(loop, &watcher.w);
  REQUIRE(mkdir(subdir.c_str(), 0755) == 0);
  append_to_file(path, "deep");
  REQUIRE(next_change(loop, watcher));
  CHECK(watcher.attr.st_size == 4);
  ev_stat_stop(loop, &watcher.w);
  REQUIRE(unlink(path.c_str()) == 0);
}

TEST_CASE("the inotify fd of a loop is close-on-exec and non-blocking", "[stat]") {
  std::set<int> before = inotify_fds();
  LoopGuard loop;
  ev_stat watcher;
  ev_stat_init(&watcher, nullptr, "/tmp", 0.);
  ev_stat_start(loop, &watcher);
  std::set<int> after = inotify_fds();
  REQUIRE(after.size() == before.size() + 1);
  for (int fd : after) {
    if (before.count(fd)) continue;
    CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  }
  ev_stat_stop(loop, &watcher);
}
