// Learning what io_uring offers from the loop's own ring (uring_probe.cc).
#ifndef EVRING_URING_PROBE_H
#define EVRING_URING_PROBE_H

#include "io_uring_hooks.h"
#include "uring_sys.h"

namespace evring {

struct UringSetup {
  unsigned flags;     // the IORING_SETUP_* flags the ring was created with
  unsigned features;  // UringFeature bits, without the poll flavours (uring_poll_flavours)
};

// Creates `ring` with the most capable setup the kernel accepts among those the `allowed`
// UringFeature bits permit, and describes it. False with errno set when no setup works.
bool uring_open_probed(UringRing *ring, unsigned entries, unsigned allowed, UringSetup *setup);
// kUringMultishot as this kernel offers it, asked once per process of an
// enabled ring. Other completions that come meanwhile go to `others`.
unsigned uring_poll_flavours(UringRing *ring, CompletionVisitor others);

}  // namespace evring

#endif
