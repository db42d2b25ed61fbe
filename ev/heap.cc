#include "heap.h"

namespace evring {

namespace {

constexpr int kArity = 4;

inline int parent_of(int k) {
  return (k - 1) / kArity;
}
inline int first_child_of(int k) {
  return kArity * k + 1;
}

inline void place(Vec<HeapNode> &heap, int k, HeapNode node) {
  heap[k] = node;
  node.watcher->active = k + kHeapActiveBase;
}

}  // namespace

void heap_up(Vec<HeapNode> &heap, int k) {
  HeapNode node = heap[k];
  while (k > 0) {
    int parent = parent_of(k);
    if (heap[parent].at <= node.at) break;
    place(heap, k, heap[parent]);
    k = parent;
  }
  place(heap, k, node);
}

void heap_down(Vec<HeapNode> &heap, int k) {
  HeapNode node = heap[k];
  for (;;) {
    int first = first_child_of(k);
    if (first >= heap.count) break;
    int end = first + kArity < heap.count ? first + kArity : heap.count;
    int smallest = first;
    for (int child = first + 1; child < end; ++child) {
      if (heap[child].at < heap[smallest].at) smallest = child;
    }
    if (node.at <= heap[smallest].at) break;
    place(heap, k, heap[smallest]);
    k = smallest;
  }
  place(heap, k, node);
}

void heap_adjust(Vec<HeapNode> &heap, int k) {
  if (k > 0 && heap[k].at <= heap[parent_of(k)].at)
    heap_up(heap, k);
  else
    heap_down(heap, k);
}

void heap_remove(Vec<HeapNode> &heap, int k) {
  --heap.count;
  if (k < heap.count) {
    heap[k] = heap[heap.count];
    heap_adjust(heap, k);
  }
}

void heap_watcher_start(ev_loop *loop, Vec<HeapNode> &heap, ev_watcher_time *w) {
  watcher_start(loop, reinterpret_cast<ev_watcher *>(w), heap.count + kHeapActiveBase);
  heap.push(HeapNode{w->at, w});
  heap_up(heap, heap.count - 1);
}

void heap_watcher_stop(ev_loop *loop, Vec<HeapNode> &heap, ev_watcher_time *w) {
  heap_remove(heap, heap_position(w));
  watcher_stop(loop, reinterpret_cast<ev_watcher *>(w));
}

void heap_rebuild(Vec<HeapNode> &heap) {
  for (int k = 0; k < heap.count; ++k) heap_up(heap, k);
}

}  // namespace evring
