// Loop creation, fork handling and destruction.
#include <new>

#include <unistd.h>

#include "children.h"
#include "fd.h"
#include "lifecycle.h"
#include "periodics.h"
#include "signals.h"
#include "stats.h"
#include "wakeup.h"

struct ev_loop *ev_default_loop_ptr;

namespace evring {

namespace {

void ignore_event(ev_loop *, ev_watcher *, int) {}

ev_loop *loop_create(unsigned flags) {
  void *memory = mem_realloc(nullptr, sizeof(ev_loop));
  ev_loop *loop = new (memory) ev_loop();
  loop->flags = flags;
  loop->signal_fd = -1;
  loop->backend_fd = -1;
  loop->pid = getpid();
  loop->invoke_pending_cb = ev_invoke_pending;
  loop->pending_placeholder.cb = ignore_event;
  loop->rt_now = ev_time();
  loop->mn_now = monotonic_now();
  loop->mn_at_last_resync = loop->mn_now;
  loop->rt_minus_mn = loop->rt_now - loop->mn_now;
  if (backend_choose(loop)) return loop;
  loop->~ev_loop();
  mem_free(memory);
  return nullptr;
}

void release_arrays(ev_loop *loop) {
  for (auto &queue : loop->pending) queue.release();
  for (auto &idles : loop->idles) idles.release();
  loop->fds.release();
  loop->fd_changes.release();
  loop->timers.release();
  loop->periodics.release();
  loop->expired.release();
  loop->prepares.release();
  loop->checks.release();
  loop->forks.release();
  loop->cleanups.release();
  loop->asyncs.release();
}

}  // namespace

void backend_restart(ev_loop *loop) {
  loop->backend_needs_rebuild = false;
  loop->backend->destroy(loop);
  if (loop->backend_replacement) {
    loop->backend = loop->backend_replacement;
    loop->backend_replacement = nullptr;
  }
  if (!loop->backend->init(loop)) fatal_syserr("evring: cannot re-create the backend");
  ++loop->backend_generation;
  fd_rearm_all(loop);
}

void loop_after_fork(ev_loop *loop) {
  loop->forked = false;
  if (loop->backend->rebuilt_after_fork) backend_restart(loop);
  stat_after_fork(loop);
  wakeup_after_fork(loop);
  signals_after_fork(loop);
  periodics_after_fork(loop);
}

}  // namespace evring

using namespace evring;

ev_loop *ev_loop_new(unsigned flags) noexcept {
  return loop_create(flags);
}

// libev keeps its default loop in static storage that destroy does not clear, so a re-created
// default loop continues the iteration count; programs print it, so evring does the same.
static unsigned g_default_loop_iterations;

ev_loop *ev_default_loop(unsigned flags) noexcept {
  if (ev_default_loop_ptr) return ev_default_loop_ptr;
  ev_default_loop_ptr = loop_create(flags);
  if (!ev_default_loop_ptr) return nullptr;
  ev_default_loop_ptr->iteration = g_default_loop_iterations;
  children_init(ev_default_loop_ptr);
  return ev_default_loop_ptr;
}

void ev_loop_fork(ev_loop *loop) noexcept {
  loop->forked = true;
}

void ev_loop_destroy(ev_loop *loop) {
  if (!loop) return;
  if (loop->cleanups.count) {
    feed_all(loop, loop->cleanups, EV_CLEANUP);
    invoke_pending(loop);
  }
  if (loop == ev_default_loop_ptr) {
    children_release(loop);
    g_default_loop_iterations = loop->iteration;
    ev_default_loop_ptr = nullptr;
  }
  stat_release(loop);
  signals_release(loop);
  wakeup_destroy(loop);
  if (loop->backend) loop->backend->destroy(loop);
  release_arrays(loop);
  loop->~ev_loop();
  mem_free(loop);
}
