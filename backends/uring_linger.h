// Lingering wake-ups (uring_linger.cc): an fd whose last watcher stopped still wakes the loop
// once when it is or becomes ready, as under libev's epoll backend.
#ifndef EVRING_URING_LINGER_H
#define EVRING_URING_LINGER_H

#include "uring_state.h"

namespace evring {

// The fd's last watcher stopped (modify with new mask 0); `mask` is what its watchers wanted.
void linger_on_last_stop(UringState &state, int fd, FdEntry &entry, uint8_t mask);
// Whether a lingering fd is ready, so that a loop `about_to_block` must not block. Forgets the
// fds whose last watcher stopped since the previous poll, checked or not.
bool linger_ready(ev_loop *loop, UringState &state, bool about_to_block);
// A poll of an older registration completed with readiness (`result` > 0).
void linger_poll_completed(UringState &state, const FdEntry &entry, int result);
// The epoll set reported the lingering registration of fd's `generation`.
void linger_fired(ev_loop *loop, UringState &state, int fd, uint32_t generation);

}  // namespace evring

#endif
