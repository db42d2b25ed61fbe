// Uses every name ev/ev++.h declares, for check-cxx-header.sh: compiled in each C++ standard
// with warnings as errors, and run once without exceptions. Exits 0 when the few things it
// checks at run time hold.
#include <ev++.h>

#include <stdio.h>
#include <unistd.h>

namespace {

int failures;

void expect(bool ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "cxx_header_use: %s\n", what);
  ++failures;
}

struct Handler {
  int calls = 0;
  void on_io(ev::io &w, int) {
    ++calls;
    w.stop();
  }
  void on_nothing() { ++calls; }
  void operator()(ev::timer &w, int) {
    ++calls;
    w.stop();
  }
  void on_once(int) { ++calls; }
  void operator()(int) { ++calls; }
  void on_once_nothing() { ++calls; }
};

int plain_calls;
void on_idle(ev::idle &w, int) {
  ++plain_calls;
  w.stop();
}
void on_once(int) {
  ++plain_calls;
}
void on_once_arg(int, void *) {
  ++plain_calls;
}
void on_once_nothing() {
  ++plain_calls;
}
void on_check(struct ev_loop *, ev_check *, int) {
  ++plain_calls;
}
ev::tstamp reschedule(ev_periodic *, ev::tstamp now) EV_NOEXCEPT {
  return now + 1.;
}

// Every constant, so that a missing or misspelt one fails to compile.
const int kConstants[] = {ev::UNDEF,    ev::NONE,     ev::READ,    ev::WRITE,  ev::TIMER,
                          ev::PERIODIC, ev::SIGNAL,   ev::CHILD,   ev::STAT,   ev::IDLE,
                          ev::CHECK,    ev::PREPARE,  ev::FORK,    ev::ASYNC,  ev::EMBED,
                          ev::CLEANUP,  ev::ERROR,    ev::AUTO,    ev::NOENV,  ev::FORKCHECK,
                          ev::SELECT,   ev::POLL,     ev::EPOLL,   ev::KQUEUE, ev::DEVPOLL,
                          ev::PORT,     ev::LINUXAIO, ev::IOURING, ev::NOWAIT, ev::ONCE,
#if EV_COMPAT3
                          ev::TIMEOUT,  ev::NONBLOCK, ev::ONESHOT,
#endif
                          ev::ONE,      ev::ALL};

void use_free_functions() {
  (void)kConstants;
  ev::tstamp t = ev::time();
  ev::delay(0.);
  expect(ev::version_major() == 4 && ev::version_minor() == 33, "version");
  expect((ev::recommended_backends() & ~ev::supported_backends()) == 0, "backend sets");
  (void)ev::embeddable_backends();
  ev::set_syserr_cb(nullptr);
  ev::set_allocator(nullptr);
  expect(ev::now() >= 0. && t > 0., "now and time");
}

