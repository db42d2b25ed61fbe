// Loop creation, fork handling and destruction.
#include <new>
#include <type_traits>

#include <pthread.h>
#include <unistd.h>

#include "children.h"
#include "fd.h"
#include "lifecycle.h"
#include "ops.h"
#include "periodics.h"
#include "signals.h"
#include "stats.h"
#include "wakeup.h"

struct ev_loop *ev_default_loop_ptr;

namespace evring {

namespace {

void ignore_event(ev_loop *, ev_watcher *, int) {}

void count_fork() {
  forks_seen.fetch_add(1, std::memory_order_relaxed);
}

// Once per process: pthread_atfork cannot be undone (glibc drops the handler when a dlopen'ed
// evring is unloaded). pthread_once, as the library has no C++ runtime for static guards.
pthread_once_t fork_counting = PTHREAD_ONCE_INIT;
bool counting_forks;

void start_counting_forks() {
  counting_forks = pthread_atfork(nullptr, nullptr, count_fork) == 0;
}

// Fills `memory` with a new loop for `flags`. False when no allowed backend works.
bool loop_init(void *memory, unsigned flags) {
  ev_loop *loop = new (memory) ev_loop();
  loop->flags = flags;
  loop->signal_fd = -1;
  loop->pid = getpid();
  pthread_once(&fork_counting, start_counting_forks);
  if (!counting_forks) return false;  // ENOMEM
  loop->fork_epoch = fork_epoch();
  loop->invoke_pending_cb = ev_invoke_pending;
  loop->pending_placeholder.cb = ignore_event;
  loop->rt_now = ev_time();
  loop->mn_now = monotonic_now();
  loop->mn_at_last_resync = loop->mn_now;
  loop->rt_minus_mn = loop->rt_now - loop->mn_now;
  return backend_choose(loop);
}

// libev keeps its default loop in static storage, and programs rely on it: ev_default_loop
// returns the same pointer every time, and a destroyed default loop's pointer stays usable for
// the accessors (python3-gevent calls ev_userdata on it). Initialising it again keeps what
// libev's initialisation leaves alone: the iteration count, the user data and the
// release/acquire hooks.
alignas(ev_loop) unsigned char default_loop_storage[sizeof(ev_loop)];
static_assert(std::is_trivially_destructible<ev_loop>::value,
              "a destroyed loop's storage is released or kept without running a destructor");

ev_loop *default_loop_create(unsigned flags) {
  const ev_loop &old = *reinterpret_cast<ev_loop *>(default_loop_storage);
  unsigned iteration = old.iteration;
  void *userdata = old.userdata;
  auto release_cb = old.release_cb;
  auto acquire_cb = old.acquire_cb;
  if (!loop_init(default_loop_storage, flags)) return nullptr;
  ev_loop *loop = reinterpret_cast<ev_loop *>(default_loop_storage);
  loop->iteration = iteration;
  loop->userdata = userdata;
  loop->release_cb = release_cb;
  loop->acquire_cb = acquire_cb;
  return loop;
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

namespace {

// The backend's kernel state goes; `make` builds the next one (false: none could be made, and
// it is asked again after the syserr callback, which libev's manual expects to remedy).
template <class Make>
void backend_rebuild(ev_loop *loop, Make make, bool queue_fds = true) {
  loop->backend_repair = BackendRepair::kNone;
  ops_suspend(loop);
  loop->backend->destroy(loop);
  while (!make()) fatal_syserr("evring: cannot re-create the backend");
  ++loop->backend_fd.generation;
  fd_rearm_all(loop, queue_fds);
  ops_resume(loop);
}

}  // namespace

void backend_restart(ev_loop *loop, bool queue_fds) {
  bool fall_back = loop->backend_repair == BackendRepair::kFallBack;
  backend_rebuild(
      loop,
      [loop, fall_back] { return fall_back ? backend_fall_back(loop) : loop->backend->init(loop); },
      queue_fds);
}

bool backend_switch(ev_loop *loop, const BackendOps *next) {
  const BackendOps *before = loop->backend;
  backend_rebuild(loop, [loop, before, next] {
    loop->backend = next;
    if (next->init(loop)) return true;
    loop->backend = before;
    return before->init(loop);
  });
  return loop->backend == next;
}

std::atomic<unsigned> forks_seen{0};

// The parent's ops stay the parent's: ev_loop_fork in a process that did not fork keeps them,
// and ops started in a child (after loop_claim_in_child) are the child's.
void loop_after_fork(ev_loop *loop) {
  loop->forked = false;
  if (loop->fork_epoch != fork_epoch()) {
    loop->fork_epoch = fork_epoch();
    ops_after_fork(loop);
  }
  if (loop->backend->rebuilt_after_fork) backend_restart(loop);
  stat_after_fork(loop);
  wakeup_after_fork(loop);
  signals_after_fork(loop);
  clock_watch_after_fork(loop);
}

// A child that uses the loop before ev_loop_fork (or without it) must not reap the parent's
// completions from the shared rings, nor submit into them.
void loop_claim_in_child_slow(ev_loop *loop) {
  loop->fork_epoch = fork_epoch();
  ops_after_fork(loop);
  // After ev_loop_fork the fds are queued for registration where libev queues them, in
  // loop_after_fork, behind the fds that fork and prepare watchers start: that order is the
  // order of epoll's ready list, and so of the callbacks (io_uring follows it, quirk D).
  backend_restart(loop, !loop->forked);
}

}  // namespace evring

using namespace evring;

ev_loop *ev_loop_new(unsigned flags) noexcept {
  void *memory = mem_realloc(nullptr, sizeof(ev_loop));
  if (loop_init(memory, flags)) return static_cast<ev_loop *>(memory);
  mem_free(memory);
  return nullptr;
}

ev_loop *ev_default_loop(unsigned flags) noexcept {
  if (ev_default_loop_ptr) return ev_default_loop_ptr;
  ev_default_loop_ptr = default_loop_create(flags);
  if (ev_default_loop_ptr) children_init(ev_default_loop_ptr);
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
  bool is_default = loop == ev_default_loop_ptr;
  if (is_default) {
    children_release(loop);
    ev_default_loop_ptr = nullptr;
  }
  stat_release(loop);
  clock_watch_release(loop);
  signals_release(loop);
  wakeup_destroy(loop);
  if (loop->backend) loop->backend->destroy(loop);
  loop->backend = nullptr;  // ev_backend() of a destroyed default loop is 0, as in libev
  ops_release(loop);        // after the backend: the kernel has let go of the ops' memory
  release_arrays(loop);
  // The default loop's storage stays, with the state the accessors read (see
  // default_loop_storage); ev_loop's members have trivial destructors.
  if (!is_default) mem_free(loop);
}
