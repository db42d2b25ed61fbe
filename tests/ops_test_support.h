// What the completion-I/O test files (tests/test_ops_*.cpp, tests/test_uring_ops.cpp) share: a
// loop on the backend under test (on io_uring also on a tiny ring and without the kernel's
// optional pieces), an op that records its callbacks, a TCP listener, and counts of open fds.
#ifndef EVRING_TESTS_OPS_TEST_SUPPORT_H
#define EVRING_TESTS_OPS_TEST_SUPPORT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <functional>
#include <string>
#include <vector>

#include "support.h"
#include "uring_test_support.h"

// ---- the loop ----------------------------------------------------------------------------

// On io_uring each ops case runs three times: as is, on an 8-entry ring that grows only when
// its completion queue overflows, and without the kernel's multishot ops, provided-buffer
// rings, synchronous cancel and deferred task work (the fallbacks). Other backends run once.
const char *apply_uring_variant();

// A loop on the backend under test, in the variant apply_uring_variant picked; on io_uring
// its ring starts with `uring_entries` entries if given.
class OpsLoop {
 public:
  explicit OpsLoop(unsigned uring_entries = 0);
  ~OpsLoop() { destroy(); }
  OpsLoop(const OpsLoop &) = delete;
  OpsLoop &operator=(const OpsLoop &) = delete;
  operator struct ev_loop *() const { return loop_; }
  const char *variant() const { return variant_; }
  void destroy();

 private:
  HooksGuard hooks_;
  const char *variant_;
  struct ev_loop *loop_;
};

// Whether the loop does the started op itself with readiness (ev/ops_emulated.cc), not the
// kernel.
bool done_by_emulation(struct ev_loop *loop, const evring_op &op);

// Declares `name`, an OpsLoop, and names its variant in any failure of the test case.
#define OPS_LOOP(name) \
  OpsLoop name;        \
  INFO("backend " << test_backend_name() << ", variant " << name.variant())

// run_until, after an iteration that does not wait: results that evring_op_cancel, a buffer
// given back or a start outside callbacks loaded are pending, and ev_run's first wait, as
// libev's, does not look at pending events.
bool run_ops_until(struct ev_loop *loop, const std::function<bool()> &done,
                   double limit = kGuardSeconds);

// The number of the budget's iterations a stress case runs: EVRING_TEST_OPS_ITERATIONS if set
// (e.g. 1000000, without time limit), else `normal` within about `seconds`.
struct StressBudget {
  long iterations;
  double seconds;  // 0: no limit
  bool more(long done, double started) const;
};
StressBudget stress_budget(long normal, double seconds);

// ---- an op that records its callbacks ------------------------------------------------------

struct Completion {
  ssize_t result;
  size_t moved;
  bool more;
  std::string data;  // a receive's bytes (from buf or the pool buffer)
};

// An evring_op whose callback records each result (and gives a pool buffer back unless
// keep_buffers), then runs `then`. Stops itself when it goes, unless the loop went first
// (forget_loop).
struct RecordedOp {
  evring_op op;
  struct ev_loop *loop;
  std::vector<Completion> completions;
  std::vector<void *> kept;  // pool buffers held (keep_buffers)
  bool keep_buffers = false;
  std::function<void(RecordedOp &)> then;

  explicit RecordedOp(struct ev_loop *l) : loop(l) {
    evring_op_init(&op, on_completion, 0, -1, 0, 0, 0);
  }
  ~RecordedOp();
  RecordedOp(const RecordedOp &) = delete;
  RecordedOp &operator=(const RecordedOp &) = delete;

  void recv(int fd, void *buf, size_t len, int flags = 0);
  void send(int fd, const void *buf, size_t len, int flags = 0);
  void accept(int fd, int flags = 0);
  void close(int fd);
  void start() { evring_op_start(loop, &op); }
  // evring_op_stop until it returns 0, each raced result recorded as a callback would be.
  int stop();
  void release_kept();
  void forget_loop() { loop = nullptr; }

  // What the completions add up to.
  std::string received() const;
  bool ended() const { return !completions.empty() && !completions.back().more; }
  int finals() const;

  void record();
  static void on_completion(struct ev_loop *, evring_op *op, int revents);
};

// ---- sockets and fds -----------------------------------------------------------------------

// A TCP listener on 127.0.0.1 and clients connected to it (blocking connects: the backlog
// takes them before the loop accepts).
struct Listener {
  Fd socket;
  sockaddr_in address{};
  Listener();
  Fd connect_client() const;
};

// The same on an abstract AF_UNIX address: no TIME_WAIT, so a stress case may connect a million
// times.
struct UnixListener {
  Fd socket;
  sockaddr_un address{};
  socklen_t length;
  UnixListener();
  Fd connect_client() const;
};

// The process's open fds, as /proc/self/fd lists them.
int count_open_fds();

// Raises the soft fd limit to the hard one; returns the limit.
long raise_fd_limit_to_hard();

// Data with a different byte at each position (a position's byte tells where it came from).
std::string pattern(size_t length, size_t offset = 0);

#endif
