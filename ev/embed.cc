// ev_embed: one loop run from inside another. The embedding loop watches the embedded loop's
// backend fd (an epoll fd, or an io_uring ring fd, is readable while completions or events wait
// in it) and then either runs the embedded loop once (no callback) or tells the user's callback
// to ev_embed_sweep.
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fd.h"
#include "lifecycle.h"

using namespace evring;

namespace {

ev_embed *embed_containing(void *member, size_t offset) {
  return reinterpret_cast<ev_embed *>(static_cast<char *>(member) - offset);
}

// The io watcher's data holds the embedded loop's backend fd generation it was registered for.
void watch_backend_fd(ev_loop *loop, ev_embed *w) {
  ev_io_set(&w->io, w->other->backend_fd.number, EV_READ);
  w->io.data = reinterpret_cast<void *>(uintptr_t(w->other->backend_fd.generation));
  ev_io_start(loop, &w->io);
}

// Whether the embedded loop's backend fd still has something. A backend that reports readiness
// as of the kernel's wake-up may report it after this loop's prepare watcher (before_blocking)
// has run the embedded loop and taken its events: libev's epoll, polling afterwards, does not.
bool still_readable(int fd) {
  pollfd check = {fd, POLLIN, 0};
  return poll(&check, 1, 0) > 0;
}

void on_backend_ready(ev_loop *loop, ev_io *io, int) {
  ev_embed *w = embed_containing(io, offsetof(ev_embed, io));
  if (loop->backend->embed.reports_wakeup_readiness && !still_readable(io->fd)) return;
  if (w->cb) {
    queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_EMBED);
  } else {
    ev_run(w->other, EVRUN_NOWAIT);
  }
}

// Runs before the embedding loop blocks. The embedded loop tells its kernel about new interest
// only when it runs: do that now, or its backend fd would not report events it is now meant to
// see. And if it re-created its backend meanwhile (a stale-event rebuild, a new io_uring ring),
// watch the new fd, which may even have the old number.
void before_blocking(ev_loop *loop, ev_prepare *prepare, int) {
  ev_embed *w = embed_containing(prepare, offsetof(ev_embed, prepare));
  ev_loop *other = w->other;
  while (other->fd_changes.count) {
    fd_reify(other);
    ev_run(other, EVRUN_NOWAIT);
  }
  loop_claim_in_child(other);
  if (other->backend->embed.submit) other->backend->embed.submit(other);
  if (w->io.fd == other->backend_fd.number &&
      reinterpret_cast<uintptr_t>(w->io.data) == uintptr_t(other->backend_fd.generation))
    return;
  ev_io_stop(loop, &w->io);
  watch_backend_fd(loop, w);
}

// A fork of the embedding loop forks the embedded one too; its backend fd is new afterwards.
void after_fork(ev_loop *loop, ev_fork *fork, int) {
  ev_embed *w = embed_containing(fork, offsetof(ev_embed, fork));
  ev_embed_stop(loop, w);
  ev_loop_fork(w->other);
  ev_run(w->other, EVRUN_NOWAIT);
  ev_embed_start(loop, w);
}

// io_uring publishes its ring fd only when asked (it gives up DEFER_TASKRUN for that): ask, and
// re-create the backend so that it does.
bool has_backend_fd(ev_loop *other) {
  if (other->backend_fd.number < 0 && !other->backend_fd.wanted) {
    other->backend_fd.wanted = true;
    backend_restart(other);
  }
  return other->backend_fd.number >= 0;
}

bool embeddable(ev_loop *other) {
  return other && other->backend && other->backend->embed.embeddable && has_backend_fd(other);
}

}  // namespace

void ev_embed_start(ev_loop *loop, ev_embed *w) noexcept {
  if (w->active) return;
  if (!embeddable(w->other)) {
    // libev asserts here. A watcher without callback (automatic sweeping) can only be told
    // on stderr.
    fprintf(stderr, "evring: ev_embed_start: the loop to embed has no embeddable backend\n");
    if (w->cb) queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_ERROR);
    return;
  }
  ev_init(&w->io, on_backend_ready);
  ev_set_priority(&w->io, ev_priority(w));
  watch_backend_fd(loop, w);
  ev_prepare_init(&w->prepare, before_blocking);
  ev_set_priority(&w->prepare, EV_MINPRI);
  ev_prepare_start(loop, &w->prepare);
  ev_fork_init(&w->fork, after_fork);
  ev_fork_start(loop, &w->fork);
  watcher_start(loop, reinterpret_cast<ev_watcher *>(w), 1);
}

void ev_embed_stop(ev_loop *loop, ev_embed *w) noexcept {
  clear_pending(loop, w);
  if (!w->active) return;
  ev_io_stop(loop, &w->io);
  ev_prepare_stop(loop, &w->prepare);
  ev_fork_stop(loop, &w->fork);
  watcher_stop(loop, reinterpret_cast<ev_watcher *>(w));
}

void ev_embed_sweep(ev_loop *, ev_embed *w) noexcept {
  ev_run(w->other, EVRUN_NOWAIT);
}
