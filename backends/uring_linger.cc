// Lingering wake-ups. libev's epoll backend unregisters lazily: an fd whose last watcher stops
// stays in the epoll set until its next event, so a stopped fd that is or becomes ready ends the
// loop's wait once, with no callback, and programs see that in their iteration counts. A poll
// in a ring does not behave so: a removed poll is gone, and a poll left in the ring would keep
// the file open (quirk F). So an fd whose last watcher stops lingers in one of two ways:
//  - its one-shot poll had completed (it was ready): the fd is checked with one poll(2) of all
//    such fds at the next poll; if one is ready (not closed), the loop does not block, as
//    epoll_wait reports it once; the others are registered as below, since epoll would report
//    them when they become ready;
//  - its poll was still pending: the removal reports the fd if it was ready by then (a
//    completion of the old generation with readiness), and a one-shot registration in the
//    internal epoll set (no file reference: closing the fd drops it) wakes the loop once if it
//    becomes ready later, while it is still unwatched.
// Either way the poll call notes it (PollCall::woken) and does not wait.
#include "uring_linger.h"

#include "uring_epoll_set.h"

namespace evring {

void linger_on_last_stop(UringState &state, int fd, FdEntry &entry, uint8_t mask) {
  UringFd &uring = uring_fd(entry);
  if (uring.state == UringFdState::kInEpollSet) return;  // the set itself lingers, as epoll does
  if (uring.state == UringFdState::kIdle)
    state.lingering.stopped.push(pollfd{fd, short(poll_bits(mask)), 0});
  else
    epoll_set_linger(state, fd, entry, mask);
}

bool linger_ready(ev_loop *loop, UringState &state) {
  Vec<pollfd> &stopped = state.lingering.stopped;
  int count = 0;
  for (pollfd &candidate : stopped)
    if (!loop->fds[candidate.fd].registered) stopped[count++] = candidate;
  stopped.count = 0;
  if (!count || poll(stopped.items, nfds_t(count), 0) < 0) return false;
  bool ready = false;
  for (int i = 0; i < count; ++i) {
    const pollfd &checked = stopped[i];
    if (checked.revents & (POLLIN | POLLOUT | POLLERR | POLLHUP))
      ready = true;
    else if (!(checked.revents & POLLNVAL))  // closed: epoll forgets a closed fd
      epoll_set_linger(state, checked.fd, loop->fds[checked.fd],
                       uint8_t(revents_of(uint16_t(checked.events))));
  }
  return ready;
}

void linger_poll_completed(UringState &state, const FdEntry &entry, int result) {
  // A poll removed after its fd became ready, and still unwatched. POLLRDHUP alone is no
  // readiness the fd was watched for (quirk S).
  if (result > 0 && (result & (POLLIN | POLLOUT | POLLERR | POLLHUP)) && !entry.registered)
    state.call.woken = true;
}

void linger_fired(ev_loop *loop, UringState &state, int fd, uint32_t generation) {
  // Still unwatched since it was stopped: wake once. Watched again: its poll reports it.
  if (fd_generation_current(loop, fd, generation) && !loop->fds[fd].registered)
    state.call.woken = true;
}

}  // namespace evring
