// Completion I/O under load on every backend (and io_uring's variants): stops racing
// completions (no byte, no connection lost or seen twice), a thousand multishot receives, and
// sends that a slow reader holds back. The race cases run a bounded number of iterations;
// EVRING_TEST_OPS_ITERATIONS=1000000 runs that many, without time limit, e.g. (docs/ops.md):
//   EVRING_TEST_OPS_ITERATIONS=1000000 EVRING_TEST_BACKEND=io_uring
//     ./tests/evring_tests "[ops][stress]"
#include "ops_test_support.h"

#include <catch2/catch.hpp>

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

namespace {

struct Random {
  unsigned state = 12345;
  unsigned next(unsigned below) {
    state = state * 1103515245 + 12345;
    return (state >> 16) % below;
  }
};

// Lets the op run for none, one or two iterations before it is stopped.
void run_some(struct ev_loop *loop, Random &random) {
  for (unsigned runs = random.next(3); runs--;) ev_run(loop, EVRUN_NOWAIT);
}

}  // namespace

TEST_CASE("receives stopped at random lose and repeat no byte", "[ops][stress]") {
  OPS_LOOP(loop);
  int flags = GENERATE(0, int(EVRING_MULTISHOT | EVRING_POOLED));
  CAPTURE(flags);
  REQUIRE(evring_buffer_pool(loop, 8, 16) == 0);
  SocketFds sockets = make_socketpair();
  char buffer[32];
  RecordedOp receive(loop);
  receive.recv(sockets.a.get(), buffer, sizeof buffer, flags);
  StressBudget budget = stress_budget(20000, 1.5);
  Random random;
  std::string sent, got;
  long iterations = 0;
  for (double started = ev_time(); budget.more(iterations, started); ++iterations) {
    if (sent.size() - got.size() < 4096) {
      std::string chunk = pattern(1 + random.next(48), sent.size());
      REQUIRE(write(sockets.b.get(), chunk.data(), chunk.size()) == ssize_t(chunk.size()));
      sent += chunk;
    }
    receive.start();
    run_some(loop, random);
    receive.stop();
    got += receive.received();
    receive.completions.clear();
  }
  INFO(iterations << " iterations");
  got += drain(sockets.a.get());
  CHECK(got.size() == sent.size());
  CHECK(got == sent);
}

TEST_CASE("accepts stopped at random lose no connection and leak no fd", "[ops][stress]") {
  OPS_LOOP(loop);
  int flags = GENERATE(0, int(EVRING_MULTISHOT));
  CAPTURE(flags);
  UnixListener listener;
  int fds_before = count_open_fds();
  RecordedOp acceptor(loop);
  acceptor.accept(listener.socket.get(), flags);
  StressBudget budget = stress_budget(10000, 1.5);
  Random random;
  std::vector<Fd> clients;
  long connected = 0, accepted = 0, errors = 0, iterations = 0;
  auto take = [&](long fd) {
    if (fd < 0) return void(++errors);
    ++accepted;
    ::close(int(fd));
  };
  for (double started = ev_time(); budget.more(iterations, started); ++iterations) {
    if (accepted == connected) clients.clear();
    if (clients.size() < 16) {
      clients.push_back(listener.connect_client());
      ++connected;
    }
    acceptor.start();
    run_some(loop, random);
    acceptor.stop();
    for (const Completion &completion : acceptor.completions) take(completion.result);
    acceptor.completions.clear();
  }
  INFO(iterations << " iterations");
  REQUIRE(fcntl(listener.socket.get(), F_SETFL, O_NONBLOCK) == 0);
  for (int fd; (fd = accept4(listener.socket.get(), nullptr, nullptr, SOCK_CLOEXEC)) >= 0;)
    take(fd);
  clients.clear();
  CHECK(errors == 0);
  CHECK(accepted == connected);
  CHECK(count_open_fds() == fds_before);
}

