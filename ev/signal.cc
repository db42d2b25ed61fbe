// ev_signal. Default delivery: a sigaction handler that only marks the signal and wakes the
// owning loop (async-signal-safe). With EVFLAG_SIGNALFD: the signals are blocked and read from a
// signalfd instead, which only works if every thread blocks them, hence opt-in as in libev.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "signals.h"
#include "wakeup.h"

namespace evring {

namespace {

struct SignalSlot {
  std::atomic<ev_loop *> owner;
  std::atomic<int> pending;
  ev_watcher_list *watchers;  // touched only by the owner loop's thread
};

SignalSlot g_signals[NSIG];

bool valid_signum(int signum) {
  return signum > 0 && signum < NSIG;
}

// Marks the signal pending and wakes its owner; returns the owner, if any.
ev_loop *mark_signal(int signum) {
  ev_loop *loop = g_signals[signum].owner.load(std::memory_order_acquire);
  if (!loop) return nullptr;
  g_signals[signum].pending.store(1, std::memory_order_release);
  wakeup_signal(loop, loop->wakeup.signals_pending);
  return loop;
}

void on_signal(int signum) {
  if (ev_loop *loop = mark_signal(signum)) wakeup_note_handler(loop);
}

void on_signal_fd(ev_loop *loop, ev_io *, int) {
  signalfd_siginfo info[4];
  for (;;) {
    ssize_t got = read(loop->signal_fd, info, sizeof info);
    if (got <= 0) break;
    for (size_t i = 0; i < size_t(got) / sizeof info[0]; ++i)
      ev_feed_signal_event(loop, int(info[i].ssi_signo));
    if (size_t(got) < sizeof info) break;
  }
}

// Creates the loop's signalfd on first use, when the loop asked for one.
bool use_signal_fd(ev_loop *loop) {
  if (!(loop->flags & EVFLAG_SIGNALFD)) return false;
  if (loop->signal_fd >= 0) return true;
  sigemptyset(&loop->signal_fd_set);
  loop->signal_fd = signalfd(-1, &loop->signal_fd_set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (loop->signal_fd < 0) return false;
  ev_io_init(&loop->signal_fd_watcher, on_signal_fd, loop->signal_fd, EV_READ);
  ev_set_priority(&loop->signal_fd_watcher, EV_MAXPRI);
  ev_io_start(loop, &loop->signal_fd_watcher);
  ev_unref(loop);
  return true;
}

// Stops the signalfd's (unreferenced) watcher and closes the fd.
void close_signal_fd(ev_loop *loop) {
  ev_ref(loop);
  ev_io_stop(loop, &loop->signal_fd_watcher);
  close(loop->signal_fd);
  loop->signal_fd = -1;
}

void set_thread_mask(int how, int signum) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signum);
  pthread_sigmask(how, &set, nullptr);
}

void attach(ev_loop *loop, int signum) {
  if (use_signal_fd(loop)) {
    sigaddset(&loop->signal_fd_set, signum);
    set_thread_mask(SIG_BLOCK, signum);
    signalfd(loop->signal_fd, &loop->signal_fd_set, 0);
    return;
  }
  wakeup_init(loop);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigfillset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(signum, &action, nullptr);
  // libev 4.33 unblocks the signal in the calling thread only under EVFLAG_NOSIGMASK, the
  // reverse of what its manual says; programs written against it see that, so evring does too.
  if (loop->flags & EVFLAG_NOSIGMASK) set_thread_mask(SIG_UNBLOCK, signum);
}

void detach(ev_loop *loop, int signum) {
  g_signals[signum].owner.store(nullptr, std::memory_order_release);
  if (loop->signal_fd >= 0 && sigismember(&loop->signal_fd_set, signum)) {
    sigdelset(&loop->signal_fd_set, signum);
    signalfd(loop->signal_fd, &loop->signal_fd_set, 0);
    set_thread_mask(SIG_UNBLOCK, signum);
  } else {
    signal(signum, SIG_DFL);
  }
}

void reject(ev_loop *loop, ev_signal *w, const char *why) {
  fprintf(stderr, "evring: ev_signal_start: signal %d %s\n", w->signum, why);
  queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_ERROR);
}

}  // namespace

// Highest signal number first, so that callbacks run lowest first (as under libev).
void signals_feed_pending(ev_loop *loop) {
  for (int signum = NSIG - 1; signum > 0; --signum) {
    SignalSlot &slot = g_signals[signum];
    if (slot.owner.load(std::memory_order_acquire) == loop &&
        slot.pending.load(std::memory_order_acquire))
      ev_feed_signal_event(loop, signum);
  }
}

void signals_release(ev_loop *loop) {
  for (int signum = 1; signum < NSIG; ++signum) {
    SignalSlot &slot = g_signals[signum];
    if (slot.owner.load(std::memory_order_acquire) != loop) continue;
    while (ev_watcher_list *w = slot.watchers)
      ev_signal_stop(loop, reinterpret_cast<ev_signal *>(w));
  }
  if (loop->signal_fd >= 0) close_signal_fd(loop);
}

void signals_after_fork(ev_loop *loop) {
  if (loop->signal_fd < 0) return;
  close_signal_fd(loop);
  // Tried again after the syserr callback, which libev's manual expects to remedy.
  while ((loop->signal_fd = signalfd(-1, &loop->signal_fd_set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
    fatal_syserr("evring: cannot recreate signalfd after fork");
  ev_io_set(&loop->signal_fd_watcher, loop->signal_fd, EV_READ);
  ev_io_start(loop, &loop->signal_fd_watcher);
  ev_unref(loop);
}

}  // namespace evring

using namespace evring;

void ev_feed_signal(int signum) noexcept {
  if (valid_signum(signum)) mark_signal(signum);
}

void ev_feed_signal_event(ev_loop *loop, int signum) noexcept {
  if (!valid_signum(signum)) return;
  SignalSlot &slot = g_signals[signum];
  if (slot.owner.load(std::memory_order_acquire) != loop) return;
  slot.pending.store(0, std::memory_order_release);
  for (ev_watcher_list *w = slot.watchers; w; w = w->next)
    queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_SIGNAL);
}

void ev_signal_start(ev_loop *loop, ev_signal *w) noexcept {
  if (w->active) return;
  int signum = w->signum;
  if (!valid_signum(signum)) return reject(loop, w, "is out of range");
  SignalSlot &slot = g_signals[signum];
  ev_loop *expected = nullptr;
  if (!slot.owner.compare_exchange_strong(expected, loop) && expected != loop)
    return reject(loop, w, "is already watched by another loop");
  watcher_start(loop, reinterpret_cast<ev_watcher *>(w), 1);
  bool first = !slot.watchers;
  list_push(&slot.watchers, reinterpret_cast<ev_watcher_list *>(w));
  if (first) attach(loop, signum);
}

void ev_signal_stop(ev_loop *loop, ev_signal *w) noexcept {
  clear_pending(loop, w);
  if (!w->active) return;
  SignalSlot &slot = g_signals[w->signum];
  list_remove(&slot.watchers, reinterpret_cast<ev_watcher_list *>(w));
  watcher_stop(loop, reinterpret_cast<ev_watcher *>(w));
  if (!slot.watchers) detach(loop, w->signum);
}
