// Lingering wake-ups (uring_linger.cc): an fd whose last watcher stopped still wakes the loop
// once when it is or becomes ready, as under libev's epoll backend.
#ifndef EVRING_URING_LINGER_H
#define EVRING_URING_LINGER_H

#include "uring_state.h"

namespace evring {

// The fd's last watcher stopped (modify with new mask 0); `mask` is what its watchers wanted.
void linger_on_last_stop(UringState &state, int fd, FdEntry &entry, uint8_t mask);
// Whether an fd whose last watcher stopped after its poll completed is ready, so that the poll
// must not block; those that are not linger in the epoll set. Forgets them all.
bool linger_ready(ev_loop *loop, UringState &state);
// A poll of an older registration completed with readiness (`result` > 0).
void linger_poll_completed(UringState &state, const FdEntry &entry, int result);
// The epoll set reported the lingering registration of fd's `generation`.
void linger_fired(ev_loop *loop, UringState &state, int fd, uint32_t generation);

}  // namespace evring

#endif
