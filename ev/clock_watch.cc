// The wall-clock watch of the periodics. As libev 4.33 does (unless EVFLAG_NOTIMERFD), a loop's
// first periodic opens a CLOCK_REALTIME timerfd armed with TFD_TIMER_CANCEL_ON_SET: it becomes
// readable when someone sets the clock, and its internal io watcher (unreferenced, EV_MINPRI)
// then reschedules the periodics at once, where the time-jump check of each iteration would
// see the jump only at the next wake-up. It is a real fd, as in libev, because programs see
// one: it takes an fd number, a place in poll's array, and an fd change that ev_embed's prepare
// watcher acts on.
#include <sys/timerfd.h>
#include <unistd.h>

#include "periodics.h"

namespace evring {

namespace {

// The timer itself only has to be far away (libev's is 17 days off): the fd is there for its
// cancellation. Setting it again also clears that.
constexpr ev_tstamp kFarAway = 1500000.;

void rearm_and_reschedule(ev_loop *loop) {
  itimerspec far_away = {};
  far_away.it_value.tv_sec = time_t(ev_time() + kFarAway);
  timerfd_settime(loop->clock_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far_away, nullptr);
  loop->rt_now = ev_time();
  periodics_reschedule(loop);
}

void on_clock_set(ev_loop *loop, ev_io *, int) {
  rearm_and_reschedule(loop);
}

// Without a timerfd (no fd left, say), clock jumps are seen at the next wake-up, as with
// EVFLAG_NOTIMERFD.
void open_watch(ev_loop *loop) {
  loop->clock_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (loop->clock_fd < 0) {
    loop->clock_watch = ClockWatch::kNone;
    return;
  }
  loop->clock_watch = ClockWatch::kWatching;
  ev_io_init(&loop->clock_watcher, on_clock_set, loop->clock_fd, EV_READ);
  ev_set_priority(&loop->clock_watcher, EV_MINPRI);
  ev_io_start(loop, &loop->clock_watcher);
  ev_unref(loop);
  rearm_and_reschedule(loop);  // which also refreshes ev_now() for the first periodic
}

}  // namespace

void clock_watch_first_periodic(ev_loop *loop) {
  if (loop->flags & EVFLAG_NOTIMERFD) {
    loop->clock_watch = ClockWatch::kNone;
    return;
  }
  open_watch(loop);
}

// A forked child gets its own timerfd, which reschedules the periodics, and the watcher is fed
// so that its callback reschedules them once more (libev does both).
void clock_watch_after_fork(ev_loop *loop) {
  if (loop->clock_watch != ClockWatch::kWatching) return;
  ev_ref(loop);
  ev_io_stop(loop, &loop->clock_watcher);
  close(loop->clock_fd);
  open_watch(loop);
  queue_event(loop, reinterpret_cast<ev_watcher *>(&loop->clock_watcher), EV_CUSTOM);
}

void clock_watch_release(ev_loop *loop) {
  if (loop->clock_watch == ClockWatch::kWatching) close(loop->clock_fd);
  loop->clock_watch = ClockWatch::kNone;
}

}  // namespace evring
