// The loop's buffer pool (evring_buffer_pool, ev/ops_pool.cc): each error return docs/ops.md and
// evring(3) list, and that a refused call leaves the pool the loop had working.
#include "support.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace {

constexpr long kRefusedSize = 64L << 20;

// The process-wide allocator while a test needs allocations of kRefusedSize and more to fail.
void *refusing_allocator(void *ptr, long size) noexcept {
  if (size >= kRefusedSize) return nullptr;
  if (size) return realloc(ptr, size_t(size));
  free(ptr);
  return nullptr;
}

struct AllocatorGuard {
  AllocatorGuard() { ev_set_allocator(refusing_allocator); }
  ~AllocatorGuard() { ev_set_allocator(nullptr); }
};

struct Received {
  ssize_t result = 0;
  void *buffer = nullptr;
  int calls = 0;
};

void on_received(struct ev_loop *, evring_op *op, int) {
  auto *received = static_cast<Received *>(op->data);
  received->result = op->result;
  received->buffer = op->buffer;
  ++received->calls;
}

// Starts a pooled receive on `fd`, writes `data` to `peer` and runs the loop until it ends.
Received receive_pooled(struct ev_loop *loop, evring_op &op, int fd, int peer, const char *data) {
  Received received;
  evring_recv_init(&op, on_received, fd, nullptr, 0, EVRING_POOLED);
  op.data = &received;
  evring_op_start(loop, &op);
  REQUIRE(ev_is_active(&op));
  REQUIRE(write(peer, data, strlen(data)) == ssize_t(strlen(data)));
  REQUIRE(run_until(loop, [&] { return received.calls > 0; }));
  return received;
}

}  // namespace

TEST_CASE("evring_buffer_pool refuses counts and sizes out of range with -EINVAL", "[ops]") {
  LoopGuard loop;
  CHECK(evring_buffer_pool(loop, 0, 64) == -EINVAL);
  CHECK(evring_buffer_pool(loop, 3, 64) == -EINVAL);
  CHECK(evring_buffer_pool(loop, 65536, 64) == -EINVAL);
  CHECK(evring_buffer_pool(loop, 4, 0) == -EINVAL);
  CHECK(evring_buffer_pool(loop, 4, (size_t(1) << 30) + 1) == -EINVAL);
  CHECK(evring_buffer_pool(loop, 1, 1) == 0);
  CHECK(evring_buffer_pool(loop, 32768, 16) == 0);  // a second call replaces the pool
}

TEST_CASE("evring_buffer_pool answers -EBUSY while a pooled receive runs or a buffer is out",
          "[ops]") {
  LoopGuard loop;
  SocketFds pair = make_socketpair();
  REQUIRE(evring_buffer_pool(loop, 4, 64) == 0);
  evring_op op;
  Received received;
  evring_recv_init(&op, on_received, pair.a.get(), nullptr, 0, EVRING_POOLED);
  op.data = &received;
  evring_op_start(loop, &op);
  REQUIRE(ev_is_active(&op));
  CHECK(evring_buffer_pool(loop, 8, 64) == -EBUSY);

  REQUIRE(write(pair.b.get(), "hello", 5) == 5);
  REQUIRE(run_until(loop, [&] { return received.calls > 0; }));
  REQUIRE(received.result == 5);
  REQUIRE(received.buffer != nullptr);
  CHECK(evring_buffer_pool(loop, 8, 64) == -EBUSY);  // the program holds a buffer
  evring_buffer_release(loop, received.buffer);
  CHECK(evring_buffer_pool(loop, 8, 64) == 0);
}

TEST_CASE("evring_buffer_pool answers -ENOMEM when the allocator fails, keeping the old pool",
          "[ops]") {
  LoopGuard loop;
  SocketFds pair = make_socketpair();
  REQUIRE(evring_buffer_pool(loop, 4, 8) == 0);
  {
    AllocatorGuard refusing;
    CHECK(evring_buffer_pool(loop, 64, size_t(kRefusedSize) / 64) == -ENOMEM);
  }
  // The pool of 8-byte buffers is still the loop's.
  evring_op op;
  Received received = receive_pooled(loop, op, pair.a.get(), pair.b.get(), "0123456789");
  CHECK(received.result == 8);
  REQUIRE(received.buffer != nullptr);
  CHECK(memcmp(received.buffer, "01234567", 8) == 0);
  evring_buffer_release(loop, received.buffer);
}
