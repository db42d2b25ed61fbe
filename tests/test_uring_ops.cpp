// io_uring's native ops (backends/uring_ops.cc) with each kernel piece switched off in turn
// (the fallbacks: emulated kinds, repeated one-shot requests, evring-picked buffers, cancel and
// wait), on a tiny ring that must grow with ops in flight, and across a move to another thread.
// The behaviour every backend shares is tested in tests/test_ops*.cpp; these cases make their
// own io_uring loops, so they are [core] (run once).
#include "support.h"

#include <catch2/catch.hpp>

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ops_test_support.h"

using evring::uring_test_hooks;

namespace {

// The variants: nothing switched off, then each piece ops use, then all of them.
unsigned masked_features() {
  using namespace evring;
  return GENERATE(0u, unsigned(kUringOps), unsigned(kUringMultishotOps), unsigned(kUringBufRing),
                  unsigned(kUringSyncCancel),
                  unsigned(kUringMultishotOps | kUringBufRing | kUringSyncCancel));
}

// An echo server made of ops: a multishot accept, and per connection a pooled multishot receive
// whose data goes back with a send-all.
struct EchoServer {
  struct Connection {
    EchoServer *server;
    evring_op receive, send;
    std::string pending;  // received, to send back
    std::string sending;  // what the send in flight reads: untouched until it ends
    int fd;
  };
  struct ev_loop *loop;
  evring_op acceptor;
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<Connection *> starved;  // receives that ended for want of a pool buffer
  long echoed = 0;
  int errors = 0;

  EchoServer(struct ev_loop *l, int listener) : loop(l) {
    REQUIRE(evring_buffer_pool(loop, 16, 512) == 0);
    evring_accept_init(&acceptor, on_accept, listener, EVRING_MULTISHOT);
    acceptor.data = this;
    evring_op_start(loop, &acceptor);
  }
  ~EchoServer() {
    while (evring_op_stop(loop, &acceptor))
      if (acceptor.result >= 0) close(int(acceptor.result));
    for (auto &connection : connections) {
      while (evring_op_stop(loop, &connection->receive))
        if (connection->receive.buffer) evring_buffer_release(loop, connection->receive.buffer);
      while (evring_op_stop(loop, &connection->send)) {
      }
      close(connection->fd);
    }
  }

  static void on_accept(struct ev_loop *loop, evring_op *op, int) {
    auto *self = static_cast<EchoServer *>(op->data);
    if (op->result < 0) {
      ++self->errors;
      return;
    }
    auto connection = std::make_unique<Connection>();
    connection->server = self;
    connection->fd = int(op->result);
    evring_recv_init(&connection->receive, on_receive, connection->fd, nullptr, 0,
                     EVRING_MULTISHOT | EVRING_POOLED);
    connection->receive.data = connection.get();
    evring_op_start(loop, &connection->receive);
    self->connections.push_back(std::move(connection));
  }

  // Multishot ends on EOF, an error, or an empty pool: a receive starved of buffers starts
  // again once one comes back.
  static void on_receive(struct ev_loop *loop, evring_op *op, int) {
    auto *connection = static_cast<Connection *>(op->data);
    EchoServer &server = *connection->server;
    if (op->result > 0) {
      connection->pending.append(static_cast<char *>(op->buffer), size_t(op->result));
      evring_buffer_release(loop, op->buffer);
      send_pending(loop, *connection);
      std::vector<Connection *> starved;
      starved.swap(server.starved);
      for (Connection *waiting : starved) evring_op_start(loop, &waiting->receive);
    } else if (op->result == -ENOBUFS) {
      server.starved.push_back(connection);
    } else if (op->result < 0) {
      ++server.errors;
    }
    if (!op->more && op->result > 0) evring_op_start(loop, op);
  }

  // Not while the last send's callback is pending either: that callback sends what is left
  // (set up again before it, the op would lose the result the callback has yet to count).
  static void send_pending(struct ev_loop *loop, Connection &connection) {
    if (ev_is_active(&connection.send) || ev_is_pending(&connection.send) ||
        connection.pending.empty())
      return;
    connection.sending.swap(connection.pending);
    connection.pending.clear();
    evring_send_init(&connection.send, on_sent, connection.fd, connection.sending.data(),
                     connection.sending.size(), EVRING_SEND_ALL);
    connection.send.data = &connection;
    evring_op_start(loop, &connection.send);
  }

