// The loop object: everything one event loop owns. Each concern's operations live in their own
// file (fd.cc, pending.cc, timer.cc, signal.cc, wakeup.cc, run.cc ...); this header only holds
// the state they share and the tiny watcher helpers every file needs.
#ifndef EVRING_LOOP_H
#define EVRING_LOOP_H

#include <stdint.h>
#include <sys/types.h>

#include <atomic>
#include <pthread.h>

// Inside the library `ev_loop` names the struct, not libev 3's ev_loop() function.
#define EV_COMPAT3 0
#include "ev.h"

#include "backend.h"
#include "memory.h"

namespace evring {

constexpr int kNumPriorities = EV_MAXPRI - EV_MINPRI + 1;

struct PendingSlot {
  ev_watcher *watcher;
  int events;
};

// Heap entries cache the expiry next to the watcher so that sifting never dereferences watchers.
struct HeapNode {
  ev_tstamp at;
  ev_watcher_time *watcher;
};

// Change-list flags of an fd (FdEntry::change).
enum : uint8_t {
  kFdChanged = 1,  // queued in fd_changes: recompute the wanted mask at the next reify
  kFdRebind = 2,   // ev_io_set was called: the fd number may now name a different file
};

struct FdEntry {
  ev_watcher_list *watchers;  // io watchers on this fd, most recently started first
  uint8_t registered;         // the mask the backend has: EV_READ|EV_WRITE, maybe EVRING_EDGE
  uint8_t change;             // kFd* flags, nonzero while queued in fd_changes
  uint32_t generation;        // advanced at every registration change; tags kernel events
  BackendFdBytes backend;     // the backend's own per-fd state (backend_fd_state<T>)
};

struct Inotify;
struct OpTable;

// A private revents bit the core adds to the events it queues for an op's result (ev/ops.cc):
// it tells ev_invoke_pending that the watcher is an evring_op whose next result may wait.
constexpr int kOpDelivery = 0x00200000;

// The backend's fd as an embedding loop's ev_embed watcher sees it (ev/embed.cc): the one place
// where an embeddable backend and ev_embed negotiate.
struct BackendFd {
  // Readable while the backend has events (epoll's own fd, an io_uring ring's), or -1.
  // Embeddable backends set it in init.
  int number = -1;
  // Set by ev_embed_start: a backend that provides the fd only at a cost (io_uring forgoes
  // DEFER_TASKRUN for it) provides it from its next init on.
  bool wanted = false;
  // Advanced whenever `number` names a new kernel object, even under the old number (a
  // backend_restart, a replaced ring): ev_embed must register it anew.
  unsigned generation = 0;
};

// The periodics' wall-clock timerfd (clock_watch.cc): opened with the loop's first periodic.
enum class ClockWatch : uint8_t {
  kNotYet,    // no periodic started yet
  kWatching,  // clock_fd is open and clock_watcher started
  kNone,      // EVFLAG_NOTIMERFD, or no timerfd could be made
};

// An eventfd (or a pipe where eventfd is missing) that wakes a sleeping backend from a signal
// handler or another thread.
struct Wakeup {
  int read_fd = -1;
  int write_fd = -1;  // same as read_fd for an eventfd
  ev_io watcher;
  // Set while the loop may block in the backend: only then does a wakeup need a write.
  std::atomic<int> write_wanted{0};
  // Set by a wakeup that was not written because the loop was not blocking.
  std::atomic<int> write_skipped{0};
  std::atomic<int> signals_pending{0};
  std::atomic<int> asyncs_pending{0};
  // Signal handlers that ran in the thread while it was blocked (wakeup_note_handler).
  std::atomic<unsigned> handlers_in_wait{0};
  std::atomic<pthread_t> blocked_thread{};  // set by wakeup_block_begin
};

}  // namespace evring

struct ev_loop {
  // Time: ev_now() is rt_now; timers run on mn_now (CLOCK_MONOTONIC).
  ev_tstamp rt_now;
  ev_tstamp mn_now;
  ev_tstamp mn_at_last_resync;  // when rt_minus_mn was last measured
  ev_tstamp rt_minus_mn;        // wall clock minus monotonic clock

  // Backend.
  const evring::BackendOps *backend;
  void *backend_state;
  unsigned flags;  // the flags the loop was created with, after env overrides
  // Set by a backend whose kernel state cannot go on; run.cc applies it before the next poll.
  evring::BackendRepair backend_repair;
  // The flags named no backend: the loop took the recommended one, and moves to io_uring when
  // the program starts its first op (backend_upgrade_for_ops).
  bool backend_automatic;
  evring::BackendFd backend_fd;

  // Iteration state.
  unsigned iteration;
  unsigned depth;
  int break_how;
  int active_count;  // started, referenced watchers: the loop runs while this is nonzero
  bool forked;       // ev_loop_fork was called, or FORKCHECK saw a new pid
  pid_t pid;
  unsigned fork_epoch;  // the process's fork_epoch() when this loop last dealt with a fork
  ev_tstamp io_collect_interval;
  ev_tstamp timeout_collect_interval;