void use_loops() {
  ev::default_loop def;
  ev::dynamic_loop own(ev::SELECT | ev::NOENV);
  ev::loop_ref ref = own;
  struct ev_loop *raw = own;
  const struct ev_loop *const_raw = own;
  expect(ref == own && !(ref != own) && ref == const_raw && !(ref != const_raw), "comparisons");
  expect(own.raw_loop == raw && ev::get_default_loop() == def && def.is_default(), "identity");
  expect(own.backend() == ev::SELECT && ev::now(own) == own.now(), "backend and now");
  own.set_io_collect_interval(0.);
  own.set_timeout_collect_interval(0.);
  own.ref();
  own.unref();
  own.now_update();
  own.suspend();
  own.resume();
  own.verify();
  own.feed_signal_event(SIGUSR1);
  own.feed_fd_event(0, ev::READ);
  own.invoke_pending();
  own.run(ev::NOWAIT);
  own.break_loop(ev::ALL);
  own.post_fork();
#if EV_COMPAT3
  own.loop(ev::NONBLOCK);
  own.unloop(ev::ONE);
#endif
  expect(own.iteration() >= 1 && own.depth() == 0 && own.pending_count() == 0, "loop state");

  Handler handler;
  own.once(-1, 0, 0., on_once_arg);
  own.once(
      -1, 0, 0., [](int, void *) { ++plain_calls; }, nullptr);
  own.once<Handler, &Handler::on_once>(-1, 0, 0., &handler);
  own.once<Handler, &Handler::on_once_nothing>(-1, 0, 0., &handler);
  own.once(-1, 0, 0., &handler);
  own.once<on_once>(-1, 0, 0.);
  own.once<on_once_nothing>(-1, 0, 0.);
  plain_calls = 0;
  own.run();
  expect(handler.calls == 3 && plain_calls == 4, "once callbacks");

  // Without exceptions, a loop that cannot be created is left null instead of throwing.
#if EV_CXX_EXCEPTIONS
  bool thrown = false;
  try {
    ev::dynamic_loop impossible(ev::KQUEUE | ev::NOENV);
  } catch (ev::bad_loop &error) {
#if EV_USE_STDEXCEPT
    thrown = error.what()[0] != '\0';
#else
    thrown = true;
#endif
  }
  expect(thrown, "bad_loop");
#else
  ev::dynamic_loop impossible(ev::KQUEUE | ev::NOENV);
  expect(impossible.raw_loop == nullptr, "a loop that cannot be created is null");
#endif
}

void use_watchers() {
  ev::dynamic_loop loop(ev::POLL | ev::NOENV);
  int fds[2];
  expect(pipe(fds) == 0, "pipe");
  Handler handler;

  ev::io io(loop);
  io.set<Handler, &Handler::on_io>(&handler);
  io.set(fds[1], ev::WRITE);
  io.set(ev::WRITE);
  io.start();
  io.start(fds[1], ev::WRITE);
  ev::timer timer(loop), idle_timeout(loop);
  timer.set(&handler);
  timer.start(0., 0.);
  timer.set(0.);
  (void)timer.remaining();
  idle_timeout.set(0., 0.);
  idle_timeout.again();  // repeat 0: stays stopped
  ev::periodic periodic(loop);
  periodic.set<Handler, &Handler::on_nothing>(&handler);
  periodic.set(0., 0.);
  periodic.reschedule_cb = reschedule;
  periodic.start();
  periodic.again();
  periodic.stop();
  periodic.start(0.);
  periodic.stop();
  ev::idle idle(loop);
  idle.set<on_idle>();
  idle.set();
  idle.start();
  ev::check check(loop);
  check.set_(nullptr, on_check);
  check.set();
  ev::prepare prepare(loop);
  prepare.set();
  ev::fork fork(loop);
  fork.set();
  ev::cleanup cleanup(loop);
  cleanup.set();
  ev::async async(loop);
  async.send();
  expect(async.async_pending(), "async pending");
  ev::sig sig(loop);
  sig.set(SIGUSR2);
  ev::child child;
  child.set(0, 0);
  ev::stat stat(loop);
  stat.set("/", 0.);
  stat.update();
  ev::embed embed(loop);
  embed.set_embed(loop);
  embed.set(loop.raw_loop);
  expect(!embed.is_active() && !embed.is_pending(), "embed state");
  plain_calls = 0;
  idle.feed_event(ev::IDLE);
  loop.run();
  idle(ev::IDLE);
  expect(handler.calls == 2 && plain_calls == 2, "watcher callbacks");

#if __cplusplus >= 201703L
  int lambda_calls = 0;
  ev::timer lambda_timer(loop);
  lambda_timer.set([&lambda_calls](ev::timer &w, int) {
    ++lambda_calls;
    w.stop();
  });
  lambda_timer.start(0.);
  loop.once(-1, 0, 0., [&lambda_calls](int) { ++lambda_calls; });
  loop.once(-1, 0, 0., on_once);  // a function of revents is a callable too
  plain_calls = 0;
  loop.run();
  expect(lambda_calls == 2 && plain_calls == 1, "C++17 callables");
#endif
  close(fds[0]);
  close(fds[1]);
}

}  // namespace

int main() {
  use_free_functions();
  use_loops();
  use_watchers();
  return failures ? 1 : 0;
}
