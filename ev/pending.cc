// The pending queues: events wait here between being noticed and their callback running.
// Within one priority the queue runs from its back, and every new event restarts invocation at
// the highest priority: both are libev's observable order, which programs' output depends on.
#include "loop.h"
#include "ops.h"

namespace evring {

void queue_event(ev_loop *loop, ev_watcher *w, int events) {
  ++loop->events_queued;
  int pri = priority_index(w);
  if (w->pending) {
    loop->pending[pri][w->pending - 1].events |= events;
  } else {
    loop->pending[pri].push(PendingSlot{w, events});
    w->pending = loop->pending[pri].count;
  }
  loop->pending_priority = kNumPriorities - 1;
}

}  // namespace evring

using namespace evring;

void ev_feed_event(ev_loop *loop, void *w, int revents) noexcept {
  queue_event(loop, as_watcher(w), revents);
}

void ev_invoke_pending(ev_loop *loop) {
  loop->pending_priority = kNumPriorities;
  while (loop->pending_priority > 0) {
    --loop->pending_priority;
    // queue_event may raise pending_priority while callbacks run: re-read it every time.
    while (loop->pending[loop->pending_priority].count) {
      Vec<PendingSlot> &queue = loop->pending[loop->pending_priority];
      PendingSlot slot = queue[--queue.count];
      slot.watcher->pending = 0;
      if (__builtin_expect(slot.events & kOpDelivery, 0)) {
        ops_invoke(loop, reinterpret_cast<evring_op *>(slot.watcher), slot.events);
        continue;
      }
      slot.watcher->cb(loop, slot.watcher, slot.events);
    }
  }
}

int ev_clear_pending(ev_loop *loop, void *w) noexcept {
  int events = clear_pending(loop, w);
  if (events & kOpDelivery) {
    auto *op = static_cast<evring_op *>(w);
    ops_delivery_done(loop, op->slot, op->generation);
  }
  return events & ~kOpDelivery;
}

void ev_invoke(ev_loop *loop, void *w, int revents) {
  ev_watcher *watcher = as_watcher(w);
  watcher->cb(loop, watcher, revents);
}

unsigned ev_pending_count(ev_loop *loop) noexcept {
  unsigned count = 0;
  for (auto &queue : loop->pending) count += unsigned(queue.count);
  return count;
}
