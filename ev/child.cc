// ev_child: status changes of child processes, reported by the default loop only.
//
// libev's observable behaviour, kept exactly: the default loop owns SIGCHLD through an internal
// signal watcher at EV_MAXPRI; each time it runs it reaps ONE child (waitpid(-1) with
// WUNTRACED | WCONTINUED, so stops and continues of any child are seen too), queues itself again
// and then queues the interested child watchers behind it, so their callbacks run before the
// next child is reaped. Watchers live in a 16-bucket table keyed by pid & 15: for a pid, the
// watchers of its bucket are queued first, then the pid-0 bucket's; since the pending queue runs
// from its back, the pid-0 bucket's callbacks run first. Callback order follows from that.
#include <stdio.h>
#include <sys/wait.h>

#include "children.h"

namespace evring {

namespace {

constexpr int kBuckets = 16;
ev_watcher_list *g_buckets[kBuckets];
// Like the table, process-wide: only one loop (the default one) can have child watchers.
ev_signal g_sigchld;

ev_watcher_list *&bucket_of(int pid) {
  return g_buckets[pid & (kBuckets - 1)];
}

bool wants(const ev_child *w, int pid, bool stopped_or_continued) {
  return (w->pid == pid || !w->pid) && (!stopped_or_continued || (w->flags & 1));
}

void report(ev_loop *loop, ev_watcher_list *bucket, int pid, int status) {
  bool stopped_or_continued = WIFSTOPPED(status) || WIFCONTINUED(status);
  for (ev_watcher_list *w = bucket; w; w = w->next) {
    ev_child *child = reinterpret_cast<ev_child *>(w);
    if (!wants(child, pid, stopped_or_continued)) continue;
    // Same priority as the SIGCHLD watcher, so the callback runs before the next reap (libev
    // documents this). A watcher still pending elsewhere keeps its slot and merges the event.
    if (!child->pending) child->priority = EV_MAXPRI;
    child->rpid = pid;
    child->rstatus = status;
    queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_CHILD);
  }
}

void on_sigchld(ev_loop *loop, ev_signal *w, int) {
  int status;
  pid_t pid = waitpid(-1, &status, WNOHANG | WUNTRACED | WCONTINUED);
  if (pid <= 0) return;
  // Queued before the watchers, hence invoked after them: then look for the next child.
  queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_SIGNAL);
  report(loop, bucket_of(pid), pid, status);
  // A pid in bucket 0 has just been reported to that bucket's pid-0 watchers as well.
  if (&bucket_of(pid) != &bucket_of(0)) report(loop, bucket_of(0), pid, status);
}

}  // namespace

void children_init(ev_loop *loop) {
  ev_signal_init(&g_sigchld, on_sigchld, SIGCHLD);
  ev_set_priority(&g_sigchld, EV_MAXPRI);
  ev_signal_start(loop, &g_sigchld);
  // Not started if another loop took SIGCHLD first (libev would assert).
  if (g_sigchld.active) ev_unref(loop);
}

void children_release(ev_loop *loop) {
  if (!g_sigchld.active) return;
  ev_ref(loop);
  ev_signal_stop(loop, &g_sigchld);
}

}  // namespace evring

using namespace evring;

void ev_child_start(ev_loop *loop, ev_child *w) noexcept {
  if (w->active) return;
  if (loop != ev_default_loop_ptr) {
    // libev asserts here; a watcher that can never fire is reported instead.
    fprintf(stderr, "evring: ev_child_start: child watchers work in the default loop only\n");
    queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_ERROR);
    return;
  }
  watcher_start(loop, reinterpret_cast<ev_watcher *>(w), 1);
  list_push(&bucket_of(w->pid), reinterpret_cast<ev_watcher_list *>(w));
}

void ev_child_stop(ev_loop *loop, ev_child *w) noexcept {
  clear_pending(loop, w);
  if (!w->active) return;
  list_remove(&bucket_of(w->pid), reinterpret_cast<ev_watcher_list *>(w));
  watcher_stop(loop, reinterpret_cast<ev_watcher *>(w));
}
