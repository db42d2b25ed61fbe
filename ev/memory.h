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
// For memory whose size the program chose and can do without (a buffer pool): null when the
// allocator fails, for the caller to report.
void *mem_try_alloc(long size);
inline void mem_free(void *ptr) {
  mem_realloc(ptr, 0);
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
    if (wanted > capacity) grow(wanted);
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
  __attribute__((noinline)) void grow(int wanted) {
    int grown = capacity ? capacity : 16;
    while (grown < wanted) grown *= 2;
    items = static_cast<T *>(mem_realloc(items, long(sizeof(T)) * grown));
    memset(static_cast<void *>(items + capacity), 0, sizeof(T) * (grown - capacity));
    capacity = grown;
  }
};

}  // namespace evring

#endif
