// The small accessors and settings of the public API.
#include <errno.h>
#include <math.h>
#include <time.h>

#include "heap.h"
#include "loop.h"
#include "periodics.h"
#include "timers.h"

using namespace evring;

int ev_version_major() noexcept {
  return EV_VERSION_MAJOR;
}
int ev_version_minor() noexcept {
  return EV_VERSION_MINOR;
}

ev_tstamp ev_time() noexcept {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ev_tstamp(ts.tv_sec) + ev_tstamp(ts.tv_nsec) * 1e-9;
}

void ev_sleep(ev_tstamp delay) noexcept {
  if (!(delay > 0.)) return;  // also refuses NaN
  if (delay > 1e9) delay = 1e9;
  struct timespec ts;
  ts.tv_sec = time_t(delay);
  ts.tv_nsec = long((delay - ev_tstamp(ts.tv_sec)) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

ev_tstamp ev_now(ev_loop *loop) noexcept {
  return loop->rt_now;
}
void ev_now_update(ev_loop *loop) noexcept {
  time_update(loop);
}
unsigned ev_backend(ev_loop *loop) noexcept {
  return loop->backend ? loop->backend->flag : 0u;
}
void ev_break(ev_loop *loop, int how) noexcept {
  loop->break_how = how;
}
void ev_ref(ev_loop *loop) noexcept {
  ++loop->active_count;
}
void ev_unref(ev_loop *loop) noexcept {
  --loop->active_count;
}
unsigned ev_iteration(ev_loop *loop) noexcept {
  return loop->iteration;
}
unsigned ev_depth(ev_loop *loop) noexcept {
  return loop->depth;
}
void ev_set_userdata(ev_loop *loop, void *data) noexcept {
  loop->userdata = data;
}
void *ev_userdata(ev_loop *loop) noexcept {
  return loop->userdata;
}

static ev_tstamp sane_interval(ev_tstamp interval) {
  return interval > 0. ? interval : 0.;
}

void ev_set_io_collect_interval(ev_loop *loop, ev_tstamp interval) noexcept {
  loop->io_collect_interval = sane_interval(interval);
}

void ev_set_timeout_collect_interval(ev_loop *loop, ev_tstamp interval) noexcept {
  loop->timeout_collect_interval = sane_interval(interval);
}

void ev_set_invoke_pending_cb(ev_loop *loop, ev_loop_callback cb) noexcept {
  loop->invoke_pending_cb = cb ? cb : ev_invoke_pending;
}

void ev_set_loop_release_cb(ev_loop *loop, void (*release)(ev_loop *) noexcept,
                            void (*acquire)(ev_loop *) noexcept) noexcept {
  loop->release_cb = release;
  loop->acquire_cb = acquire;
}

void ev_suspend(ev_loop *loop) noexcept {
  ev_now_update(loop);
}

// Time spent suspended does not count against relative timers; periodics follow the wall clock.
void ev_resume(ev_loop *loop) noexcept {
  ev_tstamp suspended_at = loop->mn_now;
  ev_now_update(loop);
  timers_shift(loop, loop->mn_now - suspended_at);
  periodics_reschedule(loop);
}
