// ev_async: wake a loop from any thread or signal handler; many sends coalesce into one event.
#include "async.h"

#include "wakeup.h"

namespace evring {

// Fed from the last started to the first, so that callbacks run in start order (as libev's).
// `sent` is written by other threads: accessed atomically, published by wakeup_signal.
void asyncs_feed_sent(ev_loop *loop) {
  for (int i = loop->asyncs.count; i--;) {
    ev_async *async = reinterpret_cast<ev_async *>(loop->asyncs[i]);
    if (__atomic_exchange_n(&async->sent, 0, __ATOMIC_ACQUIRE))
      queue_event(loop, loop->asyncs[i], EV_ASYNC);
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
  clear_pending(loop, w);
  if (!w->active) return;
  array_stop(loop, loop->asyncs, reinterpret_cast<ev_watcher *>(w));
}

void ev_async_send(ev_loop *loop, ev_async *w) noexcept {
  __atomic_store_n(&w->sent, 1, __ATOMIC_RELEASE);
  wakeup_signal(loop, loop->wakeup.asyncs_pending);
}
