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

// The first point after now of the grid offset + k * interval. The grid is located with the
// interval raised to kMinInterval and then walked with the interval itself, as libev does, so
// tiny intervals land where they land under libev.
ev_tstamp next_on_grid(const ev_periodic *w, ev_tstamp now) {
  ev_tstamp interval = w->interval > kMinInterval ? w->interval : kMinInterval;
  ev_tstamp at = w->offset + interval * floor_of((now - w->offset) / interval);
  while (at <= now) {
    ev_tstamp next = at + w->interval;
    if (next == at) return now;  // out of floating-point resolution
    at = next;
  }
  return at;
}

// Right after the periodic fired, a time in the past would make it fire again and again (libev
// asserts there), so it is raised to now. At start and when rescheduled (ev_resume, clock
// jumps) the answer is kept as it is, as libev does. NaN, which would wedge the heap, is now.
ev_tstamp ask_callback(ev_periodic *w, ev_tstamp now, bool just_fired) {
  ev_tstamp at = w->reschedule_cb(w, now);
  if (isnan(at)) return now;
  return just_fired && at < now ? now : at;
}

// Due time for a periodic that repeats; false for a one-shot one.
bool next_due(ev_periodic *w, ev_tstamp now, ev_tstamp *at, bool just_fired = false) {
  if (w->reschedule_cb) {
    *at = ask_callback(w, now, just_fired);
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
    if (next_due(w, loop->rt_now, &at, true)) {
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
  // Opening the watch refreshes ev_now(): a loop's first periodic is computed from the current
  // time, not the iteration's (as in libev).
  if (loop->clock_watch == ClockWatch::kNotYet) clock_watch_first_periodic(loop);
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
