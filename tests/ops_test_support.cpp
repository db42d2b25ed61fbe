#include "ops_test_support.h"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>

using evring::uring_test_hooks;

// ---- the loop ----------------------------------------------------------------------------

const char *apply_uring_variant() {
  if (test_backend() != EVBACKEND_IOURING) return "default";
  int variant = GENERATE(0, 1, 2);
  if (variant == 1) {
    uring_test_hooks.initial_entries = 8;
    uring_test_hooks.grow_on_overflow_only = true;
    return "8-entry ring";
  }
  if (variant == 2) {
    using namespace evring;
    uring_test_hooks.disabled_features =
        kUringMultishotOps | kUringBufRing | kUringSyncCancel | kUringDeferTaskrun;
    return "features masked";
  }
  return "default";
}

OpsLoop::OpsLoop(unsigned uring_entries) : variant_(apply_uring_variant()), loop_(nullptr) {
  if (uring_entries) uring_test_hooks.initial_entries = uring_entries;
  loop_ = ev_loop_new(test_backend() | EVFLAG_NOENV);
  REQUIRE(loop_);
}

void OpsLoop::destroy() {
  if (loop_) ev_loop_destroy(loop_);
  loop_ = nullptr;
}

bool run_ops_until(struct ev_loop *loop, const std::function<bool()> &done, double limit) {
  ev_run(loop, EVRUN_NOWAIT);
  return run_until(loop, done, limit);
}

bool StressBudget::more(long done, double started) const {
  return done < iterations && (seconds <= 0. || ev_time() - started < seconds);
}

StressBudget stress_budget(long normal, double seconds) {
  const char *set = std::getenv("EVRING_TEST_OPS_ITERATIONS");
  if (set && *set) return StressBudget{std::atol(set), 0.};
  return StressBudget{normal, seconds};
}

// ---- RecordedOp ----------------------------------------------------------------------------

RecordedOp::~RecordedOp() {
  if (!loop) return;
  stop();
  release_kept();
}

void RecordedOp::recv(int fd, void *buf, size_t len, int flags) {
  evring_recv_init(&op, on_completion, fd, buf, len, flags);
  op.data = this;
}

void RecordedOp::send(int fd, const void *buf, size_t len, int flags) {
  evring_send_init(&op, on_completion, fd, buf, len, flags);
  op.data = this;
}

void RecordedOp::accept(int fd, int flags) {
  evring_accept_init(&op, on_completion, fd, flags);
  op.data = this;
}

void RecordedOp::close(int fd) {
  evring_close_init(&op, on_completion, fd);
  op.data = this;
}

int RecordedOp::stop() {
  int raced = 0;
  for (; evring_op_stop(loop, &op); ++raced) record();
  return raced;
}

void RecordedOp::release_kept() {
  for (void *buffer : kept) evring_buffer_release(loop, buffer);
  kept.clear();
}

std::string RecordedOp::received() const {
  std::string all;
  for (const Completion &completion : completions) all += completion.data;
  return all;
}

int RecordedOp::finals() const {
  int count = 0;
  for (const Completion &completion : completions) count += !completion.more;
  return count;
}

void RecordedOp::record() {
  Completion completion{op.result, op.moved, op.more != 0, {}};
  if (op.kind == EVRING_RECV && op.result > 0) {
    const void *from = op.buffer ? op.buffer : op.buf;
    completion.data.assign(static_cast<const char *>(from), size_t(op.result));
  }
  if (op.buffer && keep_buffers)
    kept.push_back(op.buffer);
  else if (op.buffer)
    evring_buffer_release(loop, op.buffer);
  completions.push_back(std::move(completion));
}

void RecordedOp::on_completion(struct ev_loop *, evring_op *op, int revents) {
  auto *self = static_cast<RecordedOp *>(op->data);
  if (revents != EVRING_COMPLETION) self->completions.push_back({-9999, 0, false, "revents"});
  self->record();
  if (self->then) self->then(*self);
}

// ---- sockets and fds -----------------------------------------------------------------------

Listener::Listener() : socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  REQUIRE(socket.get() >= 0);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(socket.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(socket.get(), reinterpret_cast<sockaddr *>(&address), &length) == 0);
  REQUIRE(listen(socket.get(), 1024) == 0);
}

Fd Listener::connect_client() const {
  Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(::connect(client.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) ==
          0);
  return client;
}

UnixListener::UnixListener() : socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  REQUIRE(socket.get() >= 0);
  static int serial;
  address.sun_family = AF_UNIX;
  int name = snprintf(address.sun_path + 1, sizeof address.sun_path - 1, "evring-ops-%d-%d",
                      int(getpid()), ++serial);
  length = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + size_t(name));
  REQUIRE(bind(socket.get(), reinterpret_cast<sockaddr *>(&address), length) == 0);
  REQUIRE(listen(socket.get(), 1024) == 0);
}

Fd UnixListener::connect_client() const {
  Fd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(::connect(client.get(), reinterpret_cast<const sockaddr *>(&address), length) == 0);
  return client;
}

int count_open_fds() {
  DIR *dir = opendir("/proc/self/fd");
  REQUIRE(dir);
  int count = 0;
  while (dirent *entry = readdir(dir)) count += entry->d_name[0] != '.';
  closedir(dir);
  return count - 1;  // the directory's own fd
}

long raise_fd_limit_to_hard() {
  rlimit limit;
  REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = limit.rlim_max;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &limit) == 0);
  return long(limit.rlim_cur);
}

std::string pattern(size_t length, size_t offset) {
  std::string data(length, '\0');
  for (size_t i = 0; i < length; ++i) data[i] = char((offset + i) * 7 % 251);
  return data;
}
