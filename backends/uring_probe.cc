// What io_uring offers on this kernel, learnt from the loop's own ring, never inferred from the
// kernel version, and never from throwaway rings: the kernel interrupts the blocking system
// calls of a thread that created a ring (epoll_wait, a recv with SO_RCVTIMEO...) with EINTR
// some milliseconds after the ring is closed, so a ring made and closed behind the program's
// back breaks programs (gdnsd's takeover lost its statistics). A setup the kernel refuses
// creates no ring and has no such effect: setup flags are learnt by trying them.
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "backend.h"
#include "uring_prep.h"
#include "uring_probe.h"

namespace evring {

namespace {

// The setups to try, most capable first. Each newer flag comes with the older ones (SUBMIT_ALL
// is 5.18, COOP_TASKRUN 5.19, DEFER_TASKRUN 6.1, NO_SQARRAY 6.6), so the first one accepted is
// the best.
constexpr unsigned kSetupLadder[] = {
    kUringDeferTaskrun | kUringSubmitAll | kUringNoSqArray,
    kUringDeferTaskrun | kUringSubmitAll,
    kUringCoopTaskrun | kUringSubmitAll,
    kUringSubmitAll,
    0,
};

unsigned setup_flags_for(unsigned features) {
  unsigned flags = IORING_SETUP_CLAMP;
  if (features & kUringSubmitAll) flags |= IORING_SETUP_SUBMIT_ALL;
  if (features & kUringNoSqArray) flags |= kSetupNoSqArray;
  if (features & kUringDeferTaskrun)
    return flags | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
           IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_R_DISABLED;
  if (features & kUringCoopTaskrun)
    return flags | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  return flags;
}

// The features a ring has from its parameters and the opcodes the kernel implements.
unsigned ring_features(const UringRing &ring) {
  UringOpcodes opcodes = uring_opcodes(&ring);
  if (!opcodes.has(IORING_OP_POLL_ADD) || !opcodes.has(IORING_OP_POLL_REMOVE)) return 0;
  unsigned features = 0;
  if (ring.features & IORING_FEAT_EXT_ARG) features |= kUringUsable | kUringExtArg;
  if (opcodes.has(IORING_OP_TIMEOUT)) features |= kUringUsable;
  if (ring.features & IORING_FEAT_CQE_SKIP) features |= kUringCqeSkip;
  // Which op kinds have their opcode is asked per kind (uring_op_kinds); the rest of what ops
  // use is tried when first needed, and dropped where the kernel answers EINVAL.
  features |= kUringOps | kUringMultishotOps | kUringBufRing | kUringSyncCancel;
  return features;
}

// Tags of the poll-flavour probe's requests. Their kind bits (29-31) are all set, which the
// backend reads as "no news", should one of them ever reach it.
constexpr uint64_t kProbeMultishot = ~uint64_t(0) - 1;
constexpr uint64_t kProbeRemove = ~uint64_t(0);

// Multishot polls have no probe bit: ask with a multishot poll on an always-writable eventfd (it
// completes at once with IORING_CQE_F_MORE where multishot exists), then remove it, so that
// nothing stays in the ring. A removal that finds the poll running (-EALREADY, quirk Q) is asked
// again. Needs an enabled ring; the completions of other requests it submits
// along (ops started before the loop first polled) go to `others`. -1 when it could not ask (no
// room for the removal in the ring, no fd left for the eventfd): not an answer to keep.
int probe_poll_flavours(UringRing *ring, const CompletionVisitor &others) {
  if (ring->sq_entries - uring_sq_pending(ring) < 2) return -1;
  int event_fd = eventfd(0, EFD_CLOEXEC);
  if (event_fd < 0) return -1;
  prep_poll_add(uring_get_sqe(ring), event_fd, POLLOUT, true, kProbeMultishot);
  unsigned found = 0;
  bool poll_ended = false;
  // Bounded, in case a kernel never ends the poll.
  for (int round = 0; round < 100 && !poll_ended; ++round) {
    int result = uring_enter(ring, 0, IORING_ENTER_GETEVENTS, -1);
    if (result < 0 && result != -EINTR && result != -EAGAIN && result != -EBUSY) break;
    unsigned ready = uring_cq_ready(ring);
    bool remove = false;
    for (unsigned i = 0; i < ready; ++i) {
      const io_uring_cqe &cqe = uring_cqe(ring, i);
      if (cqe.user_data == kProbeMultishot) {
        bool more = cqe.flags & IORING_CQE_F_MORE;
        if (cqe.res > 0 && more) found |= kUringMultishot;
        poll_ended = !more;
        remove = more;
      } else if (cqe.user_data == kProbeRemove) {
        remove = cqe.res == -EALREADY;
      } else if (others.visit) {
        others.visit(others.context, cqe);
      }
    }
    uring_cq_consume(ring, ready);
    if (remove && !poll_ended) prep_poll_remove(uring_get_sqe(ring), kProbeMultishot, kProbeRemove);
  }
  close(event_fd);
  return int(found);
}

// 0: not asked yet; otherwise kAsked | the flavours. Racing first callers ask twice and store
// the same answer.
constexpr unsigned kAsked = 1u << 31;
std::atomic<unsigned> known_poll_flavours{0};

}  // namespace

bool uring_open_probed(UringRing *ring, unsigned entries, unsigned allowed, UringSetup *setup) {
  int error = EINVAL;
  unsigned tried = ~0u;
  for (unsigned step : kSetupLadder) {
    unsigned features = step & allowed;
    if (features == tried) continue;
    tried = features;
    unsigned flags = setup_flags_for(features);
    if (uring_open(ring, entries, flags)) {
      // Resizing is tried when needed (a kernel without it refuses with EINVAL). The kernel
      // does not say where a resized ring's SQ index array is, so it needs a ring without one.
      if ((features & kUringDeferTaskrun) && (features & kUringNoSqArray)) features |= kUringResize;
      setup->flags = flags;
      setup->features = (features | ring_features(*ring)) & allowed;
      return true;
    }
    error = errno;
    if (error != EINVAL) break;  // ENOSYS, EPERM, ENOMEM...: no other setup will do better
  }
  errno = error;
  return false;
}

// A probe that could not ask leaves this ring without the flavours and the question open for
// the next loop: a moment without fds must not cost the process its multishot polls.
unsigned uring_poll_flavours(UringRing *ring, CompletionVisitor others) {
  unsigned flavours = known_poll_flavours.load(std::memory_order_acquire);
  if (!flavours) {
    int found = probe_poll_flavours(ring, others);
    if (found < 0) return 0;
    flavours = kAsked | unsigned(found);
    known_poll_flavours.store(flavours, std::memory_order_release);
  }
  return flavours & ~kAsked;
}

void uring_test_forget_poll_flavours() {
  known_poll_flavours.store(0, std::memory_order_release);
}

// Answered without creating a ring: asking which backends exist must not interrupt a program
// that then runs epoll. A setup with no entries fails with EINVAL where io_uring exists and may
// be used, and with ENOSYS or EPERM (no io_uring, kernel.io_uring_disabled, seccomp) where it
// may not. Every io_uring kernel has the poll opcodes; the rest is learnt from the first
// io_uring loop's ring, and a loop that finds it lacking falls back to epoll.
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
