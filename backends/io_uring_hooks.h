// What the io_uring backend takes from the kernel, and the test-only knobs that make it behave
// as on a smaller or older kernel. The knobs are not part of the API: like every symbol not
// marked EV_API they are hidden, so only programs linking the static library (the tests) reach
// them.
#ifndef EVRING_IO_URING_HOOKS_H
#define EVRING_IO_URING_HOOKS_H

struct ev_loop;

namespace evring {

// Kernel features the backend uses when present; each has a fallback (docs/io_uring.md).
enum UringFeature : unsigned {
  kUringUsable = 1u << 0,        // rings can be created and the poll opcodes exist
  kUringExtArg = 1u << 1,        // IORING_ENTER_EXT_ARG: the wait's timeout rides on the enter
  kUringCqeSkip = 1u << 2,       // IOSQE_CQE_SKIP_SUCCESS: no completion for a successful removal
  kUringMultishot = 1u << 3,     // IORING_POLL_ADD_MULTI: edge mode without re-arming
  kUringDeferTaskrun = 1u << 4,  // IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN | R_DISABLED
  kUringCoopTaskrun = 1u << 5,   // IORING_SETUP_COOP_TASKRUN
  kUringSubmitAll = 1u << 6,     // IORING_SETUP_SUBMIT_ALL
  kUringResize = 1u << 7,        // IORING_REGISTER_RESIZE_RINGS (DEFER_TASKRUN rings only)
  kUringNoSqArray = 1u << 8,     // IORING_SETUP_NO_SQARRAY: SQ slots index the SQEs directly
  // Ops (ev/ops.h) done by the kernel: the opcodes (each kind needs its own, see uring_ops.cc).
  kUringOps = 1u << 9,
  kUringMultishotOps = 1u << 10,  // IORING_ACCEPT_MULTISHOT, IORING_RECV_MULTISHOT (tried)
  kUringBufRing = 1u << 11,       // IORING_REGISTER_PBUF_RING: the pool as provided buffers
  kUringSyncCancel = 1u << 12,    // IORING_REGISTER_SYNC_CANCEL: evring_op_stop in one call
};

struct UringTestHooks {
  unsigned initial_entries;    // SQ size of a new loop's ring (0: the default)
  unsigned max_entries;        // no ring grows beyond this (0: as far as the kernel allows)
  bool grow_on_overflow_only;  // no growth to fit the watched fds: overflows drive growth
  unsigned disabled_features;  // UringFeature bits to do without, to exercise the fallbacks
  // POLL_ADD on an fd for which this returns true completes with -EINVAL, as for a file that
  // io_uring cannot poll.
  bool (*poll_einval)(int fd);
};

extern UringTestHooks uring_test_hooks;

// The SQ size of an io_uring loop's current ring, and its fd.
unsigned uring_test_ring_entries(struct ev_loop *loop);
int uring_test_ring_fd(struct ev_loop *loop);
// The UringFeature bits an io_uring loop uses (complete once it has polled), else 0.
unsigned uring_test_loop_features(struct ev_loop *loop);
// Makes the next loop ask again which poll flavours the kernel has (cached for the process).
void uring_test_forget_poll_flavours();

}  // namespace evring

#endif
