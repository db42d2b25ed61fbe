// ev++.h: loop_ref::once with each of libev's callback shapes: a function with an argument, a
// method of an object taking revents or nothing, a functor object, and functions taking
// revents or nothing. On a readable pipe they get EV_READ, on a timeout EV_TIMER; timeouts are
// 20 ms apart, so they run in the order of their timeouts.
#include <ev++.h>

#include "compat.h"

static int fds[2];

static void with_arg(int revents, void *arg) {
  printf("  function with arg '%s': %s\n", arg ? (const char *)arg : "none", revents_text(revents));
}

struct Handler {
  const char *name;
  void on_revents(int revents) { printf("  method of %s: %s\n", name, revents_text(revents)); }
  void on_nothing() { printf("  no-argument method of %s\n", name); }
  void operator()(int revents) { printf("  operator() of %s: %s\n", name, revents_text(revents)); }
};

static void simpler(int revents) {
  printf("  function of revents: %s\n", revents_text(revents));
}

static void simplest() {
  printf("  function of nothing\n");
}

int main() {
  compat_begin();
  ev::default_loop loop;
  require(pipe(fds) == 0, "pipe");
  Handler handler{"handler"}, functor{"functor"};

  printf("timeouts\n");
  loop.once(-1, 0, 0.02, with_arg, (void *)"first");
  loop.once<Handler, &Handler::on_revents>(-1, 0, 0.04, &handler);
  loop.once<Handler, &Handler::on_nothing>(-1, 0, 0.06, &handler);
  loop.once(-1, 0, 0.08, &functor);
  loop.once<simpler>(-1, 0, 0.10);
  loop.once<simplest>(-1, 0, 0.12);
  loop.once(-1, 0, 0.14, with_arg);
  loop.run();

  printf("a readable pipe, long timeouts\n");
  require(write(fds[1], "x", 1) == 1, "write");
  loop.once(fds[0], ev::READ, 10., with_arg, (void *)"reader");
  loop.run();
  loop.once<Handler, &Handler::on_revents>(fds[0], ev::READ, 10., &handler);
  loop.run();
  loop.once(fds[0], ev::READ, 10., &functor);
  loop.run();
  loop.once<simpler>(fds[0], ev::READ, 10.);
  loop.run();

  printf("not readable: the timeout wins\n");
  char byte;
  require(read(fds[0], &byte, 1) == 1, "read");
  loop.once(fds[0], ev::READ, 0.01, &functor);
  loop.run();
  return 0;
}
