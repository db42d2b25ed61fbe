/* Two ev_stat watchers on one path share one inotify watch: both see a change (in libev's
 * order), stopping one removes the kernel watch under the other, which must notice and watch
 * again so that it still sees the next change. Starting a watcher reports nothing by itself, and
 * ev_stat_stat refreshes attr so that the loop sees no change. Each change is made between
 * non-blocking runs; inotify reports it at once, so iteration numbers are stable. */
#include <fcntl.h>
#include <stdlib.h>

#include "compat.h"

static char dir[64], path[80];

static void append(const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  require(fd >= 0, "open");
  require(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
  close(fd);
}

static void on_stat(struct ev_loop *loop, ev_stat *w, int revents) {
  trace(loop, w, revents);
  printf("  size %ld -> %ld\n", (long)w->prev.st_size, (long)w->attr.st_size);
}

static void run_twice(struct ev_loop *loop) {
  printf("  run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("  run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
}

int main(void) {
  compat_begin();
  strcpy(dir, "/tmp/evring-compat-stat-XXXXXX");
  require(mkdtemp(dir) != NULL, "mkdtemp");
  snprintf(path, sizeof path, "%s/shared", dir);
  append("0");
  struct ev_loop *loop = ev_default_loop(0);
  ev_stat first, second;
  ev_stat_init(&first, on_stat, path, 0.);
  ev_stat_init(&second, on_stat, path, 0.);
  first.data = "first";
  second.data = "second";
  ev_stat_start(loop, &first);
  ev_stat_start(loop, &second);
  printf("started both\n");
  run_twice(loop);

  printf("append with both watching\n");
  append("1");
  run_twice(loop);

  printf("stop the second watcher\n");
  ev_stat_stop(loop, &second);
  run_twice(loop);

  printf("append with only the first watching\n");
  append("22");
  run_twice(loop);

  printf("append, then ev_stat_stat before the loop looks\n");
  append("333");
  ev_stat_stat(loop, &first);
  printf("  attr size now %ld\n", (long)first.attr.st_size);
  run_twice(loop);

  printf("restart the second watcher, append\n");
  ev_stat_start(loop, &second);
  append("4444");
  run_twice(loop);

  ev_stat_stop(loop, &first);
  ev_stat_stop(loop, &second);
  printf("all stopped: run returned %d\n", ev_run(loop, 0));
  unlink(path);
  rmdir(dir);
  return 0;
}
