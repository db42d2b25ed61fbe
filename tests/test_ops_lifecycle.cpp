// Completion I/O on every backend (and io_uring's variants, tests/ops_test_support.h): what stop,
// cancel, close and ev_loop_destroy leave behind, and callbacks that start, stop or free ops.
#include "ops_test_support.h"

#include <catch2/catch.hpp>

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace {

// A page of its own, so that a test can take it away from the process.
struct Page {
  size_t size = size_t(sysconf(_SC_PAGESIZE));
  void *memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  bool mapped = true;
  Page() { REQUIRE(memory != MAP_FAILED); }
  ~Page() { unmap(); }
  void unmap() {
    if (mapped) munmap(memory, size);
    mapped = false;
  }
  // Makes the page inaccessible: unmapped, or PROT_NONE (the address stays taken).
  void take_away(bool unmapping) {
    if (unmapping)
      unmap();
    else
      REQUIRE(mprotect(memory, size, PROT_NONE) == 0);
  }
};

void run_nowait(struct ev_loop *loop, int times = 3) {
  for (int i = 0; i < times; ++i) ev_run(loop, EVRUN_NOWAIT);
}

void write_all(int fd, const std::string &data) {
  REQUIRE(write(fd, data.data(), data.size()) == ssize_t(data.size()));
}

// Runs iterations without invoking callbacks, so that results wait in the op (where the
// backend does the op: the emulation's readiness watchers wait too).
void run_holding_callbacks(struct ev_loop *loop, int times) {
  ev_set_invoke_pending_cb(loop, [](struct ev_loop *) {});
  run_nowait(loop, times);
  ev_set_invoke_pending_cb(loop, ev_invoke_pending);
}

// Runs `action` once, from a check watcher of the given priority, in the first iteration in
// which `op` has a result loaded for its callback: before that callback if the op's priority
// is lower and the kernel did the op (its completions are all taken before any callback; the
// emulation does an op's system call just before its callback, at its priority).
class BeforeCallback {
 public:
  BeforeCallback(struct ev_loop *loop, evring_op &op, int priority, std::function<void()> action)
      : loop_(loop), op_(op), action_(std::move(action)) {
    ev_check_init(&check_, on_check);
    ev_set_priority(&check_, priority);
    check_.data = this;
    ev_check_start(loop, &check_);
    ev_unref(loop);
  }
  ~BeforeCallback() {
    ev_ref(loop_);
    ev_check_stop(loop_, &check_);
  }
  BeforeCallback(const BeforeCallback &) = delete;
  BeforeCallback &operator=(const BeforeCallback &) = delete;
  bool done() const { return done_; }

 private:
  static void on_check(struct ev_loop *, ev_check *check, int) {
    auto *self = static_cast<BeforeCallback *>(check->data);
    if (self->done_ || !ev_is_pending(&self->op_)) return;
    self->done_ = true;
    self->action_();
  }
  struct ev_loop *loop_;
  evring_op &op_;
  std::function<void()> action_;
  ev_check check_;
  bool done_ = false;
};

}  // namespace

TEST_CASE("an op stopped in flight never touches its buffer again, even when it is gone", "[ops]") {
  OPS_LOOP(loop);
  bool unmapping = GENERATE(true, false);
  CAPTURE(unmapping);
  SocketFds sockets = make_socketpair();
  Page page;

  SECTION("a receive") {
    RecordedOp receive(loop);
    receive.recv(sockets.a.get(), page.memory, page.size);
    receive.start();
    run_nowait(loop);
    REQUIRE(receive.stop() == 0);
    page.take_away(unmapping);
    std::string sent = pattern(100);
    write_all(sockets.b.get(), sent);
    run_nowait(loop);
    CHECK(receive.completions.empty());
    CHECK(drain(sockets.a.get()) == sent);
  }

  SECTION("a send to a full socket") {
    size_t filled = fill(sockets.a.get());
    memset(page.memory, 's', page.size);
    RecordedOp send(loop);
    send.send(sockets.a.get(), page.memory, page.size, EVRING_SEND_ALL);
    send.start();
    run_nowait(loop);
    send.stop();
    size_t raced = send.completions.empty() ? 0 : send.completions.back().moved;
    page.take_away(unmapping);
    size_t drained = 0;
    for (int round = 0; round < 5; ++round) {
      drained += drain(sockets.b.get()).size();
      run_nowait(loop);
    }
    CHECK(drained == filled + raced);
    CHECK(send.completions.size() <= 1);
  }
}

