// The io_uring backend's internal epoll set (uring_epoll_set.cc): it serves the fds io_uring
// cannot poll (quirk E) or whose number does not fit in user_data, and holds the lingering
// registrations of stopped fds (uring_linger.cc). The set's own fd is polled through the ring,
// so the loop still waits in its one io_uring_enter.
#ifndef EVRING_URING_EPOLL_SET_H
#define EVRING_URING_EPOLL_SET_H

#include "uring_state.h"

namespace evring {

// From now on the fd is served by the set (kInEpollSet, registered at its next flush).
void epoll_set_adopt(UringState &state, UringFd &uring);
// The fd goes back to kIdle; its registration, if any, is deleted.
void epoll_set_leave(UringState &state, int fd, UringFd &uring);
// Registers a member's wanted mask; an fd epoll refuses too is killed.
void epoll_set_register(ev_loop *loop, UringState &state, int fd, FdEntry &entry);
// Registers a stopped fd once (EPOLLONESHOT) for `mask`, tagged with its generation; false when
// epoll refuses it (closed, or a file epoll cannot poll).
bool epoll_set_linger(UringState &state, int fd, FdEntry &entry, uint8_t mask);
// The set's poll completed: reports its members' readiness and the lingering registrations
// that fired.
void epoll_set_report(ev_loop *loop, UringState &state);
// Puts the set's own poll in the ring if it has members or lingering registrations and none is
// pending; rebuilds the set first if it reported registrations we no longer have.
void epoll_set_arm(ev_loop *loop, UringState &state);
void epoll_set_close(UringState &state);

}  // namespace evring

#endif