// Each connection's multishot, pooled receive on a ring that starts with 8 entries (io_uring).
TEST_CASE("a thousand sockets with multishot receives", "[ops][stress]") {
  long limit = raise_fd_limit_to_hard();
  if (limit < 2200) {
    WARN("skipped: RLIMIT_NOFILE's hard limit " << limit << " is below the 2200 fds needed");
    return;
  }
  OpsLoop loop(8);
  INFO("backend " << test_backend_name() << ", variant " << loop.variant());
  constexpr int kSockets = 1000;
  REQUIRE(evring_buffer_pool(loop, 1024, 64) == 0);
  std::vector<SocketFds> pairs;
  std::vector<std::unique_ptr<RecordedOp>> receives;
  for (int i = 0; i < kSockets; ++i) {
    pairs.push_back(make_socketpair());
    receives.push_back(std::make_unique<RecordedOp>(loop));
    receives[i]->recv(pairs[i].a.get(), nullptr, 0, EVRING_MULTISHOT | EVRING_POOLED);
    receives[i]->start();
  }
  auto message = [](int i, int round) {
    return "round " + std::to_string(round) + " socket " + std::to_string(i) + ";";
  };
  std::string expected[kSockets];
  auto all_received = [&] {
    for (int i = 0; i < kSockets; ++i)
      if (receives[i]->received() != expected[i]) return false;
    return true;
  };
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kSockets; ++i) {
      std::string text = message(i, round);
      REQUIRE(write(pairs[i].b.get(), text.data(), text.size()) == ssize_t(text.size()));
      expected[i] += text;
    }
    INFO("round " << round);
    REQUIRE(run_ops_until(loop, all_received, 20.));
  }
  for (SocketFds &pair : pairs) pair.b.close();
  REQUIRE(run_ops_until(
      loop,
      [&] {
        for (auto &receive : receives)
          if (!receive->ended()) return false;
        return true;
      },
      20.));
  for (int i = 0; i < kSockets; ++i) {
    CHECK(receives[i]->finals() == 1);
    CHECK(receives[i]->completions.back().result == 0);
    CHECK(!ev_is_active(&receives[i]->op));
  }
  CHECK(all_received());
}

namespace {

// Reads the socket a little at a time, once per loop iteration: a slow peer.
struct SlowReader {
  ev_io watcher;
  std::string got;
  static void on_readable(struct ev_loop *, ev_io *w, int) {
    auto *self = static_cast<SlowReader *>(w->data);
    char buffer[4096];
    ssize_t n = read(w->fd, buffer, sizeof buffer);
    if (n > 0) self->got.append(buffer, size_t(n));
  }
  SlowReader(struct ev_loop *loop, int fd) {
    ev_io_init(&watcher, on_readable, fd, EV_READ);
    watcher.data = this;
    ev_io_start(loop, &watcher);
  }
};

}  // namespace

TEST_CASE("a send-all of 16 MB reaches a slow reader whole, and queued sends keep their order",
          "[ops][stress]") {
  OPS_LOOP(loop);
  SocketFds sockets = make_socketpair();
  SlowReader reader(loop, sockets.b.get());
  std::vector<char> order;

  SECTION("16 MB") {
    std::string data = pattern(16 << 20);
    RecordedOp send(loop);
    send.send(sockets.a.get(), data.data(), data.size(), EVRING_SEND_ALL);
    send.start();
    REQUIRE(run_ops_until(
        loop, [&] { return reader.got.size() == data.size() && send.ended(); }, 60.));
    REQUIRE(send.completions.size() == 1);
    CHECK(send.completions[0].result == ssize_t(data.size()));
    CHECK(send.completions[0].moved == data.size());
    CHECK(reader.got == data);
  }

  SECTION("two queued sends") {
    std::string first = pattern(1 << 20), second = pattern(1 << 20, 3);
    RecordedOp sends[2] = {RecordedOp(loop), RecordedOp(loop)};
    sends[0].send(sockets.a.get(), first.data(), first.size(), EVRING_SEND_ALL);
    sends[1].send(sockets.a.get(), second.data(), second.size(), EVRING_SEND_ALL);
    for (int i = 0; i < 2; ++i) {
      sends[i].then = [&, i](RecordedOp &) { order.push_back(char('0' + i)); };
      sends[i].start();
    }
    REQUIRE(run_ops_until(
        loop, [&] { return reader.got.size() == 2u << 20 && order.size() == 2; }, 20.));
    CHECK(std::string(order.begin(), order.end()) == "01");
    CHECK(reader.got == first + second);
  }
  ev_io_stop(loop, &reader.watcher);
}
