// ev++.h: ev::stat. start(path, interval) on a missing file, then the file is created, grown
// and removed from the callbacks (each change must give one callback with prev -> attr);
// update() refreshes attr by hand; set() on an active watcher moves it to another path. Runs
// with inotify (the default loop) and with polling (EVFLAG_NOINOTIFY, untimed).
#include <ev++.h>

#include <fcntl.h>
#include <stdlib.h>

#include "compat.h"

static char dir[64], path[80], other[80];

static void append(const char *name, const char *text) {
  int fd = open(name, O_WRONLY | O_CREAT | O_APPEND, 0644);
  require(fd >= 0, "open");
  require(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
  close(fd);
}

// A missing file has nlink 0; its other fields are left as they were and are not shown.
static void describe(const char *what, const ev_statdata &st) {
  printf("%s nlink=%d", what, (int)st.st_nlink);
  if (st.st_nlink) printf(" size=%d", (int)st.st_size);
}

struct Watch {
  int step = 0;
  bool timed;
  void on_change(ev::stat &w, int revents) {
    if (timed)
      printf("  [iter %u] ", w.loop.iteration());
    else
      printf("  ");
    printf("%s %s: ", w.path == path ? "path" : "other", revents_text(revents));
    describe("prev", w.prev);
    describe(" -> attr", w.attr);
    printf("\n");
    switch (step++) {
      case 0:
        printf("  -> append 3 bytes\n");
        append(w.path, "abc");
        break;
      case 1:
        printf("  -> append 2 bytes\n");
        append(w.path, "de");
        break;
      case 2:
        printf("  -> remove\n");
        require(unlink(w.path) == 0, "unlink");
        break;
      default:
        w.stop();
    }
  }
};

static void exercise(ev::loop_ref loop, bool timed, ev::tstamp interval) {
  Watch watch;
  watch.timed = timed;
  ev::stat w(loop);
  w.set<Watch, &Watch::on_change>(&watch);
  w.start(path, interval);
  printf("  started on the missing file: nlink=%d\n", (int)w.attr.st_nlink);
  printf("  -> create\n");
  append(path, "x");
  loop.run();

  printf("  update() on the stopped watcher\n");
  append(path, "zz");
  w.update();
  describe("  after update():", w.attr);
  printf("\n");
  require(unlink(path) == 0, "unlink");

  printf("  set() while active moves it to another path\n");
  watch.step = 3;
  w.start(path, interval);
  w.set(other, interval);
  printf("  active=%d\n", w.is_active());
  append(other, "12345");
  loop.run();
  require(unlink(other) == 0, "unlink");
}

int main() {
  compat_begin();
  strcpy(dir, "/tmp/evring-cxx-stat.XXXXXX");
  require(mkdtemp(dir) != nullptr, "mkdtemp");
  snprintf(path, sizeof path, "%s/file", dir);
  snprintf(other, sizeof other, "%s/other", dir);

  printf("inotify\n");
  ev::default_loop loop;
  exercise(loop, true, 0.);

  printf("polling\n");
  // LIBEV_FLAGS would replace EVFLAG_NOINOTIFY: pass its backend under EVFLAG_NOENV instead.
  const char *env = getenv("LIBEV_FLAGS");
  ev::dynamic_loop polling((env ? (unsigned)atoi(env) : 0) | ev::NOENV | EVFLAG_NOINOTIFY);
  exercise(polling, false, 0.1);
  rmdir(dir);
  return 0;
}