TEST_CASE("a cancelled op calls back exactly once", "[ops]") {
  OPS_LOOP(loop);
  SocketFds sockets = make_socketpair();
  char buffer[64];
  RecordedOp receive(loop);
  receive.recv(sockets.a.get(), buffer, sizeof buffer);
  receive.start();
  run_nowait(loop, 1);

  SECTION("cancelled twice while waiting") {
    evring_op_cancel(loop, &receive.op);
    evring_op_cancel(loop, &receive.op);
    REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
    run_nowait(loop);
    REQUIRE(receive.completions.size() == 1);
    CHECK(receive.completions[0].result == -ECANCELED);
    CHECK(!ev_is_active(&receive.op));
    evring_op_cancel(loop, &receive.op);
    run_nowait(loop);
    CHECK(receive.completions.size() == 1);
  }

  SECTION("cancelled after its result") {
    write_all(sockets.b.get(), "abc");
    REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
    evring_op_cancel(loop, &receive.op);
    run_nowait(loop);
    REQUIRE(receive.completions.size() == 1);
    CHECK(receive.completions[0].data == "abc");
  }

  SECTION("cancelled as its data arrives") {
    write_all(sockets.b.get(), "abc");
    evring_op_cancel(loop, &receive.op);
    REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
    run_nowait(loop);
    REQUIRE(receive.completions.size() == 1);
    ssize_t result = receive.completions[0].result;
    CHECK((result == -ECANCELED || result == 3));
    CHECK(receive.received() + drain(sockets.a.get()) == "abc");
  }

  SECTION("a multishot receive cancelled after results") {
    receive.stop();
    receive.recv(sockets.a.get(), buffer, sizeof buffer, EVRING_MULTISHOT);
    receive.start();
    write_all(sockets.b.get(), "abc");
    REQUIRE(run_ops_until(loop, [&] { return !receive.completions.empty(); }));
    write_all(sockets.b.get(), "def");
    evring_op_cancel(loop, &receive.op);
    evring_op_cancel(loop, &receive.op);
    REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
    run_nowait(loop);
    CHECK(receive.finals() == 1);
    CHECK(receive.completions.back().result <= 0);
    CHECK(receive.received() + drain(sockets.a.get()) == "abcdef");
  }

  SECTION("a queued receive cancelled behind a waiting one") {
    RecordedOp queued(loop);
    queued.recv(sockets.a.get(), buffer, sizeof buffer);
    queued.start();
    evring_op_cancel(loop, &queued.op);
    REQUIRE(run_ops_until(loop, [&] { return queued.ended(); }));
    run_nowait(loop);
    REQUIRE(queued.completions.size() == 1);
    CHECK(queued.completions[0].result == -ECANCELED);
    CHECK(receive.completions.empty());
    CHECK(ev_is_active(&receive.op));
  }
}

