// Completion I/O on every backend (and io_uring's variants): how ops end (EOF, errors, an empty
// pool, timeouts) and the order of ops of one kind on one fd.
#include "ops_test_support.h"

#include <catch2/catch.hpp>

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

namespace {

void run_nowait(struct ev_loop *loop, int times = 3) {
  for (int i = 0; i < times; ++i) ev_run(loop, EVRUN_NOWAIT);
}

void write_all(int fd, const std::string &data) {
  errno = 0;
  ssize_t written = write(fd, data.data(), data.size());
  INFO("errno " << errno);
  REQUIRE(written == ssize_t(data.size()));
}

// Every completion but the last says that more follow.
bool ends_once(const RecordedOp &op) {
  return op.ended() && op.finals() == 1;
}

// A connected TCP pair: an RST can end the server side's receive with an error.
struct TcpPair {
  Listener listener;
  Fd client = listener.connect_client();
  Fd server{accept4(listener.socket.get(), nullptr, nullptr, SOCK_CLOEXEC)};
  // Closes the client with an RST instead of a FIN.
  void reset_client() {
    linger abort{1, 0};
    REQUIRE(setsockopt(client.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort) == 0);
    client.close();
  }
};

}  // namespace

TEST_CASE("a receive reports end of file once", "[ops]") {
  OPS_LOOP(loop);
  SocketFds sockets = make_socketpair();
  char buffer[16];
  RecordedOp receive(loop);
  receive.recv(sockets.a.get(), buffer, sizeof buffer);
  receive.start();
  REQUIRE(shutdown(sockets.b.get(), SHUT_WR) == 0);
  REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
  run_nowait(loop);
  REQUIRE(receive.completions.size() == 1);
  CHECK(receive.completions[0].result == 0);
  CHECK(!ev_is_active(&receive.op));
}

TEST_CASE("a multishot receive ends once, on end of file or an error", "[ops]") {
  OPS_LOOP(loop);
  int flags = GENERATE(int(EVRING_MULTISHOT), int(EVRING_MULTISHOT | EVRING_POOLED));
  CAPTURE(flags);
  REQUIRE(evring_buffer_pool(loop, 8, 64) == 0);
  TcpPair pair;
  char buffer[64];
  RecordedOp receive(loop);
  receive.recv(pair.server.get(), buffer, sizeof buffer, flags);
  receive.start();
  write_all(pair.client.get(), "abc");
  REQUIRE(run_ops_until(loop, [&] { return receive.received() == "abc"; }));
  CHECK(!receive.ended());

  SECTION("end of file") {
    write_all(pair.client.get(), "def");
    pair.client.close();
    REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
    CHECK(receive.completions.back().result == 0);
    CHECK(receive.received() == "abcdef");
  }

  SECTION("a connection reset") {
    pair.reset_client();
    REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
    CHECK(receive.completions.back().result == -ECONNRESET);
  }
  run_nowait(loop);
  CHECK(ends_once(receive));
  CHECK(!ev_is_active(&receive.op));
}

// Pooled receives wait while the program holds every buffer, and go on as buffers come back:
// no -ENOBUFS, no end.
TEST_CASE("a multishot pooled receive waits for buffers and goes on when they return", "[ops]") {
  OPS_LOOP(loop);
  REQUIRE(evring_buffer_pool(loop, 2, 4) == 0);
  SocketFds sockets = make_socketpair();
  RecordedOp receive(loop);
  receive.keep_buffers = true;
  receive.recv(sockets.a.get(), nullptr, 0, EVRING_MULTISHOT | EVRING_POOLED);
  receive.start();
  std::string sent = pattern(20);
  write_all(sockets.b.get(), sent);
  for (size_t expected = 8; expected <= sent.size(); expected += 4) {
    INFO("expecting " << expected << " bytes");
    REQUIRE(run_ops_until(
        loop, [&] { return receive.received().size() >= std::min(expected, sent.size()); }));
    run_nowait(loop);
    CHECK(receive.received().size() == std::min(expected, sent.size()));
    CHECK(ev_is_active(&receive.op));
    CHECK(!receive.ended());
    CHECK(receive.kept.size() == 2);
    evring_buffer_release(loop, receive.kept.front());
    receive.kept.erase(receive.kept.begin());
  }
  receive.release_kept();
  sockets.b.close();
  REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
  CHECK(receive.received() == sent);
  CHECK(ends_once(receive));
  CHECK(receive.completions.back().result == 0);
}

TEST_CASE("a multishot accept takes the connections waiting in the iteration that sees them",
          "[ops]") {
  OPS_LOOP(loop);
  Listener listener;
  std::vector<Fd> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(listener.connect_client());
  RecordedOp acceptor(loop);
  acceptor.accept(listener.socket.get(), EVRING_MULTISHOT);
  acceptor.start();
  // The backlog holds all five before the loop looks. Without the kernel's multishot accepts
  // (features masked) the emulation takes them too: one-shot requests would take one an
  // iteration.
  ev_run(loop, EVRUN_ONCE);
  REQUIRE(acceptor.completions.size() == 5);
  for (const Completion &accepted : acceptor.completions) {
    CHECK(accepted.result >= 0);
    CHECK(accepted.more);
    if (accepted.result >= 0) ::close(int(accepted.result));
  }
  acceptor.completions.clear();
  CHECK(acceptor.stop() == 0);
}

