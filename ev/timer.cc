// ev_timer: relative timers on the monotonic clock, in a 4-ary heap.
#include <math.h>

#include "heap.h"
#include "loop.h"
#include "timers.h"

namespace evring {

// NaN would break the heap's ordering; a negative repeat is meaningless. Both become 0, where
// libev would assert.
static ev_tstamp sane_delay(ev_tstamp t) {
  return isnan(t) ? 0. : t;
}

void timers_reify(ev_loop *loop) {
  Vec<HeapNode> &heap = loop->timers;
  if (!heap.count || !(heap[0].at < loop->mn_now)) return;
  do {
    ev_timer *w = reinterpret_cast<ev_timer *>(heap[0].watcher);
    if (w->repeat > 0.) {
      w->at += w->repeat;
      if (w->at < loop->mn_now) w->at = loop->mn_now;
      heap[0].at = w->at;
      heap_down(heap, 0);
    } else {
      ev_timer_stop(loop, w);
    }
    loop->expired.push(reinterpret_cast<ev_watcher_time *>(w));
  } while (heap.count && heap[0].at < loop->mn_now);
  feed_expired(loop, EV_TIMER);
}

void feed_expired(ev_loop *loop, int events) {
  // Fed latest-first so that the back-to-front invocation runs them earliest-first.
  while (loop->expired.count)
    queue_event(loop, reinterpret_cast<ev_watcher *>(loop->expired[--loop->expired.count]), events);
}

void timers_shift(ev_loop *loop, ev_tstamp delta) {
  for (HeapNode &node : loop->timers) {
    node.at += delta;
    node.watcher->at = node.at;
  }
}

}  // namespace evring

using namespace evring;

void ev_timer_start(ev_loop *loop, ev_timer *w) noexcept {
  if (w->active) return;
  w->repeat = sane_delay(w->repeat) < 0. ? 0. : sane_delay(w->repeat);
  w->at = sane_delay(w->at) + loop->mn_now;
  heap_watcher_start(loop, loop->timers, reinterpret_cast<ev_watcher_time *>(w));
}

void ev_timer_stop(ev_loop *loop, ev_timer *w) noexcept {
  clear_pending(loop, w);
  if (!w->active) return;
  heap_watcher_stop(loop, loop->timers, reinterpret_cast<ev_watcher_time *>(w));
  // Keeps the remaining time, so a later ev_timer_start resumes it (libev does the same).
  w->at -= loop->mn_now;
}

void ev_timer_again(ev_loop *loop, ev_timer *w) noexcept {
  clear_pending(loop, w);
  w->repeat = sane_delay(w->repeat) < 0. ? 0. : sane_delay(w->repeat);
  if (w->active) {
    if (w->repeat > 0.) {
      int k = heap_position(reinterpret_cast<ev_watcher_time *>(w));
      w->at = loop->mn_now + w->repeat;
      loop->timers[k].at = w->at;
      heap_adjust(loop->timers, k);
    } else {
      ev_timer_stop(loop, w);
    }
  } else if (w->repeat > 0.) {
    w->at = w->repeat;
    ev_timer_start(loop, w);
  }
}

ev_tstamp ev_timer_remaining(ev_loop *loop, ev_timer *w) noexcept {
  return w->at - (w->active ? loop->mn_now : 0.);
}