TEST_CASE("a closed fd's number reused at once never gives its new file's data to old ops",
          "[ops]") {
  OPS_LOOP(loop);
  SocketFds old_pair = make_socketpair();
  const int number = old_pair.a.get();
  char old_buffer[64], new_buffer[64];
  RecordedOp receive(loop), send(loop);
  receive.recv(number, old_buffer, sizeof old_buffer);
  receive.start();
  size_t filled = fill(number);
  std::string unsent = pattern(4096);
  send.send(number, unsent.data(), unsent.size(), EVRING_SEND_ALL);
  send.start();
  run_nowait(loop);
  SocketFds new_pair = make_socketpair();
  // Takes `number` for the new socket; the old one must be closed by then.
  auto reuse_number = [&] {
    int fresh = new_pair.a.release();
    bool moved = dup3(fresh, number, O_CLOEXEC) == number;
    ::close(fresh);
    new_pair.a = Fd(number);
    return moved;
  };

  SECTION("closed by a close op, reused in its callback") {
    old_pair.a.release();
    RecordedOp closer(loop), fresh(loop);
    bool reused = false;
    closer.close(number);
    closer.then = [&](RecordedOp &) {
      reused = reuse_number();
      fresh.recv(number, new_buffer, sizeof new_buffer);
      fresh.start();
    };
    closer.start();
    write_all(new_pair.b.get(), "new");
    REQUIRE(run_ops_until(loop, [&] { return fresh.ended() && receive.ended() && send.ended(); }));
    REQUIRE(reused);
    CHECK(closer.completions[0].result == 0);
    CHECK(fresh.received() == "new");
    REQUIRE(receive.completions.size() == 1);
    CHECK(receive.completions[0].result == -ECANCELED);
    REQUIRE(send.completions.size() == 1);
    CHECK(send.completions[0].result == -ECANCELED);
    CHECK(drain(old_pair.b.get()).size() == filled + send.completions[0].moved);
  }

  SECTION("stopped, closed by the program, reused") {
    receive.stop();
    send.stop();
    old_pair.a.close();
    REQUIRE(reuse_number());
    write_all(new_pair.b.get(), "new");
    run_nowait(loop);
    CHECK(receive.completions.empty());
    CHECK(drain(number) == "new");
  }

  // Closing behind the loop's back is the program's bug, but io_uring's requests hold the old
  // file (docs/ops.md): the new one's data stays where it is.
  SECTION("closed behind the loop's back with a receive in io_uring") {
    if (test_backend() != EVBACKEND_IOURING) return;
    send.stop();
    old_pair.a.close();
    REQUIRE(reuse_number());
    write_all(new_pair.b.get(), "new");
    run_nowait(loop);
    receive.stop();
    CHECK(receive.received().find("new") == std::string::npos);
    CHECK(drain(number) == "new");
  }
}

// The emulation keeps an fd's readable watcher between receives (ev/ops.h, FdOps): a program
// that closes the fd itself after its last op, and whose next file gets the same number in the
// same callback, must still be served. Only select and poll look at the number afresh in every
// wait; epoll must be told, as libev's ev_io_set tells it. (io_uring's emulated ops stop the
// watcher at once: its poll requests would hold the closed file.)
TEST_CASE("an fd closed by the program after its last op serves the new file of its number",
          "[ops]") {
  OPS_LOOP(loop);
  SocketFds old_pair = make_socketpair();
  const int number = old_pair.a.get();
  char buffer[64];
  RecordedOp receive(loop), fresh(loop);
  receive.recv(number, buffer, sizeof buffer);
  receive.start();
  write_all(old_pair.b.get(), "old");
  REQUIRE(run_ops_until(loop, [&] { return receive.ended(); }));
  REQUIRE(receive.received() == "old");

  SECTION("a new socket dup'ed onto the number, its receive set up anew") {
    SocketFds new_pair = make_socketpair();
    receive.then = [&](RecordedOp &) {
      old_pair.a.close();
      int spare = new_pair.a.release();
      CHECK(dup3(spare, number, O_CLOEXEC) == number);
      ::close(spare);
      new_pair.a = Fd(number);
      fresh.recv(number, buffer, sizeof buffer);
      fresh.start();
      write_all(new_pair.b.get(), "new");
    };
    receive.start();
    write_all(old_pair.b.get(), "last");
    REQUIRE(run_ops_until(loop, [&] { return fresh.ended(); }));
    CHECK(receive.received() == "oldlast");
    CHECK(fresh.received() == "new");
  }

  // An accept op's socket is a new file whatever its number named: the receive may even be
  // started again with only its fd changed.
  SECTION("a connection accepted by an accept op onto the number, the receive restarted") {
    Listener listener;
    Fd client = listener.connect_client();
    RecordedOp acceptor(loop);
    acceptor.accept(listener.socket.get());
    acceptor.then = [&](RecordedOp &) {
      receive.op.fd = int(acceptor.completions.back().result);
      receive.start();
      write_all(client.get(), "new");
    };
    std::vector<Fd> holes;  // so that the accepted socket takes the lowest free number
    for (int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC); fd >= 0 && fd < number;
         fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC))
      holes.emplace_back(fd);
    old_pair.a.close();
    acceptor.start();
    REQUIRE(run_ops_until(loop, [&] { return receive.completions.size() == 2; }));
    REQUIRE(acceptor.completions.size() == 1);
    REQUIRE(acceptor.completions[0].result == number);
    Fd accepted(number);
    CHECK(receive.received() == "oldnew");
  }

  SECTION("closed and never reused: the peer sees the end, the loop ends") {
    old_pair.a.close();
    char byte;
    CHECK(read(old_pair.b.get(), &byte, 1) == 0);
    ev_run(loop, 0);  // returns: the watcher left started keeps no reference (else the alarm)
    CHECK(receive.completions.size() == 1);
  }
}

