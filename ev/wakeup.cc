#include "wakeup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "async.h"
#include "signals.h"

namespace evring {

static void on_wakeup(ev_loop *loop, ev_io *, int revents) {
  Wakeup &wake = loop->wakeup;
  if (revents & EV_READ) {
    // Drain: a counter for an eventfd, bytes for a pipe.
    char buffer[64];
    while (read(wake.read_fd, buffer, sizeof buffer) > 0 && wake.read_fd != wake.write_fd) {
    }
  }
  wake.write_skipped.store(0, std::memory_order_seq_cst);
  if (wake.signals_pending.exchange(0, std::memory_order_acq_rel)) signals_feed_pending(loop);
  if (wake.asyncs_pending.exchange(0, std::memory_order_acq_rel)) asyncs_feed_sent(loop);
}

// An eventfd, else a pipe. When neither can be had (no fd left), the syserr callback is told
// and both are tried again, as libev does: its manual expects the callback to remedy.
static void open_fds(Wakeup &wake) {
  for (;;) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd >= 0) {
      wake.read_fd = wake.write_fd = fd;
      return;
    }
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) == 0) {
      wake.read_fd = pipe_fds[0];
      wake.write_fd = pipe_fds[1];
      return;
    }
    fatal_syserr("evring: cannot create wakeup fd");
  }
}

static void close_fds(Wakeup &wake) {
  if (wake.write_fd != wake.read_fd) close(wake.write_fd);
  close(wake.read_fd);
  wake.read_fd = wake.write_fd = -1;
}

static void start_watcher(ev_loop *loop) {
  Wakeup &wake = loop->wakeup;
  ev_io_init(&wake.watcher, on_wakeup, wake.read_fd, EV_READ);
  ev_set_priority(&wake.watcher, EV_MAXPRI);
  ev_io_start(loop, &wake.watcher);
  ev_unref(loop);
}

static void stop_watcher(ev_loop *loop) {
  ev_ref(loop);
  ev_io_stop(loop, &loop->wakeup.watcher);
}

void wakeup_init(ev_loop *loop) {
  if (loop->wakeup.watcher.active) return;
  open_fds(loop->wakeup);
  start_watcher(loop);
}

void wakeup_signal(ev_loop *loop, std::atomic<int> &flag) {
  // An exchange, not a load: even when `flag` is already set, this release publishes the
  // caller's pending mark (a signal's, an async's) to the loop's acquiring exchange of `flag`.
  // With a plain load, the loop could clear `flag` and scan the marks before the caller's mark
  // landed, and the caller, seeing `flag` still set, would not wake it again.
  if (flag.exchange(1, std::memory_order_acq_rel)) return;  // already on its way
  Wakeup &wake = loop->wakeup;
  wake.write_skipped.store(1, std::memory_order_seq_cst);
  if (!wake.write_wanted.load(std::memory_order_seq_cst)) return;
  wake.write_skipped.store(0, std::memory_order_seq_cst);
  int saved_errno = errno;  // we may be in a signal handler
  uint64_t one = 1;
  ssize_t unused = write(wake.write_fd, &one, wake.write_fd == wake.read_fd ? sizeof one : 1);
  (void)unused;  // a full pipe already means "wake up"
  errno = saved_errno;
}

bool wakeup_block_begin(ev_loop *loop) {
  Wakeup &wake = loop->wakeup;
  wake.blocked_thread.store(pthread_self(), std::memory_order_relaxed);
  wake.write_wanted.store(1, std::memory_order_seq_cst);
  return !wake.write_skipped.load(std::memory_order_seq_cst);
}

void wakeup_block_end(ev_loop *loop) {
  Wakeup &wake = loop->wakeup;
  // No fence: a sender that still sees the old value only writes once more than needed.
  wake.write_wanted.store(0, std::memory_order_relaxed);
  // A wakeup that did not write (the loop was not blocking, or was deciding to): deliver it
  // now. One that lands after this load is seen by the next iteration's wakeup_block_begin.
  if (wake.write_skipped.load(std::memory_order_acquire) && wake.watcher.active)
    queue_event(loop, reinterpret_cast<ev_watcher *>(&wake.watcher), EV_CUSTOM);
}

void wakeup_note_handler(ev_loop *loop) {
  Wakeup &wake = loop->wakeup;
  if (wake.write_wanted.load(std::memory_order_relaxed) &&
      pthread_equal(wake.blocked_thread.load(std::memory_order_relaxed), pthread_self()))
    wake.handlers_in_wait.fetch_add(1, std::memory_order_relaxed);
}

void wakeup_after_fork(ev_loop *loop) {
  if (!loop->wakeup.watcher.active) return;
  stop_watcher(loop);
  close_fds(loop->wakeup);
  open_fds(loop->wakeup);
  start_watcher(loop);
  // Whatever the parent had been told before the fork is ours to look at too: fed (at
  // EV_MAXPRI) rather than handled here, so async and signal callbacks fall where libev's do.
  queue_event(loop, reinterpret_cast<ev_watcher *>(&loop->wakeup.watcher), EV_CUSTOM);
}

void wakeup_destroy(ev_loop *loop) {
  if (!loop->wakeup.watcher.active) return;
  stop_watcher(loop);
  close_fds(loop->wakeup);
}

}  // namespace evring
