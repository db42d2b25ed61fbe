// A 4-ary min-heap of (expiry, watcher), used for timers and periodics. Ties keep their order
// the way libev's heap does (a node only moves past strictly later ones), so that timers with
// equal expiry fire in the same order as under libev.
#ifndef EVRING_HEAP_H
#define EVRING_HEAP_H

#include "loop.h"

namespace evring {

// A heap watcher's `active` is its node position plus this. libev's heap array starts at
// index 3, and programs print ev_is_active(), so evring reports the same numbers.
constexpr int kHeapActiveBase = 3;
inline int heap_position(const ev_watcher_time *w) {
  return w->active - kHeapActiveBase;
}

// Restores heap order after node k got an earlier expiry (or was appended).
void heap_up(Vec<HeapNode> &heap, int k);
// Restores heap order after node k got a later expiry.
void heap_down(Vec<HeapNode> &heap, int k);
// Restores heap order after node k changed either way.
void heap_adjust(Vec<HeapNode> &heap, int k);
// Removes node k.
void heap_remove(Vec<HeapNode> &heap, int k);
// Starts w, whose `at` is set, as a new node of heap.
void heap_watcher_start(ev_loop *loop, Vec<HeapNode> &heap, ev_watcher_time *w);
// Stops a started w and takes its node out of heap.
void heap_watcher_stop(ev_loop *loop, Vec<HeapNode> &heap, ev_watcher_time *w);
// Re-establishes heap order after every node's expiry changed (periodics after a clock jump).
void heap_rebuild(Vec<HeapNode> &heap);

}  // namespace evring

#endif
