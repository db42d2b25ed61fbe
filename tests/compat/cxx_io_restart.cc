// ev++.h: ev::io's set(fd, events) and set(events) on an active watcher stop and restart it
// (libev's freeze), which moves it to the front of its fd's watchers and cancels an event that
// was pending; start(fd, events) on an active watcher; is_active/is_pending through it all.
#include <ev++.h>

#include "compat.h"

static int fds[2];

static void on_io(ev::io &w, int revents) {
  printf("  %s %s\n", label_of(&w), revents_text(revents));
}

static void show(ev::io &w) {
  printf("  %s: active=%d pending=%d\n", label_of(&w), w.is_active(), w.is_pending());
}

static void round(ev::default_loop &loop, const char *what) {
  printf("%s\n", what);
  loop.run(ev::NOWAIT);
}

int main() {
  compat_begin();
  ev::default_loop loop;
  require(pipe(fds) == 0, "pipe");
  require(write(fds[1], "x", 1) == 1, "write");

  ev::io a, b, c;
  ev::io *all[] = {&a, &b, &c};
  const char *names[] = {"a", "b", "c"};
  for (int i = 0; i < 3; ++i) {
    all[i]->set<on_io>((void *)names[i]);
    all[i]->start(fds[0], ev::READ);
  }
  round(loop, "started a, b, c");

  a.set(fds[0], ev::READ);
  round(loop, "a.set(fd, READ) while active");

  b.set(ev::READ | ev::WRITE);
  round(loop, "b.set(READ|WRITE) while active");

  c.start(fds[0], ev::READ);
  round(loop, "c.start(fd, READ) while active");

  printf("events pending, then set()\n");
  a.feed_event(ev::READ);
  b.feed_event(ev::READ);
  show(a);
  show(b);
  a.set(ev::READ);
  b.stop();
  b.set(ev::READ);
  show(a);
  show(b);
  loop.run(ev::NOWAIT);

  printf("set(events) on a stopped watcher does not start it\n");
  b.set(ev::WRITE);
  show(b);
  b.start();
  round(loop, "b started for WRITE on the read end");

  printf("moved to the write end\n");
  b.set(fds[1], ev::WRITE);
  round(loop, "b on the write end");

  for (ev::io *w : all) w->stop();
  for (ev::io *w : all) show(*w);
  printf("run with everything stopped returned\n");
  loop.run();
  return 0;
}
