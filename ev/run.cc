// One iteration of the loop, in libev's order:
//   fork watchers (after a fork) -> prepare watchers -> [break?] -> backend re-creation after
//   fork -> fd change list -> compute the wait -> poll -> timers -> periodics -> idle -> check
//   -> invoke everything pending, highest priority first.
#include <time.h>
#include <unistd.h>

#include "fd.h"
#include "lifecycle.h"
#include "loop.h"
#include "periodics.h"
#include "timers.h"
#include "wakeup.h"

namespace evring {

namespace {

// Blocking waits are capped so that wall-clock jumps are noticed within a minute (libev's
// value, odd on purpose so that many loops don't wake in lockstep).
constexpr ev_tstamp kMaxBlock = 59.743;
// A difference between the wall and monotonic clocks larger than this is a clock jump.
constexpr ev_tstamp kMinTimeJump = 1.;

void idles_reify(ev_loop *loop) {
  for (int pri = kNumPriorities; pri--;) {
    if (loop->pending[pri].count) return;
    if (loop->idles[pri].count) {
      feed_all(loop, loop->idles[pri], EV_IDLE);
      return;
    }
  }
}

ev_tstamp compute_wait(ev_loop *loop, ev_tstamp prev_mn_now) {
  ev_tstamp wait = kMaxBlock;
  if (loop->timers.count && loop->timers[0].at - loop->mn_now < wait)
    wait = loop->timers[0].at - loop->mn_now;
  if (loop->periodics.count && loop->periodics[0].at - loop->rt_now < wait)
    wait = loop->periodics[0].at - loop->rt_now;
  if (wait < loop->timeout_collect_interval) wait = loop->timeout_collect_interval;
  // Something already expired: don't block at all. Something expires very soon: wait at least
  // as long as the backend can express, so we don't spin on a zero timeout.
  ev_tstamp min_wait = loop->backend->min_wait;
  if (wait < min_wait) wait = wait <= 0. ? 0. : min_wait;
  if (loop->io_collect_interval > 0.) {
    ev_tstamp nap = loop->io_collect_interval - (loop->mn_now - prev_mn_now);
    if (nap > wait - min_wait) nap = wait - min_wait;
    if (nap > 0.) {
      ev_sleep(nap);
      wait -= nap;
    }
  }
  return wait;
}

// `errors_queued`: the change list just killed fds (the backend refused them), whose EV_ERROR
// should not wait for the next event or timeout (libev would block). Anything else pending,
// left by an ev_set_invoke_pending_cb hook or fed after a fork, waits as under libev.
void wait_for_events(ev_loop *loop, int run_flags, bool errors_queued) {
  ev_tstamp wait = 0.;
  bool may_block =
      !(run_flags & EVRUN_NOWAIT) && !loop->idle_count && loop->active_count && !errors_queued;
  // An iteration that will not block skips the wakeup fence and the clock read that measures
  // the wait from after the callbacks (libev pays both in every iteration); the clock read
  // after the poll is what ev_now() and the timers see.
  if (may_block && wakeup_block_begin(loop)) {
    ev_tstamp prev_mn_now = loop->mn_now;
    time_update(loop);
    wait = compute_wait(loop, prev_mn_now);
  }
  ++loop->iteration;
  loop->backend->poll(loop, wait);
  wakeup_block_end(loop);
  time_update(loop);
}

}  // namespace

ev_tstamp monotonic_now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ev_tstamp(ts.tv_sec) + ev_tstamp(ts.tv_nsec) * 1e-9;
}

// Timers use the monotonic clock; ev_now() is derived from it plus an offset to the wall clock
// that is re-measured at most every half second, which is also how clock jumps are detected.
void time_update(ev_loop *loop) {
  ev_tstamp old_offset = loop->rt_minus_mn;
  loop->mn_now = monotonic_now();
  if (loop->mn_now - loop->mn_at_last_resync < kMinTimeJump * .5) {
    loop->rt_now = loop->rt_minus_mn + loop->mn_now;
    return;
  }
  loop->mn_at_last_resync = loop->mn_now;
  loop->rt_now = ev_time();
  // Retried because a preemption between the two clock reads looks like a jump.
  for (int attempt = 0; attempt < 3; ++attempt) {
    loop->rt_minus_mn = loop->rt_now - loop->mn_now;
    ev_tstamp drift = old_offset - loop->rt_minus_mn;
    if (drift < kMinTimeJump && drift > -kMinTimeJump) return;
    loop->rt_now = ev_time();
    loop->mn_now = monotonic_now();
    loop->mn_at_last_resync = loop->mn_now;
  }
  periodics_reschedule(loop);
}

}  // namespace evring

using namespace evring;

int ev_run(ev_loop *loop, int flags) {
  ++loop->depth;
  loop->break_how = EVBREAK_CANCEL;
  // Anything fed before ev_run (or left by an outer ev_run) runs first.
  invoke_pending(loop);
  do {
    loop_claim_in_child(loop);
    if ((loop->flags & EVFLAG_FORKCHECK) && getpid() != loop->pid) {
      loop->pid = getpid();
      loop->forked = true;
    }
    if (loop->forked && loop->forks.count) {
      feed_all(loop, loop->forks, EV_FORK);
      invoke_pending(loop);
    }
    if (loop->prepares.count) {
      feed_all(loop, loop->prepares, EV_PREPARE);
      invoke_pending(loop);
    }
    if (loop->break_how) break;
    if (loop->forked) loop_after_fork(loop);
    if (loop->backend_repair != BackendRepair::kNone) backend_restart(loop);
    // The guards keep the common iteration (nothing changed, nothing expired) free of calls.
    unsigned queued_before_reify = loop->events_queued;
    if (loop->fd_changes.count) fd_reify(loop);
    wait_for_events(loop, flags, loop->events_queued != queued_before_reify);
    if (loop->timers.count) timers_reify(loop);
    if (loop->periodics.count) periodics_reify(loop);
    if (loop->idle_count) idles_reify(loop);
    if (loop->checks.count) feed_all(loop, loop->checks, EV_CHECK);
    invoke_pending(loop);
  } while (loop->active_count && !loop->break_how && !(flags & (EVRUN_ONCE | EVRUN_NOWAIT)));
  if (loop->break_how == EVBREAK_ONE) loop->break_how = EVBREAK_CANCEL;
  --loop->depth;
  return loop->active_count;
}
