// RLIMIT_MEMLOCK too small for io_uring. Kernels 5.12 to about 6.12 charged rings to the
// memory cgroup; newer ones (6.18 here) charge a ring's pages against the locked-memory limit
// again for a process without CAP_IPC_LOCK, and io_uring_setup fails with ENOMEM when they do
// not fit. In a child without CAP_IPC_LOCK (root becomes nobody): with the limit at 0 no
// io_uring loop can be made (NULL; an automatic loop takes epoll and keeps it when ops start,
// doing them itself); with room for a small ring but not for the larger one thousands of fds
// need, the loop moves to epoll without losing an event.
#include <sys/socket.h>

#include "fault_support.h"
#include "support.h"
#include "uring_test_support.h"

#include <catch2/catch.hpp>

namespace {

enum : int { kNoLoop = 1, kIo = 2, kPool = 4, kPooledReceive = 8, kNotGrown = 16, kSyserr = 32 };

int g_read, g_received;

void on_readable(struct ev_loop *loop, ev_io *w, int) {
  char byte;
  if (read(w->fd, &byte, 1) == 1) ++g_read;
  ev_io_stop(loop, w);
}

void on_pooled(struct ev_loop *loop, evring_op *op, int) {
  if (op->result == 4 && op->buffer && !memcmp(op->buffer, "data", 4)) ++g_received;
  if (op->buffer) evring_buffer_release(loop, op->buffer);
}

// Lowers RLIMIT_MEMLOCK to `bytes` for good (the hard limit too): as root, after becoming
// nobody, which drops CAP_IPC_LOCK, the exemption.
bool with_locked_memory(rlim_t bytes) {
  if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) return false;
  rlimit limit = {bytes, bytes};
  return setrlimit(RLIMIT_MEMLOCK, &limit) == 0;
}

}  // namespace

TEST_CASE("io_uring with RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK: no ring; automatic loops use epoll",
          "[core][faults][memlock][io_uring]") {
  if (!io_uring_available()) {
    WARN("skipped: io_uring is not available here");
    return;
  }
  CapturedChild child = run_captured([] {
    if (!with_locked_memory(0)) return 64;
    record_syserr_from(-1);
    int failures = 0;
    if (ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV)) failures |= kNoLoop;
    struct ev_loop *loop = ev_loop_new(EVFLAG_NOENV);
    if (!loop || ev_backend(loop) != EVBACKEND_EPOLL) return failures | 65;
    int sockets[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sockets)) return 66;
    if (evring_buffer_pool(loop, 64, 4096) != 0) failures |= kPool;
    evring_op receive;  // the first op: io_uring is tried, refused, and epoll stays
    evring_recv_init(&receive, on_pooled, sockets[1], nullptr, 0, EVRING_POOLED);
    evring_op_start(loop, &receive);
    if (write(sockets[0], "data", 4) != 4) return 67;
    double deadline = ev_time() + 3;
    while (!g_received && ev_time() < deadline) ev_run(loop, EVRUN_ONCE);
    if (g_received != 1) failures |= kPooledReceive;
    if (ev_backend(loop) != EVBACKEND_EPOLL) failures |= kNotGrown;
    if (syserr_log.calls) failures |= kSyserr;
    ev_loop_destroy(loop);
    return failures;
  });
  INFO("child's stderr: " << child.err);
  REQUIRE(child.exited);
  CHECK((child.exit_code & kNoLoop) == 0);  // the ring is charged to RLIMIT_MEMLOCK
  CHECK((child.exit_code & kPool) == 0);
  CHECK((child.exit_code & kPooledReceive) == 0);
  CHECK((child.exit_code & kNotGrown) == 0);
  CHECK((child.exit_code & kSyserr) == 0);
  CHECK(child.exit_code == 0);
}

TEST_CASE("io_uring with room for a small ring only: thousands of ready fds lose no event",
          "[core][faults][memlock][io_uring]") {
  if (!io_uring_available()) {
    WARN("skipped: io_uring is not available here");
    return;
  }
  HooksGuard hooks;
  evring::uring_test_hooks.initial_entries = 4;
  CapturedChild child = run_captured([] {
    constexpr int kPipes = 1000;  // 2000 fds: a ring of 1024 entries, some 100 KiB
    static int pipes[kPipes][2];
    static ev_io readers[kPipes];
    rlimit files = {2100, 2100};
    if (setrlimit(RLIMIT_NOFILE, &files) != 0) return 64;
    for (auto &ends : pipes)
      if (pipe2(ends, O_CLOEXEC | O_NONBLOCK) || write(ends[1], "x", 1) != 1) return 65;
    // Four pages: the 4-entry ring fits, a large one does not.
    if (!with_locked_memory(16384)) return 66;
    record_syserr_from(-1);
    struct ev_loop *loop = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
    if (!loop) {
      report_line(std::string("no io_uring loop: ") + strerror(errno));
      return int(kNoLoop);
    }
    for (int i = 0; i < kPipes; ++i) {
      ev_io_init(&readers[i], on_readable, pipes[i][0], EV_READ);
      ev_io_start(loop, &readers[i]);
    }
    double deadline = ev_time() + 10;
    while (g_read < kPipes && ev_time() < deadline) ev_run(loop, EVRUN_ONCE);
    int failures = g_read == kPipes ? 0 : int(kIo);
    if (syserr_log.calls) failures |= kSyserr;
    report_line(std::string("backend after: ") +
                (ev_backend(loop) == EVBACKEND_IOURING ? "io_uring" : "epoll") + ", ring entries " +
                std::to_string(evring::uring_test_ring_entries(loop)));
    ev_loop_destroy(loop);
    return failures;
  });
  INFO("child's stderr: " << child.err);
  REQUIRE(child.exited);
  CHECK(child.exit_code == 0);
  // Neither resizing nor replacing the ring gets the memory: the overflow hands the loop to
  // epoll (as at the ring's size limit).
  CHECK(child.err.find("backend after: epoll") != std::string::npos);
}
