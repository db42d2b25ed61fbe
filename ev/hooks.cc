// Watchers that live in plain arrays and are queued at fixed points of the iteration:
// prepare (before blocking), check (after), idle (when nothing else is pending), fork, cleanup.
#include "loop.h"

namespace evring {

void array_start(ev_loop *loop, Vec<ev_watcher *> &array, ev_watcher *w) {
  array.push(w);
  watcher_start(loop, w, array.count);
}

void array_stop(ev_loop *loop, Vec<ev_watcher *> &array, ev_watcher *w) {
  int slot = w->active - 1;
  ev_watcher *last = array[--array.count];
  array[slot] = last;
  last->active = slot + 1;
  watcher_stop(loop, w);
}

void feed_all(ev_loop *loop, Vec<ev_watcher *> &array, int events) {
  for (ev_watcher *w : array) queue_event(loop, w, events);
}

}  // namespace evring

using namespace evring;

#define EVRING_ARRAY_WATCHER(type, array)                              \
  void ev_##type##_start(ev_loop *loop, ev_##type *w) noexcept {       \
    if (w->active) return;                                             \
    array_start(loop, loop->array, reinterpret_cast<ev_watcher *>(w)); \
  }                                                                    \
  void ev_##type##_stop(ev_loop *loop, ev_##type *w) noexcept {        \
    clear_pending(loop, w);                                            \
    if (!w->active) return;                                            \
    array_stop(loop, loop->array, reinterpret_cast<ev_watcher *>(w));  \
  }

EVRING_ARRAY_WATCHER(prepare, prepares)
EVRING_ARRAY_WATCHER(check, checks)
EVRING_ARRAY_WATCHER(fork, forks)

// Cleanup watchers must not keep the loop alive: they only matter at ev_loop_destroy.
void ev_cleanup_start(ev_loop *loop, ev_cleanup *w) noexcept {
  if (w->active) return;
  array_start(loop, loop->cleanups, reinterpret_cast<ev_watcher *>(w));
  ev_unref(loop);
}

void ev_cleanup_stop(ev_loop *loop, ev_cleanup *w) noexcept {
  clear_pending(loop, w);
  if (!w->active) return;
  ev_ref(loop);
  array_stop(loop, loop->cleanups, reinterpret_cast<ev_watcher *>(w));
}

void ev_idle_start(ev_loop *loop, ev_idle *w) noexcept {
  if (w->active) return;
  ev_watcher *watcher = reinterpret_cast<ev_watcher *>(w);
  watcher->priority = priority_index(watcher) + EV_MINPRI;
  array_start(loop, loop->idles[priority_index(watcher)], watcher);
  ++loop->idle_count;
}

void ev_idle_stop(ev_loop *loop, ev_idle *w) noexcept {
  clear_pending(loop, w);
  if (!w->active) return;
  ev_watcher *watcher = reinterpret_cast<ev_watcher *>(w);
  array_stop(loop, loop->idles[priority_index(watcher)], watcher);
  --loop->idle_count;
}
