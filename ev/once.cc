// ev_once: a one-shot io and/or timeout watcher pair that frees itself after its callback.
#include <stddef.h>

#include "loop.h"

using namespace evring;

namespace {

struct Once {
  ev_io io;
  ev_timer timer;
  void (*cb)(int revents, void *arg);
  void *arg;
};

void finish(ev_loop *loop, Once *once, int revents) {
  void (*cb)(int, void *) = once->cb;
  void *arg = once->arg;
  ev_io_stop(loop, &once->io);
  ev_timer_stop(loop, &once->timer);
  mem_free(once);
  cb(revents, arg);
}

void on_io(ev_loop *loop, ev_io *w, int revents) {
  Once *once = reinterpret_cast<Once *>(reinterpret_cast<char *>(w) - offsetof(Once, io));
  finish(loop, once, revents | clear_pending(loop, &once->timer));
}

void on_timer(ev_loop *loop, ev_timer *w, int revents) {
  Once *once = reinterpret_cast<Once *>(reinterpret_cast<char *>(w) - offsetof(Once, timer));
  finish(loop, once, revents | clear_pending(loop, &once->io));
}

}  // namespace

void ev_once(ev_loop *loop, int fd, int events, ev_tstamp timeout,
             void (*cb)(int revents, void *arg), void *arg) noexcept {
  Once *once = static_cast<Once *>(mem_realloc(nullptr, sizeof(Once)));
  once->cb = cb;
  once->arg = arg;
  ev_init(&once->io, on_io);
  if (fd >= 0) {
    ev_io_set(&once->io, fd, events);
    ev_io_start(loop, &once->io);
  }
  ev_init(&once->timer, on_timer);
  if (timeout >= 0.) {
    ev_timer_set(&once->timer, timeout, 0.);
    ev_timer_start(loop, &once->timer);
  }
}
