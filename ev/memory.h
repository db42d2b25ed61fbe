// Memory for the loop goes through the allocator the user may set with ev_set_allocator, and
// evring links no C++ runtime, so containers are these small growable arrays of trivially
// copyable elements instead of std::vector.
#ifndef EVRING_MEMORY_H
#define EVRING_MEMORY_H

#include <string.h>

#include <type_traits>

namespace evring {

// Never returns null for a nonzero size: allocation failure is fatal, as in libev.
void *mem_realloc(void *ptr, long size);
// Null when the allocator refuses: for the calls documented to return -ENOMEM.
void *mem_try_realloc(void *ptr, long size);
inline void mem_free(void *ptr) {
  mem_realloc(ptr, 0);
}

// Zeroed memory on a 128-byte boundary, for records touched on every op of a connection: at
// hundreds of connections each is a cache miss, and processors fetch 128-byte-aligned pairs of
// lines together. The allocator's own pointer is kept just before the record.
constexpr long kLinePairBytes = 128;
inline void *mem_alloc_line_pairs(long size) {
  auto *raw =
      static_cast<char *>(mem_realloc(nullptr, size + kLinePairBytes + long(sizeof(void *))));
  char *record = raw + sizeof(void *);
  record +=
      (kLinePairBytes - reinterpret_cast<unsigned long>(record) % kLinePairBytes) % kLinePairBytes;
  reinterpret_cast<void **>(record)[-1] = raw;
  memset(record, 0, size_t(size));
  return record;
}
inline void mem_free_line_pairs(void *record) {
  mem_free(static_cast<void **>(record)[-1]);
}

// Reports a fatal system error through the user's syserr callback, or prints and aborts.
void fatal_syserr(const char *msg);

template <typename T>
struct Vec {
  static_assert(std::is_trivially_copyable<T>::value, "Vec holds plain data only");

  T *items;
  int count;
  int capacity;

  T &operator[](int i) { return items[i]; }
  const T &operator[](int i) const { return items[i]; }
  T *begin() { return items; }
  T *end() { return items + count; }
  const T *begin() const { return items; }
  const T *end() const { return items + count; }

  // Makes room for `wanted` elements; new elements are zeroed so a fresh slot is "empty".
  void reserve_zeroed(int wanted) {
    if (wanted > capacity) grow(wanted, mem_realloc);
  }
  // As reserve_zeroed, but false (and the array as it was) when the allocator refuses.
  bool try_reserve_zeroed(int wanted) {
    return wanted <= capacity || grow(wanted, mem_try_realloc);
  }
  void push(const T &value) {
    reserve_zeroed(count + 1);
    items[count++] = value;
  }
  void release() {
    mem_free(items);
    items = nullptr;
    count = capacity = 0;
  }

 private:
  // Out of line so that push() stays a compare and a store in the hot paths.
  __attribute__((noinline)) bool grow(int wanted, void *(*allocate)(void *, long)) {
    int grown = capacity ? capacity : 16;
    while (grown < wanted) grown *= 2;
    T *moved = static_cast<T *>(allocate(items, long(sizeof(T)) * grown));
    if (!moved) return false;
    items = moved;
    memset(static_cast<void *>(items + capacity), 0, sizeof(T) * (grown - capacity));
    capacity = grown;
    return true;
  }
};

}  // namespace evring

#endif
