// ev++.h: ev::loop_ref. Comparisons with other loop_refs and raw loop pointers, the conversions
// to struct ev_loop *, is_default() and get_default_loop(), and the members over the C API:
// run with flags, iteration, depth, backend, now, ref/unref (an unreferenced watcher does not
// keep run() going), the collect intervals, feed_fd_event and feed_signal_event.
#include <ev++.h>

#include <signal.h>
#include <stdlib.h>

#include "compat.h"

static int fds[2];

static void on_io(ev::io &w, int revents) {
  printf("  [iter %u depth %u] %s %s\n", w.loop.iteration(), w.loop.depth(), label_of(&w),
         revents_text(revents));
}

static void on_signal(ev::sig &w, int revents) {
  printf("  [iter %u] %s %s\n", w.loop.iteration(), label_of(&w), revents_text(revents));
}

static void on_timer(ev::timer &w, int revents) {
  printf("  %s %s\n", label_of(&w), revents_text(revents));
}

int main() {
  compat_begin();
  ev::default_loop def;
  const char *env = getenv("LIBEV_FLAGS");
  ev::dynamic_loop own((env ? (unsigned)atoi(env) : 0) | ev::NOENV);
  ev::loop_ref def_ref = def, own_ref = own;
  // Comparing a loop_ref with a non-const struct ev_loop * is ambiguous (the member taking a
  // const pointer against the built-in comparison through the conversion): compare with a
  // const pointer, or with raw_loop.
  struct ev_loop *raw = def;
  const struct ev_loop *const_raw = own, *const_def = raw;

  printf("comparisons\n");
  printf("  def == def_ref %d, def != own %d, own_ref == own %d\n", def == def_ref, def != own,
         own_ref == own);
  printf("  def_ref == const_def %d, own_ref == const_raw %d, own_ref != const_def %d\n",
         def_ref == const_def, own_ref == const_raw, own_ref != const_def);
  printf("  get_default_loop() == def %d, EV_DEFAULT == def %d\n", ev::get_default_loop() == def,
         def == ev::loop_ref(EV_DEFAULT));
  printf("  is_default: def %d own %d\n", def.is_default(), own.is_default());
  printf("  raw_loop is the loop: %d\n", own.raw_loop == (struct ev_loop *)own);

  printf("loop state\n");
  printf("  backend matches ev_backend: %d, supported: %d\n", own.backend() == ev_backend(own),
         !!(own.backend() & ev::supported_backends()));
  printf("  now matches ev_now: %d, iteration %u depth %u\n", own.now() == ev_now(own),
         own.iteration(), own.depth());
  own.set_io_collect_interval(0.);
  own.set_timeout_collect_interval(0.);

  printf("feed_fd_event on a watched fd\n");
  require(pipe(fds) == 0, "pipe");
  ev::io reader(own), writer(own);
  reader.set<on_io>((void *)"reader");
  writer.set<on_io>((void *)"writer");
  reader.start(fds[0], ev::READ);
  writer.start(fds[0], ev::WRITE);
  own.feed_fd_event(fds[0], ev::READ | ev::WRITE);
  own.run(ev::NOWAIT);
  printf("  iteration %u\n", own.iteration());

  printf("feed_signal_event\n");
  ev::sig usr1(def);
  usr1.set<on_signal>((void *)"usr1");
  usr1.start(SIGUSR1);
  def.feed_signal_event(SIGUSR1);
  def.run(ev::NOWAIT);

  printf("unref: an unreferenced timer does not keep run() going\n");
  ev::timer far(own);
  far.set<on_timer>((void *)"far");
  reader.stop();
  writer.stop();
  far.start(30.);
  own.unref();
  own.run();
  printf("  run returned, far active %d, iteration %u\n", far.is_active(), own.iteration());
  own.ref();
  far.set(0.01);
  own.run();
  printf("  after ref: far active %d\n", far.is_active());

  usr1.stop();
  printf("ONCE with nothing active returns at once, iteration %u -> ", def.iteration());
  def.run(ev::ONCE);
  printf("%u\n", def.iteration());
  return 0;
}
