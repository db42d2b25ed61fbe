// The io_uring backend's internal epoll set: see uring_epoll_set.h.
#include "uring_epoll_set.h"

#include <errno.h>
#include <unistd.h>

#include "uring_linger.h"
#include "uring_prep.h"

namespace evring {

namespace {

// In a lingering registration's data, beside the fd (at most kMaxRingFd) and its generation.
constexpr uint64_t kLingerTag = uint64_t(1) << 31;

// Registers the fd by `op` when evring's view of the set is right, else by the other one:
// MOD fails with ENOENT once the file was closed (the kernel dropped it), ADD with EEXIST over a
// registration still there (a lingering one). False when epoll refuses the fd.
bool set_registration(int epoll_fd, int op, int fd, epoll_event &event) {
  if (epoll_ctl(epoll_fd, op, fd, &event) == 0) return true;
  if (errno != (op == EPOLL_CTL_MOD ? ENOENT : EEXIST)) return false;
  int other_op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  return epoll_ctl(epoll_fd, other_op, fd, &event) == 0;
}

void open_set(EpollSet &set) {
  // Tried again after the syserr callback, which libev's manual expects to remedy.
  while ((set.fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
    fatal_syserr("evring: epoll_create1 (io_uring fallback set)");
  set.events.reserve_zeroed(64);
  set.armed = false;
}

void ensure_open(EpollSet &set) {
  if (set.fd < 0) open_set(set);
}

// A registration survives in an epoll set while its file is open anywhere, even after the fd
// was closed here (quirk O); the set is rebuilt from the fd table to get rid of it.
void rebuild(ev_loop *loop, UringState &state) {
  state.epoll.stale = false;
  state.epoll.lingering = false;
  close(state.epoll.fd);
  open_set(state.epoll);
  for (int fd = 0; fd < loop->fds.count; ++fd) {
    FdEntry &entry = loop->fds[fd];
    UringFd &uring = uring_fd(entry);
    uring.flags &= uint8_t(~kLingering);
    if (uring.state != UringFdState::kInEpollSet) continue;
    set_armed(uring, UringFdState::kInEpollSet, 0, 0);
    epoll_set_register(loop, state, fd, entry);
  }
}

// A member's event: reported if it comes from the registration we have, else the set is stale.
void member_event(ev_loop *loop, UringState &state, int fd, uint32_t generation, uint32_t bits) {
  if (!fd_generation_current(loop, fd, generation) ||
      uring_fd(loop->fds[fd]).state != UringFdState::kInEpollSet) {
    state.epoll.stale = true;
    return;
  }
  fd_event(loop, fd, revents_of(bits));
}

}  // namespace

void epoll_set_adopt(UringState &state, UringFd &uring) {
  set_armed(uring, UringFdState::kInEpollSet, 0, 0);
  ++state.epoll.members;
}

void epoll_set_leave(UringState &state, int fd, UringFd &uring) {
  // Fails harmlessly when the fd was closed: the kernel dropped it then.
  if (uring.armed_mask) epoll_ctl(state.epoll.fd, EPOLL_CTL_DEL, fd, nullptr);
  set_idle(uring);
  --state.epoll.members;
}

void epoll_set_register(ev_loop *loop, UringState &state, int fd, FdEntry &entry) {
  ensure_open(state.epoll);
  UringFd &uring = uring_fd(entry);
  epoll_event event{};
  event.events = poll_bits(entry.registered) | (entry.registered & EVRING_EDGE ? EPOLLET : 0u);
  event.data.u64 = uint64_t(uint32_t(fd)) | (uint64_t(entry.generation) << 32);
  int op = uring.armed_mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (set_registration(state.epoll.fd, op, fd, event)) {
    set_armed(uring, UringFdState::kInEpollSet, entry.registered, entry.generation);
    return;
  }
  set_armed(uring, UringFdState::kInEpollSet, 0, 0);
  epoll_set_leave(state, fd, uring);
  fd_kill(loop, fd);
}

bool epoll_set_linger(UringState &state, int fd, FdEntry &entry, uint8_t mask) {
  ensure_open(state.epoll);
  UringFd &uring = uring_fd(entry);
  epoll_event event{};
  event.events = poll_bits(mask) | EPOLLONESHOT;
  event.data.u64 = uint64_t(uint32_t(fd)) | kLingerTag | (uint64_t(entry.generation) << 32);
  // The registration of an earlier stop stays (disabled once it fired) until its file closes.
  int op = uring.flags & kLingering ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (!set_registration(state.epoll.fd, op, fd, event)) {
    uring.flags &= uint8_t(~kLingering);
    return false;
  }
  uring.flags |= kLingering;
  state.epoll.lingering = true;
  return true;
}

void epoll_set_report(ev_loop *loop, UringState &state) {
  EpollSet &set = state.epoll;
  int ready = epoll_wait(set.fd, set.events.items, set.events.capacity, 0);
  for (int i = 0; i < ready; ++i) {
    uint64_t data = set.events[i].data.u64;
    int fd = int(uint32_t(data & ~kLingerTag));
    uint32_t generation = uint32_t(data >> 32);
    if (data & kLingerTag)
      linger_fired(loop, state, fd, generation);
    else
      member_event(loop, state, fd, generation, set.events[i].events);
  }
  if (ready == set.events.capacity) set.events.reserve_zeroed(set.events.capacity * 2);
}

// One-shot, re-armed each iteration: arming checks the set's ready list, so level-triggered
// members that are still ready are reported again.
void epoll_set_arm(ev_loop *loop, UringState &state) {
  EpollSet &set = state.epoll;
  if (set.stale) rebuild(loop, state);
  if (set.armed || !(set.members || set.lingering)) return;
  prep_poll_add(next_sqe(loop, state), set.fd, POLLIN, false, user_data(kEpollSetPoll, 0, 0));
  set.armed = true;
}

void epoll_set_close(UringState &state) {
  if (state.epoll.fd >= 0) close(state.epoll.fd);
  state.epoll.events.release();
}

}  // namespace evring
