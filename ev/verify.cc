// ev_verify: checks the loop's internal invariants and aborts with a message if one is broken.
#include <stdio.h>
#include <stdlib.h>

#include "heap.h"

using namespace evring;

static void require(bool ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "evring: ev_verify: %s\n", what);
  abort();
}

static void verify_heap(const Vec<HeapNode> &heap) {
  for (int k = 0; k < heap.count; ++k) {
    require(heap[k].watcher->active == k + kHeapActiveBase, "heap node has wrong active index");
    require(heap[k].at == heap[k].watcher->at, "heap node caches a stale expiry");
    if (k) require(heap[(k - 1) / 4].at <= heap[k].at, "heap order violated");
  }
}

static void verify_array(const Vec<ev_watcher *> &array) {
  for (int i = 0; i < array.count; ++i)
    require(array[i]->active == i + 1, "watcher array has wrong active index");
}

void ev_verify(ev_loop *loop) noexcept {
  for (int pri = 0; pri < kNumPriorities; ++pri) {
    const Vec<PendingSlot> &queue = loop->pending[pri];
    for (int i = 0; i < queue.count; ++i) {
      ev_watcher *w = queue[i].watcher;
      require(w == &loop->pending_placeholder || w->pending == i + 1, "pending slot mismatch");
    }
  }
  for (int fd = 0; fd < loop->fds.count; ++fd) {
    for (ev_watcher_list *w = loop->fds[fd].watchers; w; w = w->next) {
      require(w->active, "inactive io watcher in fd list");
      require(reinterpret_cast<ev_io *>(w)->fd == fd, "io watcher in the wrong fd list");
    }
  }
  verify_heap(loop->timers);
  verify_heap(loop->periodics);
  for (const auto &idles : loop->idles) verify_array(idles);
  verify_array(loop->prepares);
  verify_array(loop->checks);
  verify_array(loop->forks);
  verify_array(loop->cleanups);
  verify_array(loop->asyncs);
}
