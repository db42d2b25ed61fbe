// ev_async: wake a loop from any thread or signal handler; many sends coalesce into one event.
#include "async.h"

#include "wakeup.h"

namespace evring {

void asyncs_feed_sent(ev_loop *loop) {
  for (ev_watcher *w : loop->asyncs) {
    ev_async *async = reinterpret_cast<ev_async *>(w);
    if (async->sent) {
      async->sent = 0;
      queue_event(loop, w, EV_ASYNC);
    }
  }
}

}  // namespace evring

using namespace evring;

void ev_async_start(ev_loop *loop, ev_async *w) noexcept {
  if (w->active) return;
  w->sent = 0;
  wakeup_init(loop);
  array_start(loop, loop->asyncs, reinterpret_cast<ev_watcher *>(w));
}

void ev_async_stop(ev_loop *loop, ev_async *w) noexcept {
  ev_clear_pending(loop, w);
  if (!w->active) return;
  array_stop(loop, loop->asyncs, reinterpret_cast<ev_watcher *>(w));
}

void ev_async_send(ev_loop *loop, ev_async *w) noexcept {
  w->sent = 1;
  wakeup_signal(loop, loop->wakeup.asyncs_pending);
}