  // Pending watchers, one queue per priority; invoked from the back of each queue.
  evring::Vec<evring::PendingSlot> pending[evring::kNumPriorities];
  int pending_priority;  // the level ev_invoke_pending is working on
  // Events queued so far (wrapping): tells whether a step of the iteration queued any.
  unsigned events_queued;
  ev_watcher pending_placeholder;  // takes the slot of a watcher stopped while pending

  // Fds.
  evring::Vec<evring::FdEntry> fds;
  evring::Vec<int> fd_changes;

  // Timers and periodics: 4-ary min-heaps (heap.h).
  evring::Vec<evring::HeapNode> timers;
  evring::Vec<evring::HeapNode> periodics;
  evring::ClockWatch clock_watch;  // the periodics' wall-clock timerfd (clock_watch.cc)
  int clock_fd;
  ev_io clock_watcher;
  evring::Vec<ev_watcher_time *> expired;  // collected per reify, fed in expiry order

  // Watchers kept in plain arrays; `active` is the array position + 1.
  evring::Vec<ev_watcher *> idles[evring::kNumPriorities];
  int idle_count;
  evring::Vec<ev_watcher *> prepares;
  evring::Vec<ev_watcher *> checks;
  evring::Vec<ev_watcher *> forks;
  evring::Vec<ev_watcher *> cleanups;
  evring::Vec<ev_watcher *> asyncs;

  // Signals via signalfd (EVFLAG_SIGNALFD only).
  int signal_fd;
  ev_io signal_fd_watcher;
  sigset_t signal_fd_set;

  evring::Wakeup wakeup;

  // ev_stat's inotify fd and watch table, made by the first ev_stat_start (stat.cc).
  evring::Inotify *inotify;

  // Completion I/O (ev/ops.cc), made by the first evring_op_start or evring_buffer_pool.
  evring::OpTable *ops;

  // User hooks.
  void *userdata;
  ev_loop_callback invoke_pending_cb;
  void (*release_cb)(struct ev_loop *) EV_NOEXCEPT;
  void (*acquire_cb)(struct ev_loop *) EV_NOEXCEPT;
};

namespace evring {

inline int priority_index(const ev_watcher *w) {
  int p = w->priority;
  if (p < EV_MINPRI) p = EV_MINPRI;
  if (p > EV_MAXPRI) p = EV_MAXPRI;
  return p - EV_MINPRI;
}

inline ev_watcher *as_watcher(void *w) {
  return static_cast<ev_watcher *>(w);
}

// Marks a watcher started: clamps its priority (as libev does) and counts it as a reference.
inline void watcher_start(ev_loop *loop, ev_watcher *w, int active) {
  w->priority = priority_index(w) + EV_MINPRI;
  w->active = active;
  ++loop->active_count;
}

inline void watcher_stop(ev_loop *loop, ev_watcher *w) {
  --loop->active_count;
  w->active = 0;
}

inline void list_push(ev_watcher_list **head, ev_watcher_list *w) {
  w->next = *head;
  *head = w;
}

inline void list_remove(ev_watcher_list **head, ev_watcher_list *w) {
  for (; *head; head = &(*head)->next) {
    if (*head == w) {
      *head = w->next;
      return;
    }
  }
}

// Appends a watcher to a plain array, recording its position in `active`.
void array_start(ev_loop *loop, Vec<ev_watcher *> &array, ev_watcher *w);
// Removes it, moving the last element into its place.
void array_stop(ev_loop *loop, Vec<ev_watcher *> &array, ev_watcher *w);
// Queues `events` for every watcher of an array, in array order.
void feed_all(ev_loop *loop, Vec<ev_watcher *> &array, int events);

void time_update(ev_loop *loop);
ev_tstamp monotonic_now();

void queue_event(ev_loop *loop, ev_watcher *w, int events);

// Runs what is pending through the ev_set_invoke_pending_cb hook, which libev calls even when
// nothing is pending (programs may count the calls). With the default hook that empty call is
// skipped: nothing is pending when the scan has come down to priority 0 with its queue empty
// (queue_event restarts the scan at the top).
inline void invoke_pending(ev_loop *loop) {
  if (loop->invoke_pending_cb == ev_invoke_pending && !loop->pending_priority &&
      !loop->pending[0].count)
    return;
  loop->invoke_pending_cb(loop);
}

// ev_clear_pending for the library's own use: every stop function starts with it, and an
// inline call avoids the exported function's PLT indirection.
inline int clear_pending(ev_loop *loop, void *w) {
  ev_watcher *watcher = as_watcher(w);
  if (!watcher->pending) return 0;
  PendingSlot &slot = loop->pending[priority_index(watcher)][watcher->pending - 1];
  slot.watcher = &loop->pending_placeholder;
  watcher->pending = 0;
  return slot.events;
}

}  // namespace evring

namespace evring {

// Backends call these around their blocking system call only, so that a user lock released by
// ev_set_loop_release_cb is never held while the loop sleeps, nor missing while it works.
inline void loop_release(ev_loop *loop) {
  if (loop->release_cb) loop->release_cb(loop);
}
inline void loop_acquire(ev_loop *loop) {
  if (loop->acquire_cb) loop->acquire_cb(loop);
}

}  // namespace evring

#endif
