// What io_uring offers on this kernel, probed once per process with throwaway rings, never
// inferred from the kernel version.
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "backend.h"
#include "io_uring_hooks.h"
#include "uring_sys.h"

namespace evring {

namespace {

// Multishot polls and in-place updates have no probe bit: ask the kernel with a poll on an
// always-writable eventfd and an update of a poll that does not exist.
unsigned probe_poll_flavours(UringRing *ring) {
  unsigned found = 0;
  int event_fd = eventfd(0, EFD_CLOEXEC);
  if (event_fd < 0) return 0;
  io_uring_sqe *sqe = uring_get_sqe(ring);
  sqe->opcode = IORING_OP_POLL_ADD;
  sqe->fd = event_fd;
  sqe->poll32_events = POLLOUT;
  sqe->len = IORING_POLL_ADD_MULTI;
  sqe->user_data = 1;
  sqe = uring_get_sqe(ring);
  sqe->opcode = IORING_OP_POLL_REMOVE;
  sqe->fd = -1;
  sqe->addr = 3;
  sqe->len = IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA;
  sqe->user_data = 2;
  // Both complete during submission: no waiting needed (a kernel that would wait lacks them).
  if (uring_enter(ring, 0, IORING_ENTER_GETEVENTS, -1) == 2) {
    for (unsigned i = 0; i < uring_cq_ready(ring); ++i) {
      const io_uring_cqe &cqe = uring_cqe(ring, i);
      if (cqe.user_data == 1 && cqe.res > 0 && (cqe.flags & IORING_CQE_F_MORE))
        found |= kUringMultishot;
      if (cqe.user_data == 2 && cqe.res == -ENOENT) found |= kUringPollUpdate;
    }
  }
  close(event_fd);
  return found;
}

// Setup flags are probed by creating a ring with them: unknown flags are EINVAL.
bool ring_accepts(unsigned flags) {
  UringRing ring;
  if (!uring_open(&ring, 2, IORING_SETUP_CLAMP | flags)) return false;
  uring_close(&ring);
  return true;
}

unsigned probe_kernel() {
  UringRing ring;
  if (!uring_open(&ring, 4, IORING_SETUP_CLAMP)) return 0;
  static const uint8_t kNeeded[] = {IORING_OP_POLL_ADD, IORING_OP_POLL_REMOVE};
  static const uint8_t kTimeout[] = {IORING_OP_TIMEOUT};
  unsigned features = 0;
  if (uring_supports_ops(&ring, kNeeded, 2)) {
    if (ring.features & IORING_FEAT_EXT_ARG) features |= kUringUsable | kUringExtArg;
    if (uring_supports_ops(&ring, kTimeout, 1)) features |= kUringUsable;
    if (ring.features & IORING_FEAT_CQE_SKIP) features |= kUringCqeSkip;
    features |= probe_poll_flavours(&ring);
  }
  uring_close(&ring);
  if (!(features & kUringUsable)) return 0;
  if (ring_accepts(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                   IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_R_DISABLED))
    features |= kUringDeferTaskrun;
  if (ring_accepts(IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG))
    features |= kUringCoopTaskrun;
  if (ring_accepts(IORING_SETUP_SUBMIT_ALL)) features |= kUringSubmitAll;
  return features;
}

// 0: not probed yet; otherwise kProbed | the features. Racing first callers probe twice and
// store the same answer.
constexpr unsigned kProbed = 1u << 31;
std::atomic<unsigned> probed_features{0};

}  // namespace

unsigned uring_kernel_features() {
  unsigned features = probed_features.load(std::memory_order_acquire);
  if (!features) {
    features = kProbed | probe_kernel();
    probed_features.store(features, std::memory_order_release);
  }
  return features & ~kProbed;
}

// Answered without creating a ring: the kernel interrupts a thread's next epoll_wait with EINTR
// some milliseconds after it closes a ring the thread created, and asking which backends exist
// must not do that to a program that then runs epoll. A setup with no entries fails with
// EINVAL where io_uring exists and may be used, and with ENOSYS or EPERM (no io_uring,
// kernel.io_uring_disabled, seccomp) where it may not. Every io_uring kernel has the poll
// opcodes; the rest is probed when the first io_uring loop is made (uring_kernel_features),
// and a loop that finds it lacking falls back to epoll.
bool io_uring_usable() {
  static std::atomic<int> answer{0};  // 0: not asked yet, 1: usable, 2: not
  int known = answer.load(std::memory_order_acquire);
  if (!known) {
    io_uring_params params;
    memset(&params, 0, sizeof params);
    int saved_errno = errno;
    bool exists = syscall(__NR_io_uring_setup, 0, &params) < 0 && errno == EINVAL;
    errno = saved_errno;
    known = exists ? 1 : 2;
    answer.store(known, std::memory_order_release);
  }
  return known == 1;
}

}  // namespace evring