  static void on_sent(struct ev_loop *loop, evring_op *op, int) {
    auto *connection = static_cast<Connection *>(op->data);
    if (op->result < 0) ++connection->server->errors;
    connection->server->echoed += long(op->moved);
    connection->sending.clear();
    send_pending(loop, *connection);
  }
};

// Reads `length` bytes the peer echoed, waiting (bounded) for the last segments: a send that
// completed has handed its bytes to TCP, which may still hold them back (Nagle).
std::string read_echo(int fd, size_t length) {
  std::string got;
  char buffer[4096];
  while (got.size() < length) {
    pollfd readable{fd, POLLIN, 0};
    if (poll(&readable, 1, 5000) != 1) break;
    ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) break;
    got.append(buffer, size_t(n));
  }
  return got;
}

struct ByteStream {
  unsigned long next = 0;
  bool in_order = true;
  void take(const unsigned char *data, ssize_t length) {
    for (ssize_t i = 0; i < length; ++i) in_order &= data[i] == uint8_t(next++ & 0xff);
  }
};

void count_bytes(struct ev_loop *, evring_op *op, int) {
  if (op->result > 0)
    static_cast<ByteStream *>(op->data)->take(static_cast<unsigned char *>(op->buf), op->result);
}

// An io_uring loop with a receive in the kernel on one end of a socketpair.
struct ReceiveInKernel {
  struct ev_loop *loop = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
  Fd reader, writer;
  ByteStream stream;
  unsigned char buffer[64];
  evring_op receive;

  ReceiveInKernel() {
    REQUIRE(loop);
    int pair[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    reader = Fd(pair[0]);
    writer = Fd(pair[1]);
    evring_recv_init(&receive, count_bytes, reader.get(), buffer, sizeof buffer, 0);
    receive.data = &stream;
    evring_op_start(loop, &receive);
    ev_run(loop, EVRUN_NOWAIT);  // in the kernel, on this thread's ring
  }
  ~ReceiveInKernel() {
    while (evring_op_stop(loop, &receive)) {
    }
    ev_loop_destroy(loop);
  }
  ReceiveInKernel(const ReceiveInKernel &) = delete;
  ReceiveInKernel &operator=(const ReceiveInKernel &) = delete;
};

}  // namespace

TEST_CASE("io_uring's native ops serve an echo server without each kernel piece",
          "[core][io_uring][ops]") {
  if (!io_uring_available()) return;
  unsigned disabled = masked_features();
  bool tiny_ring = GENERATE(false, true);
  CAPTURE(disabled, tiny_ring);
  HooksGuard hooks;
  uring_test_hooks.disabled_features = disabled;
  if (tiny_ring) uring_test_hooks.initial_entries = 8;
  struct ev_loop *loop = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
  REQUIRE(loop);
  {
    Listener listener;
    EchoServer server(loop, listener.socket.get());
    std::vector<Fd> clients;
    for (int i = 0; i < 40; ++i) clients.push_back(listener.connect_client());
    std::string message(700, 'm');  // more than a pool buffer: two receives at least
    long expected = 0;
    for (int round = 0; round < 5; ++round) {
      for (size_t i = 0; i < clients.size(); ++i) {
        message[0] = char('a' + round);
        message[1] = char('0' + i % 10);
        REQUIRE(write(clients[i].get(), message.data(), message.size()) == ssize_t(message.size()));
        expected += long(message.size());
      }
      bool all_echoed = run_until(loop, [&] { return server.echoed == expected; });
      INFO("round " << round << ": echoed " << server.echoed << " of " << expected << ", "
                    << server.connections.size() << " connections, " << server.errors << " errors");
      REQUIRE(all_echoed);
    }
    CHECK(server.connections.size() == clients.size());
    CHECK(server.errors == 0);
    for (size_t i = 0; i < clients.size(); ++i) {
      std::string got = read_echo(clients[i].get(), 5 * message.size());
      REQUIRE(got.size() == 5 * message.size());
      for (int round = 0; round < 5; ++round) {
        CHECK(got[size_t(round) * message.size()] == char('a' + round));
        CHECK(got[size_t(round) * message.size() + 1] == char('0' + i % 10));
      }
    }
  }
  ev_loop_destroy(loop);
}

