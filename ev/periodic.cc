// ev_periodic: wall-clock based timers (absolute, interval grid, or user-computed).
#include <math.h>
#include <stdint.h>

#include "heap.h"
#include "periodics.h"
#include "timers.h"

namespace evring {

namespace {

// Intervals below this are raised to it: finer grids would make the next-slot search spin.
constexpr ev_tstamp kMinInterval = 1. / 8192;

// floor() without libm, which the library does not link. Doubles of 2^52 and more are
// integers already.
ev_tstamp floor_of(ev_tstamp x) {
  if (!(x < 4503599627370496. && x > -4503599627370496.)) return x;
  ev_tstamp truncated = ev_tstamp(int64_t(x));
  return truncated > x ? truncated - 1. : truncated;
}

// Next point of the grid offset + k * interval strictly after now.
ev_tstamp next_on_grid(const ev_periodic *w, ev_tstamp now) {
  ev_tstamp interval = w->interval > kMinInterval ? w->interval : kMinInterval;
  ev_tstamp at = w->offset + interval * floor_of((now - w->offset) / interval);
  while (at <= now) {
    ev_tstamp next = at + interval;
    if (next == at) return now;  // out of floating-point resolution
    at = next;
  }
  return at;
}

// A callback that returns the past (or NaN) would make the periodic fire in a tight loop.
ev_tstamp ask_callback(ev_periodic *w, ev_tstamp now) {
  ev_tstamp at = w->reschedule_cb(w, now);
  return at >= now ? at : now;
}

// Due time for a periodic that repeats; false for a one-shot one.
bool next_due(ev_periodic *w, ev_tstamp now, ev_tstamp *at) {
  if (w->reschedule_cb) {
    *at = ask_callback(w, now);
    return true;
  }
  if (w->interval > 0.) {
    *at = next_on_grid(w, now);
    return true;
  }
  return false;
}

}  // namespace

void periodics_reify(ev_loop *loop) {
  Vec<HeapNode> &heap = loop->periodics;
  if (!heap.count || !(heap[0].at < loop->rt_now)) return;
  do {
    ev_periodic *w = reinterpret_cast<ev_periodic *>(heap[0].watcher);
    ev_tstamp at;
    if (next_due(w, loop->rt_now, &at)) {
      w->at = heap[0].at = at;
      heap_down(heap, 0);
    } else {
      ev_periodic_stop(loop, w);
    }
    loop->expired.push(reinterpret_cast<ev_watcher_time *>(w));
  } while (heap.count && heap[0].at < loop->rt_now);
  feed_expired(loop, EV_PERIODIC);
}

void periodics_reschedule(ev_loop *loop) {
  for (HeapNode &node : loop->periodics) {
    ev_periodic *w = reinterpret_cast<ev_periodic *>(node.watcher);
    ev_tstamp at;
    if (next_due(w, loop->rt_now, &at)) node.at = w->at = at;
  }
  heap_rebuild(loop->periodics);
}

}  // namespace evring

using namespace evring;

void ev_periodic_start(ev_loop *loop, ev_periodic *w) noexcept {
  if (w->active) return;
  if (isnan(w->interval) || w->interval < 0.) w->interval = 0.;
  ev_tstamp at;
  if (!next_due(w, loop->rt_now, &at)) at = isnan(w->offset) ? loop->rt_now : w->offset;
  w->at = at;
  heap_watcher_start(loop, loop->periodics, reinterpret_cast<ev_watcher_time *>(w));
}

void ev_periodic_stop(ev_loop *loop, ev_periodic *w) noexcept {
  clear_pending(loop, w);
  if (!w->active) return;
  heap_watcher_stop(loop, loop->periodics, reinterpret_cast<ev_watcher_time *>(w));
}

void ev_periodic_again(ev_loop *loop, ev_periodic *w) noexcept {
  ev_periodic_stop(loop, w);
  ev_periodic_start(loop, w);
}
