// The process-wide allocator and fatal-error hooks (ev_set_allocator, ev_set_syserr_cb).
#include "memory.h"

#include <stdio.h>
#include <stdlib.h>

#include "loop.h"

namespace {

void *default_allocator(void *ptr, long size) noexcept {
  if (size) return realloc(ptr, size_t(size));
  free(ptr);
  return nullptr;
}

void *(*g_allocator)(void *ptr, long size) noexcept = default_allocator;
void (*g_syserr_cb)(const char *msg) noexcept;

}  // namespace

namespace evring {

void *mem_try_realloc(void *ptr, long size) {
  return g_allocator(ptr, size);
}

void *mem_realloc(void *ptr, long size) {
  ptr = g_allocator(ptr, size);
  if (!ptr && size) {
    fprintf(stderr, "evring: cannot allocate %ld bytes, aborting.\n", size);
    abort();
  }
  return ptr;
}

void fatal_syserr(const char *msg) {
  if (g_syserr_cb) {
    g_syserr_cb(msg);
    return;
  }
  perror(msg);
  abort();
}

}  // namespace evring

void ev_set_allocator(void *(*cb)(void *ptr, long size) noexcept) noexcept {
  g_allocator = cb ? cb : default_allocator;
}

void ev_set_syserr_cb(void (*cb)(const char *msg) noexcept) noexcept {
  g_syserr_cb = cb;
}
