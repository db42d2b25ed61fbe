// ev++.h: ev::embed with an epoll loop (ev::dynamic_loop) embedded in the default loop. Without
// a callback the embedding loop sweeps it by itself; with a method callback, the callback gets
// EV_EMBED and calls sweep(); set_embed() on an active watcher; stop() ends the sweeping.
#include <ev++.h>

#include "compat.h"

static int fds[2];

static void on_readable(ev::io &w, int revents) {
  char byte;
  require(read(w.fd, &byte, 1) == 1, "read");
  printf("  inner: [iter %u] %s %s '%c'\n", w.loop.iteration(), label_of(&w), revents_text(revents),
         byte);
}

struct Embedder {
  int skip;
  void on_embed(ev::embed &w, int revents) {
    printf("  [iter %u] embed %s\n", w.loop.iteration(), revents_text(revents));
    if (skip > 0) {
      --skip;
      printf("  not sweeping\n");
      return;
    }
    w.sweep();
  }
};

static void outer_nowait(ev::loop_ref outer, ev::loop_ref inner, const char *what) {
  outer.run(ev::NOWAIT);
  printf("%s: outer iteration %u, inner iteration %u\n", what, outer.iteration(),
         inner.iteration());
}

int main() {
  compat_begin();
  ev::default_loop outer;
  ev::dynamic_loop inner(ev::EPOLL | ev::NOENV);
  require(pipe(fds) == 0, "pipe");
  ev::io reader(inner);
  reader.set<on_readable>((void *)"reader");
  reader.start(fds[0], ev::READ);

  printf("automatic sweeping\n");
  {
    ev::embed automatic(outer);
    automatic.set_(nullptr, nullptr);
    automatic.set_embed(inner);
    automatic.start();
    outer_nowait(outer, inner, "nothing ready");
    require(write(fds[1], "a", 1) == 1, "write");
    outer_nowait(outer, inner, "one byte");
    outer_nowait(outer, inner, "drained");
  }

  printf("callback sweeping, set_embed() while active\n");
  Embedder embedder{2};
  ev::embed manual(outer);
  manual.set<Embedder, &Embedder::on_embed>(&embedder);
  manual.set_embed(inner);
  manual.start();
  manual.set_embed(inner);
  printf("  active %d\n", manual.is_active());
  require(write(fds[1], "b", 1) == 1, "write");
  outer_nowait(outer, inner, "one byte, callback skips");
  outer_nowait(outer, inner, "still unswept, callback skips");
  outer_nowait(outer, inner, "callback sweeps");
  outer_nowait(outer, inner, "drained");

  printf("stopped\n");
  manual.stop();
  require(write(fds[1], "c", 1) == 1, "write");
  outer_nowait(outer, inner, "one byte, nobody sweeps");
  inner.run(ev::NOWAIT);
  reader.stop();
  return 0;
}