// Nothing lost, nothing twice: a writer thread streams numbered bytes while receives are
// started and stopped at random points; every byte arrives once, in order, through callbacks
// or through evring_op_stop's raced results.
TEST_CASE("io_uring receives stopped at random lose and repeat no byte, without each piece",
          "[core][io_uring][ops]") {
  if (!io_uring_available()) return;
  unsigned disabled = masked_features();
  CAPTURE(disabled);
  HooksGuard hooks;
  uring_test_hooks.disabled_features = disabled;
  struct ev_loop *loop = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
  REQUIRE(loop);
  {
    int pair[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    Fd reader(pair[0]), writer(pair[1]);
    constexpr unsigned long kBytes = 200000;
    std::thread producer([&] {
      unsigned char out[97];
      for (unsigned long next = 0; next < kBytes;) {
        size_t n = 1 + next % 97;
        if (n > kBytes - next) n = kBytes - next;
        for (size_t i = 0; i < n; ++i) out[i] = uint8_t((next + i) & 0xff);
        ssize_t written = write(writer.get(), out, n);
        if (written <= 0) return;
        next += size_t(written);
      }
    });
    ByteStream stream;
    unsigned char buffer[64];
    evring_op receive;
    evring_recv_init(&receive, count_bytes, reader.get(), buffer, sizeof buffer, 0);
    receive.data = &stream;
    unsigned random = 12345;
    for (int guard = 0; stream.next < kBytes && stream.in_order && guard < 10000000; ++guard) {
      evring_op_start(loop, &receive);
      random = random * 1103515245 + 12345;
      if ((random >> 16) % 3) ev_run(loop, EVRUN_ONCE);
      while (evring_op_stop(loop, &receive)) count_bytes(loop, &receive, EVRING_COMPLETION);
    }
    producer.join();
    CHECK(stream.in_order);
    CHECK(stream.next == kBytes);
  }
  ev_loop_destroy(loop);
}

// A loop run by another thread gets a new ring (SINGLE_ISSUER): the ops in flight in the old
// one begin again in it, and a receive that completed before the move is not lost.
TEST_CASE("io_uring ops follow the loop to another thread", "[core][io_uring][ops][threads]") {
  if (!io_uring_available()) return;
  ReceiveInKernel in_kernel;
  struct ev_loop *loop = in_kernel.loop;
  ByteStream &stream = in_kernel.stream;
  evring_op &receive = in_kernel.receive;
  for (int round = 0; round < 4; ++round) {
    write_byte(in_kernel.writer.get(), char(round));
    std::thread other([&] {
      run_until(loop, [&] { return stream.next == unsigned(round) + 1; });
      if (!ev_is_active(&receive)) evring_op_start(loop, &receive);
      ev_run(loop, EVRUN_NOWAIT);
    });
    other.join();
    REQUIRE(stream.next == unsigned(round) + 1);
  }
  CHECK(stream.in_order);
}

// The kernel's requests are the parent's: a child that uses the loop, ev_loop_fork or not, finds
// the ops it inherited ended (inactive, without a callback), as after ev_loop_fork, while the
// parent's receive goes on in the parent's ring.
TEST_CASE("a forked child leaves the parent's io_uring ops to the parent",
          "[core][io_uring][ops]") {
  if (!io_uring_available()) return;
  HooksGuard hooks;
  uring_test_hooks.disabled_features = GENERATE(0u, unsigned(evring::kUringDeferTaskrun));
  CAPTURE(uring_test_hooks.disabled_features);
  ReceiveInKernel in_kernel;
  struct ev_loop *loop = in_kernel.loop;
  ChildStatus status = run_in_child([&]() -> int {
    ev_run(loop, EVRUN_NOWAIT);  // no ev_loop_fork
    if (ev_is_active(&in_kernel.receive) || evring_op_stop(loop, &in_kernel.receive) != 0) return 1;
    // An op of the child's own, in the child's ring (on a socket of its own: the parent's
    // receive, in the kernel, would take the shared socket's data).
    int own[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, own) != 0) return 2;
    ByteStream child_stream;
    evring_op child_receive;
    evring_recv_init(&child_receive, count_bytes, own[0], in_kernel.buffer, sizeof in_kernel.buffer,
                     0);
    child_receive.data = &child_stream;
    evring_op_start(loop, &child_receive);
    write_byte(own[1], 0);
    run_until(loop, [&] { return child_stream.next == 1; });
    return child_stream.next == 1 && child_stream.in_order && in_kernel.stream.next == 0 ? 0 : 3;
  });
  CHECK(status.exited);
  CHECK(status.exit_code == 0);
  CHECK(in_kernel.stream.next == 0);
  write_byte(in_kernel.writer.get(), 0);
  REQUIRE(run_until(loop, [&] { return in_kernel.stream.next == 1; }));
  CHECK(in_kernel.stream.in_order);
}
