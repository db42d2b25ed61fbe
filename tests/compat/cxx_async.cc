// ev++.h: ev::async. send() before the watcher runs (async_pending() shows it, one callback),
// send() to a stopped watcher (pending, but start() forgets it), and send() from
// another thread while the loop waits: the thread starts sending once the loop is about to
// block (announced by a prepare watcher through a pipe), so the send is what wakes the loop.
#include <ev++.h>

#include <thread>

#include "compat.h"

static int go[2];
static int callbacks;

static void on_async(ev::async &w, int revents) {
  ++callbacks;
  printf("  %s %s pending now %d\n", label_of(&w), revents_text(revents), w.async_pending());
  w.stop();
}

static void announce(ev::prepare &w, int) {
  require(write(go[1], "g", 1) == 1, "write");
  w.stop();
}

int main() {
  compat_begin();
  ev::default_loop loop;
  ev::async wake;
  wake.set<on_async>((void *)"wake");

  printf("two sends before running\n");
  wake.start();
  wake.send();
  wake.send();
  printf("  pending %d\n", wake.async_pending());
  loop.run();
  printf("  callbacks %d\n", callbacks);

  printf("send to a stopped watcher\n");
  wake.send();
  printf("  pending %d active %d\n", wake.async_pending(), wake.is_active());
  loop.run(ev::NOWAIT);
  printf("  callbacks %d\n", callbacks);
  wake.start();
  printf("  started: pending %d\n", wake.async_pending());
  wake.send();
  loop.run();
  printf("  callbacks %d\n", callbacks);

  printf("send from another thread\n");
  require(pipe(go) == 0, "pipe");
  ev::prepare before_block;
  before_block.set<announce>();
  before_block.start();
  wake.start();
  std::thread sender([&wake] {
    char byte;
    require(read(go[0], &byte, 1) == 1, "read");
    wake.send();
  });
  loop.run();
  sender.join();
  printf("  callbacks %d\n", callbacks);
  return 0;
}
