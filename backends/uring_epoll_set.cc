// The io_uring backend's fallback for fds whose POLL_ADD fails with -EINVAL (or whose number
// does not fit in user_data): an epoll set, itself polled through the ring, so that those fds
// keep working and the loop still waits in its one io_uring_enter.
#include <errno.h>
#include <unistd.h>

#include "uring_state.h"

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

void epoll_set_open(UringState &state) {
  state.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (state.epoll_fd < 0) fatal_syserr("evring: epoll_create1 (io_uring fallback set)");
  state.epoll_events.reserve_zeroed(64);
  state.epoll_armed = false;
}

// A registration survives in an epoll set while its file is open anywhere, even after the fd
// was closed here; the set is rebuilt from the fd table to get rid of it.
void epoll_set_rebuild(ev_loop *loop, UringState &state) {
  state.epoll_stale = false;
  state.epoll_lingering = false;
  close(state.epoll_fd);
  epoll_set_open(state);
  for (int fd = 0; fd < loop->fds.count; ++fd) {
    FdEntry &entry = loop->fds[fd];
    entry.backend_flags &= uint8_t(~kLingerItem);
    if (!(entry.backend_flags & kInEpollSet)) continue;
    set_armed(entry, 0, 0);
    epoll_set_register(loop, state, fd, entry);
  }
}

}  // namespace

// From now on the fd is served by the epoll set.
void epoll_set_adopt(UringState &state, FdEntry &entry) {
  entry.backend_flags |= kInEpollSet;
  ++state.epoll_members;
}

void epoll_set_leave(UringState &state, int fd, FdEntry &entry) {
  // Fails harmlessly when the fd was closed: the kernel dropped it then.
  if (armed_mask(entry)) epoll_ctl(state.epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
  entry.backend_flags &= uint8_t(~kInEpollSet);
  set_armed(entry, 0, 0);
  --state.epoll_members;
}

void epoll_set_register(ev_loop *loop, UringState &state, int fd, FdEntry &entry) {
  if (state.epoll_fd < 0) epoll_set_open(state);
  epoll_event event{};
  event.events = poll_bits(entry.registered) | (entry.registered & EVRING_EDGE ? EPOLLET : 0u);
  event.data.u64 = uint64_t(uint32_t(fd)) | (uint64_t(entry.generation) << 32);
  if (set_registration(state.epoll_fd, armed_mask(entry) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd,
                       event)) {
    set_armed(entry, entry.registered, entry.generation);
    return;
  }
  set_armed(entry, 0, 0);
  epoll_set_leave(state, fd, entry);
  fd_kill(loop, fd);
}

void epoll_set_linger(UringState &state, int fd, FdEntry &entry, uint8_t mask) {
  if (state.epoll_fd < 0) epoll_set_open(state);
  epoll_event event{};
  event.events = poll_bits(mask) | EPOLLONESHOT;
  event.data.u64 = uint64_t(uint32_t(fd)) | kLingerTag | (uint64_t(entry.generation) << 32);
  // The registration of an earlier stop stays (disabled once it fired) until its file closes.
  int op = entry.backend_flags & kLingerItem ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (!set_registration(state.epoll_fd, op, fd, event)) {
    // Closed already (EBADF), or a file epoll refuses (EPERM): nothing can wake the loop.
    entry.backend_flags &= uint8_t(~kLingerItem);
    return;
  }
  entry.backend_flags |= kLingerItem;
  state.epoll_lingering = true;
}

void epoll_set_report(ev_loop *loop, UringState &state) {
  int ready = epoll_wait(state.epoll_fd, state.epoll_events.items, state.epoll_events.capacity, 0);
  for (int i = 0; i < ready; ++i) {
    const epoll_event &event = state.epoll_events[i];
    int fd = int(uint32_t(event.data.u64 & ~kLingerTag));
    uint32_t generation = uint32_t(event.data.u64 >> 32);
    if (event.data.u64 & kLingerTag) {
      // Still unwatched since it was stopped: wake once. Watched again: its poll reports it.
      if (fd_generation_current(loop, fd, generation) && !loop->fds[fd].registered)
        state.woken = true;
      continue;
    }
    if (!fd_generation_current(loop, fd, generation) ||
        !(loop->fds[fd].backend_flags & kInEpollSet)) {
      state.epoll_stale = true;
      continue;
    }
    fd_event(loop, fd, revents_of(event.events));
  }
  if (ready == state.epoll_events.capacity)
    state.epoll_events.reserve_zeroed(state.epoll_events.capacity * 2);
}

// One-shot, re-armed each iteration: arming checks the set's ready list, so level-triggered
// members that are still ready are reported again.
void epoll_set_arm(ev_loop *loop, UringState &state) {
  if (state.epoll_stale) epoll_set_rebuild(loop, state);
  if (state.epoll_armed || !(state.epoll_members || state.epoll_lingering)) return;
  io_uring_sqe *sqe = next_sqe(loop, state);
  sqe->opcode = IORING_OP_POLL_ADD;
  sqe->fd = state.epoll_fd;
  sqe->poll32_events = POLLIN;
  sqe->user_data = user_data(kEpollSetPoll, 0, 0);
  state.epoll_armed = true;
}

void epoll_set_close(UringState &state) {
  if (state.epoll_fd >= 0) close(state.epoll_fd);
  state.epoll_events.release();
}

}  // namespace evring