TEST_CASE("ev_loop_destroy with ops in flight calls no callback and leaks no fd", "[ops]") {
  int fds_before = count_open_fds();
  {
    Listener listener;
    SocketFds idle = make_socketpair(), full = make_socketpair(), busy = make_socketpair();
    std::vector<Fd> clients;
    for (int i = 0; i < 3; ++i) clients.push_back(listener.connect_client());
    Page page;
    std::string unsent = pattern(1 << 16);
    char timed_buffer[8];
    OPS_LOOP(loop);
    REQUIRE(evring_buffer_pool(loop, 16, 64) == 0);
    RecordedOp receive(loop), send(loop), acceptor(loop), pooled(loop), timed(loop), sent(loop);
    RecordedOp *all[] = {&receive, &send, &acceptor, &pooled, &timed, &sent};
    receive.recv(idle.a.get(), page.memory, page.size);
    fill(full.a.get());
    send.send(full.a.get(), unsent.data(), unsent.size(), EVRING_SEND_ALL);
    acceptor.accept(listener.socket.get(), EVRING_MULTISHOT);
    pooled.recv(busy.a.get(), nullptr, 0, EVRING_MULTISHOT | EVRING_POOLED);
    timed.recv(idle.b.get(), timed_buffer, sizeof timed_buffer);
    evring_op_set_timeout(&timed.op, 60.);
    sent.send(busy.b.get(), "pooled", 6);
    // Accepted sockets left to the stopped acceptor must be closed too. Stopped in its first
    // callback, it collects the second and leaves the third: the emulation takes the waiting
    // connections at one readiness, the kernel's multishot accept posts them together.
    acceptor.then = [](RecordedOp &self) {
      self.then = nullptr;
      if (evring_op_stop(self.loop, &self.op)) self.record();
    };
    for (RecordedOp *op : {&receive, &send, &acceptor, &pooled, &timed}) op->start();
    REQUIRE(run_ops_until(loop, [&] { return !acceptor.completions.empty(); }));
    REQUIRE(acceptor.completions.size() == 2);
    for (const Completion &accepted : acceptor.completions)
      if (accepted.result >= 0) ::close(int(accepted.result));
    acceptor.completions.clear();
    // Results wait: loaded for the callback, or behind it.
    sent.start();
    run_holding_callbacks(loop, 3);
    for (RecordedOp *op : all) op->forget_loop();
    loop.destroy();
    page.unmap();  // the kernel is done with it
    write_all(idle.b.get(), "late");
    for (RecordedOp *op : all) CHECK(op->completions.empty());
  }
  CHECK(count_open_fds() == fds_before);
}

