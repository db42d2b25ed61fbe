// The loop's buffer pool for EVRING_POOLED receives. The program gets a buffer with a result
// (op->buffer) and gives it back with evring_buffer_release. Where the backend hands buffers to
// the kernel itself (io_uring's provided buffer rings), the free buffers are the kernel's;
// otherwise the emulated receives take them from the free list here.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lifecycle.h"
#include "ops.h"

namespace evring {

namespace {

constexpr unsigned kMaxBuffers = 32768;  // io_uring's limit for a provided buffer ring

const NativeOps *native_of(ev_loop *loop) {
  return loop->backend ? loop->backend->native_ops : nullptr;
}

// A pooled receive that is not stopped may take a buffer at any time; a stopped one may hold
// buffers in results that evring_op_stop has not returned yet (the program's to collect: a new
// pool would hand the same numbers out again).
bool pool_in_use(const OpTable &table) {
  for (const OpSlot *slot : table.slots) {
    if (slot->state == OpState::kFree) continue;
    if (slot->state != OpState::kStopped && (slot->op->flags & EVRING_POOLED)) return true;
    for (const OpResult &result : slot->results)
      if (result.buffer >= 0) return true;
  }
  return false;
}

void pool_free(ev_loop *loop, BufferPool &pool) {
  const NativeOps *native = native_of(loop);
  if (pool.native && native) native->pool_detach(loop);
  mem_free(pool.memory);
  pool.free.release();
  pool.is_out.release();
  pool.starved.release();
  pool = BufferPool{};
}

// The free buffers go to the kernel if the backend takes them, else to the free list.
void pool_offer_all(ev_loop *loop, BufferPool &pool) {
  const NativeOps *native = native_of(loop);
  pool.free.count = 0;
  pool.native = native && native->pool_attach && native->pool_attach(loop);
  if (pool.native) return;
  for (unsigned i = pool.count; i--;)
    if (!pool.is_out[int(i)]) pool.free.push(int32_t(i));
}

}  // namespace

int32_t pool_take(BufferPool &pool) {
  if (pool.native || !pool.free.count) return -1;
  int32_t buffer = pool.free[--pool.free.count];
  pool.is_out[buffer] = 1;
  return buffer;
}

void pool_put_back(ev_loop *loop, int32_t buffer) {
  BufferPool &pool = loop->ops->pool;
  pool.is_out[buffer] = 0;
  if (pool.native)
    native_of(loop)->pool_release(loop, buffer);
  else
    pool.free.push(buffer);
  if (pool.starved.count) ops_unpark(loop);
}

void pool_reattach(ev_loop *loop) {
  if (loop->ops && loop->ops->pool.count) pool_offer_all(loop, loop->ops->pool);
}

void pool_release_all(ev_loop *loop) {
  if (loop->ops && loop->ops->pool.count) pool_free(loop, loop->ops->pool);
}

}  // namespace evring

using namespace evring;

int evring_buffer_pool(ev_loop *loop, unsigned count, size_t size) noexcept {
  if (!count || (count & (count - 1)) || count > kMaxBuffers || !size || size > (1u << 30))
    return -EINVAL;
  loop_claim_in_child(loop);
  OpTable &table = ops_table(loop);
  BufferPool &pool = table.pool;
  if (pool.count && (pool.out || pool_in_use(table))) return -EBUSY;
  // The one allocation a program is told about: all of the new pool's memory is had first
  // (the free list at its full size, so that offering the buffers allocates nothing), and a
  // refusal leaves the old pool as it was.
  BufferPool fresh{};
  fresh.memory = static_cast<char *>(mem_try_realloc(nullptr, long(count) * long(size)));
  if (!fresh.memory || !fresh.is_out.try_reserve_zeroed(int(count)) ||
      !fresh.free.try_reserve_zeroed(int(count))) {
    mem_free(fresh.memory);
    fresh.is_out.release();
    fresh.free.release();
    return -ENOMEM;
  }
  if (pool.count) pool_free(loop, pool);
  pool = fresh;
  pool.count = count;
  pool.size = size;
  pool.is_out.count = int(count);
  pool_offer_all(loop, pool);
  return 0;
}

void evring_buffer_release(ev_loop *loop, void *buffer) noexcept {
  loop_claim_in_child(loop);
  BufferPool *pool = loop->ops ? &loop->ops->pool : nullptr;
  char *at = static_cast<char *>(buffer);
  size_t offset = pool && at >= pool->memory ? size_t(at - pool->memory) : ~size_t(0);
  int32_t index = int32_t(offset / (pool ? pool->size : 1));
  if (!pool || !pool->count || offset % pool->size || unsigned(index) >= pool->count ||
      !pool->is_out[index]) {
    fprintf(stderr, "evring: evring_buffer_release: %p is not a pool buffer the program holds\n",
            buffer);
    return;
  }
  --pool->out;
  pool_put_back(loop, index);
}
