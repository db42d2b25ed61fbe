// ev++.h: every way of giving a watcher its callback, on io watchers sharing one readable pipe
// (so the order of the callbacks is libev's order for watchers on one fd) and on idle watchers
// fed by hand: set<function>(data), set<class, &class::method>(object), set(functor object),
// set<class, &class::method>(object) with a method taking no arguments, set_(data, C callback),
// and the C macro ev_set_cb on the watcher itself. Each callback shows what w.data holds then.
#include <ev++.h>

#include "compat.h"

static int fds[2];

static const char *describe_data(void *data, const void *object) {
  if (!data) return "null";
  if (data == object) return "the object";
  return (const char *)data;
}

static void drain(int fd) {
  char byte;
  require(read(fd, &byte, 1) == 1, "read");
}

struct Reader {
  const char *name;
  int calls = 0;

  void on_io(ev::io &w, int revents) {
    ++calls;
    printf("  method of %s: %s, data is %s\n", name, revents_text(revents),
           describe_data(w.data, this));
  }
  void on_nothing() {
    ++calls;
    printf("  no-argument method of %s\n", name);
  }
  void operator()(ev::io &w, int revents) {
    ++calls;
    printf("  operator() of %s: %s, data is %s\n", name, revents_text(revents),
           describe_data(w.data, this));
  }
};

static void function_cb(ev::io &w, int revents) {
  printf("  function: %s, data is %s\n", revents_text(revents), describe_data(w.data, nullptr));
}

static void c_cb(struct ev_loop *loop, ev_io *w, int revents) {
  printf("  C callback: %s, data is %s, loop is the watcher's: %d\n", revents_text(revents),
         describe_data(w->data, nullptr), loop == static_cast<ev::io *>(w)->loop);
}

static void idle_function(ev::idle &w, int revents) {
  printf("  idle function: %s, data is %s\n", revents_text(revents),
         describe_data(w.data, nullptr));
  w.stop();
}

static void idle_c_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  printf("  idle C callback: %s, data is %s\n", revents_text(revents),
         describe_data(w->data, nullptr));
  ev_idle_stop(loop, w);
}

int main() {
  compat_begin();
  ev::default_loop loop;
  require(pipe(fds) == 0, "pipe");

  Reader method_reader{"method-reader"}, functor_reader{"functor-reader"},
      noargs_reader{"noargs-reader"};
  ev::io by_function, by_method, by_functor, by_noargs, by_c, by_macro;
  by_function.set<function_cb>((void *)"function-data");
  by_method.set<Reader, &Reader::on_io>(&method_reader);
  by_functor.set(&functor_reader);
  by_noargs.set<Reader, &Reader::on_nothing>(&noargs_reader);
  by_c.set_("c-data", c_cb);
  by_macro.data = (void *)"macro-data";
  ev_set_cb(&by_macro, c_cb);

  by_function.start(fds[0], ev::READ);
  by_method.start(fds[0], ev::READ);
  by_functor.start(fds[0], ev::READ);
  by_noargs.start(fds[0], ev::READ);
  by_c.start(fds[0], ev::READ);
  by_macro.start(fds[0], ev::READ);

  printf("one byte, six watchers\n");
  require(write(fds[1], "x", 1) == 1, "write");
  loop.run(ev::ONCE);
  drain(fds[0]);

  printf("set<function>() without data, and callbacks swapped on active watchers\n");
  by_function.set<function_cb>();
  by_method.set(&functor_reader);
  by_functor.set<Reader, &Reader::on_io>(&method_reader);
  require(write(fds[1], "y", 1) == 1, "write");
  loop.run(ev::ONCE);
  drain(fds[0]);
  printf("calls: method-reader %d, functor-reader %d, noargs-reader %d\n", method_reader.calls,
         functor_reader.calls, noargs_reader.calls);

  printf("fed events\n");
  by_noargs.feed_event(ev::WRITE);
  by_c.feed_event(ev::READ | ev::WRITE);
  loop.run(ev::NOWAIT);

  printf("idle watchers, the io watchers stopped\n");
  for (ev::io *w : {&by_function, &by_method, &by_functor, &by_noargs, &by_c, &by_macro}) w->stop();
  ev::idle idle_fn, idle_c;
  idle_fn.set<idle_function>((void *)"idle-data");
  idle_c.set_(nullptr, idle_c_cb);
  idle_fn.start();
  idle_c.start();
  loop.run();
  printf("idle watchers active: %d %d\n", idle_fn.is_active(), idle_c.is_active());
  return 0;
}