TEST_CASE("callbacks start their own op again and free other ops", "[ops]") {
  OPS_LOOP(loop);
  SocketFds sockets = make_socketpair();

  SECTION("a receive started again in its callback") {
    char buffer[4];
    RecordedOp receive(loop);
    receive.recv(sockets.a.get(), buffer, sizeof buffer);
    receive.then = [&](RecordedOp &self) {
      if (self.op.result > 0) self.start();
    };
    receive.start();
    std::string sent = pattern(40);
    write_all(sockets.b.get(), sent);
    REQUIRE(run_ops_until(loop, [&] { return receive.received().size() == sent.size(); }));
    CHECK(receive.received() == sent);
    CHECK(ev_is_active(&receive.op));
  }

  SECTION("a send started again in its callback") {
    std::string chunk = pattern(1000);
    RecordedOp send(loop);
    send.send(sockets.a.get(), chunk.data(), chunk.size(), EVRING_SEND_ALL);
    send.then = [&](RecordedOp &self) {
      if (self.completions.size() < 10) self.start();
    };
    send.start();
    REQUIRE(run_ops_until(loop, [&] { return send.completions.size() == 10; }));
    std::string expected;
    for (int i = 0; i < 10; ++i) expected += chunk;
    CHECK(drain(sockets.b.get()) == expected);
  }

  SECTION("the first of two callbacks frees the other op") {
    SocketFds others = make_socketpair();
    char buffers[2][8];
    std::unique_ptr<RecordedOp> ops[2] = {std::make_unique<RecordedOp>(loop),
                                          std::make_unique<RecordedOp>(loop)};
    int stopped_with_result = 0;
    for (int i = 0; i < 2; ++i) {
      ops[i]->recv(i ? others.a.get() : sockets.a.get(), buffers[i], sizeof buffers[i]);
      ops[i]->then = [&, i](RecordedOp &) {
        if (!ops[1 - i]) return;
        stopped_with_result += ops[1 - i]->stop();
        ops[1 - i].reset();
      };
      ops[i]->start();
    }
    run_nowait(loop, 1);
    write_all(sockets.b.get(), "one");
    write_all(others.b.get(), "two");
    REQUIRE(run_ops_until(loop, [&] { return !ops[0] || !ops[1]; }));
    run_nowait(loop);
    RecordedOp &survivor = ops[0] ? *ops[0] : *ops[1];
    CHECK(survivor.completions.size() == 1);
    CHECK(stopped_with_result <= 1);
  }

  SECTION("a callback frees its own op") {
    char buffer[8];
    auto *receive = new RecordedOp(loop);
    bool freed = false;
    receive->recv(sockets.a.get(), buffer, sizeof buffer);
    receive->then = [&](RecordedOp &self) {
      freed = true;  // before the closure goes with the op
      self.forget_loop();
      delete &self;
    };
    receive->start();
    write_all(sockets.b.get(), "x");
    REQUIRE(run_ops_until(loop, [&] { return freed; }));
  }
}

TEST_CASE("the op initialisers clear what the loop reports", "[core][ops]") {
  evring_op op;
  memset(&op, 0x5a, sizeof op);
  int kind = GENERATE(int(EVRING_RECV), int(EVRING_SEND), int(EVRING_ACCEPT), int(EVRING_CONNECT),
                      int(EVRING_SHUTDOWN), int(EVRING_CLOSE));
  CAPTURE(kind);
  switch (kind) {
    case EVRING_RECV:
      evring_recv_init(&op, nullptr, 3, nullptr, 0, 0);
      break;
    case EVRING_SEND:
      evring_send_init(&op, nullptr, 3, nullptr, 0, 0);
      break;
    case EVRING_ACCEPT:
      evring_accept_init(&op, nullptr, 3, 0);
      break;
    case EVRING_CONNECT:
      evring_connect_init(&op, nullptr, 3, nullptr, 0);
      break;
    case EVRING_SHUTDOWN:
      evring_shutdown_init(&op, nullptr, 3, SHUT_WR);
      break;
    default:
      evring_close_init(&op, nullptr, 3);
      break;
  }
  CHECK(op.kind == kind);
  CHECK(op.result == 0);
  CHECK(op.moved == 0);
  CHECK(op.more == 0);
  CHECK(op.buffer == nullptr);
  CHECK(op.timeout == 0.);
  CHECK(!ev_is_active(&op));
  CHECK(!ev_is_pending(&op));
}