TEST_CASE("an op's timeout ends it once, unless its result comes first", "[ops]") {
  OPS_LOOP(loop);
  SocketFds sockets = make_socketpair();
  char buffer[16];
  RecordedOp receive(loop);
  receive.recv(sockets.a.get(), buffer, sizeof buffer);

  SECTION("nothing comes") {
    evring_op_set_timeout(&receive.op, 0.05);
    receive.start();
    REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
    run_nowait(loop);
    REQUIRE(receive.completions.size() == 1);
    CHECK(receive.completions[0].result == -ETIMEDOUT);
    CHECK(!ev_is_active(&receive.op));
  }

  SECTION("the data comes first") {
    evring_op_set_timeout(&receive.op, 0.05);
    receive.start();
    write_all(sockets.b.get(), "abc");
    REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
    ev_sleep(0.1);
    run_nowait(loop);
    REQUIRE(receive.completions.size() == 1);
    CHECK(receive.received() == "abc");
  }

  SECTION("waiting behind another op counts") {
    receive.start();
    RecordedOp queued(loop);
    queued.recv(sockets.a.get(), buffer, sizeof buffer);
    evring_op_set_timeout(&queued.op, 0.05);
    queued.start();
    REQUIRE(run_ops_until(loop, [&] { return queued.ended(); }));
    CHECK(queued.completions[0].result == -ETIMEDOUT);
    CHECK(receive.completions.empty());
    write_all(sockets.b.get(), "abc");
    REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
    CHECK(receive.received() == "abc");
  }

  SECTION("timeouts racing data") {
    char large[4096];  // takes what earlier timeouts left
    receive.recv(sockets.a.get(), large, sizeof large);
    std::string sent, got;
    StressBudget budget = stress_budget(300, 1.);
    long iterations = 0;
    for (double started = ev_time(); budget.more(iterations, started); ++iterations) {
      std::string chunk = pattern(3, sent.size());
      evring_op_set_timeout(&receive.op, 0.0005);
      receive.start();
      if (sent.size() - got.size() < 64) {  // each write takes ~1 KB of the socket buffer
        write_all(sockets.b.get(), chunk);
        sent += chunk;
      }
      ev_sleep(0.0005);  // the timeout expires as the data is there
      REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
      run_nowait(loop, 1);
      REQUIRE(receive.completions.size() == 1);
      ssize_t result = receive.completions[0].result;
      CHECK((result == -ETIMEDOUT || result > 0));
      got += receive.received();
      receive.completions.clear();
    }
    got += drain(sockets.a.get());
    CHECK(got == sent);
  }
}

TEST_CASE("ops of one kind on one fd complete in the order they were started", "[ops]") {
  OPS_LOOP(loop);
  std::vector<int> order;
  constexpr int kOps = 8;
  std::unique_ptr<RecordedOp> ops[kOps];
  for (int i = 0; i < kOps; ++i) {
    ops[i] = std::make_unique<RecordedOp>(loop);
    ops[i]->then = [&order, i](RecordedOp &) { order.push_back(i); };
  }
  auto started_order = [] {
    std::vector<int> all;
    for (int i = 0; i < kOps; ++i) all.push_back(i);
    return all;
  };

  SECTION("receives") {
    SocketFds sockets = make_socketpair();
    char buffers[kOps][4];
    for (int i = 0; i < kOps; ++i) {
      ops[i]->recv(sockets.a.get(), buffers[i], sizeof buffers[i]);
      ops[i]->start();
    }
    std::string sent = pattern(4 * kOps);
    write_all(sockets.b.get(), sent);
    REQUIRE(run_ops_until(loop, [&] { return order.size() == size_t(kOps); }));
    CHECK(order == started_order());
    for (int i = 0; i < kOps; ++i) CHECK(ops[i]->received() == sent.substr(4 * size_t(i), 4));
  }

  // Each ends in the readiness callback of an emulated backend, where the next one begins.
  SECTION("receives that do not fill their buffers") {
    SocketFds sockets = make_socketpair();
    char buffers[kOps][16];
    for (int i = 0; i < kOps; ++i) {
      ops[i]->recv(sockets.a.get(), buffers[i], sizeof buffers[i]);
      ops[i]->start();
    }
    for (int i = 0; i < kOps; ++i) {
      write_byte(sockets.b.get(), char('0' + i));
      REQUIRE(run_ops_until(loop, [&] { return order.size() == size_t(i) + 1; }));
      CHECK(ops[i]->received() == std::string(1, char('0' + i)));
    }
    CHECK(order == started_order());
  }

  SECTION("accepts") {
    UnixListener listener;
    for (int i = 0; i < kOps; ++i) {
      ops[i]->accept(listener.socket.get());
      ops[i]->start();
    }
    run_nowait(loop, 1);
    std::vector<Fd> clients;
    for (int i = 0; i < kOps; ++i) {
      clients.push_back(listener.connect_client());
      write_byte(clients.back().get(), char('0' + i));
    }
    REQUIRE(run_ops_until(loop, [&] { return order.size() == size_t(kOps); }));
    CHECK(order == started_order());
    for (int i = 0; i < kOps; ++i) {
      REQUIRE(ops[i]->completions[0].result >= 0);
      Fd accepted(int(ops[i]->completions[0].result));
      char first = 0;
      CHECK(recv(accepted.get(), &first, 1, 0) == 1);
      CHECK(first == char('0' + i));
    }
  }

  SECTION("sends") {
    SocketFds sockets = make_socketpair();
    std::string chunks[kOps];
    std::string expected;
    fill(sockets.a.get());
    for (int i = 0; i < kOps; ++i) {
      chunks[i] = pattern(10000, size_t(i));
      expected += chunks[i];
      ops[i]->send(sockets.a.get(), chunks[i].data(), chunks[i].size(), EVRING_SEND_ALL);
      ops[i]->start();
    }
    std::string got;
    REQUIRE(run_ops_until(loop, [&] {
      got += drain(sockets.b.get());
      return order.size() == size_t(kOps);
    }));
    got += drain(sockets.b.get());
    CHECK(order == started_order());
    CHECK(got.substr(got.size() - expected.size()) == expected);
  }
}