// Buffers in results that a stopped receive holds for evring_op_stop are not back in the pool:
// a new pool would hand the same buffers out again. Only the kernel delivers a receive's results
// faster than its callbacks take them (two one-byte buffers at once here).
TEST_CASE("a pool is not replaced while a stopped receive holds results in its buffers", "[ops]") {
  OPS_LOOP(loop);
  SocketFds sockets = make_socketpair();
  REQUIRE(evring_buffer_pool(loop, 4, 1) == 0);
  RecordedOp receive(loop);
  receive.recv(sockets.a.get(), nullptr, 0, EVRING_MULTISHOT | EVRING_POOLED);
  ev_set_priority(&receive.op, EV_MINPRI);
  receive.start();
  if (done_by_emulation(loop, receive.op)) {
    WARN("skipped: the emulation receives just before each callback, so no result waits");
    return;
  }
  {
    BeforeCallback stopper(loop, receive.op, 0, [&] {
      if (evring_op_stop(loop, &receive.op)) receive.record();
    });
    run_nowait(loop, 1);
    write_all(sockets.b.get(), "ab");
    REQUIRE(run_ops_until(loop, [&] { return stopper.done(); }));
  }
  REQUIRE(receive.completions.size() == 1);
  CHECK(evring_buffer_pool(loop, 4, 1) == -EBUSY);
  CHECK(receive.stop() == 1);
  CHECK(evring_buffer_pool(loop, 4, 1) == 0);
  CHECK(receive.received() == "ab");
}

// A callback that runs first (a higher priority) starts an op whose final result is loaded and
// whose own callback has not run yet: that callback still sees its result and its data, and
// the op's new result (or its start's failure) comes in a callback of its own. A send's result
// is loaded as it starts where the loop does it; a receive's waits so only where the kernel did
// it (the emulation receives just before the callback).
TEST_CASE("an op started again before the callback of its final result keeps that result",
          "[ops]") {
  OPS_LOOP(loop);
  // Started again as it was, with an fd that can never work, or with the pending callback then
  // taken away by ev_clear_pending.
  int how = GENERATE(0, 1, 2);
  bool receiving = GENERATE(true, false);
  bool invalid = how == 1, cleared = how == 2;
  CAPTURE(how, receiving);
  SocketFds sockets = make_socketpair(), idle = make_socketpair();
  char buffer[8], idle_buffer[8];
  std::string sent = pattern(16);
  RecordedOp op(loop), other(loop);
  if (receiving)
    op.recv(sockets.a.get(), buffer, sizeof buffer);
  else
    op.send(sockets.a.get(), sent.data(), 8);
  other.recv(idle.a.get(), idle_buffer, sizeof idle_buffer);
  ev_set_priority(&op.op, EV_MINPRI);
  BeforeCallback restart(loop, op.op, 1, [&] {
    if (invalid) op.op.fd = -1;
    evring_op_start(loop, &op.op);
    if (cleared) ev_clear_pending(loop, &op.op);
    other.stop();  // on io_uring, may submit what is in the queue and wait
  });
  // The send starts from a check watcher of the highest priority, so that the restarting one
  // runs after it and before its callback (a result loaded outside callbacks is delivered
  // before the iteration's checks).
  ev_check starter;
  ev_check_init(&starter, [](struct ev_loop *l, ev_check *self, int) {
    ev_check_stop(l, self);
    static_cast<RecordedOp *>(self->data)->start();
  });
  starter.data = &op;
  ev_set_priority(&starter, EV_MAXPRI);
  if (receiving) {
    op.start();
    if (done_by_emulation(loop, op.op)) {
      WARN("skipped: the emulation receives just before the callback, so no result waits");
      return;
    }
  } else {
    ev_check_start(loop, &starter);
  }
  other.start();
  run_nowait(loop, 1);
  if (receiving) write_all(sockets.b.get(), sent);
  size_t callbacks = cleared ? 1 : 2;
  REQUIRE(run_ops_until(loop, [&] { return op.completions.size() == callbacks; }));
  CHECK(restart.done());
  if (!receiving) {
    CHECK(op.completions[0].result == 8);
    if (!cleared) CHECK(op.completions[1].result == (invalid ? -EBADF : 8));
    CHECK(drain(sockets.b.get()) ==
          (invalid ? sent.substr(0, 8) : sent.substr(0, 8) + sent.substr(0, 8)));
    return;
  }
  if (cleared) {
    CHECK(op.received() == sent.substr(8));
    return;
  }
  CHECK(op.completions[0].data == sent.substr(0, 8));
  if (invalid)
    CHECK(op.completions[1].result == -EBADF);
  else
    CHECK(op.completions[1].data == sent.substr(8));
}
