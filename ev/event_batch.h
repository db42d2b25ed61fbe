// How many readiness events one poll reports. libev's epoll backend hands epoll_wait an array
// of 64 events and, whenever a poll fills it, replaces it by a larger one: programs with more
// ready fds than that see them spread over several iterations, in sizes they can print. evring's
// epoll backend uses the same sizes, and its io_uring backend reports its completions in the
// same batches, so that such programs print what they print under libev's epoll.
#ifndef EVRING_EVENT_BATCH_H
#define EVRING_EVENT_BATCH_H

#include <sys/epoll.h>

namespace evring {

constexpr int kFirstEventBatch = 64;

// The batch after a poll filled `batch`: twice one more than it, and from a few KiB on, what
// fills the page-rounded allocation libev makes for that many (minus its allocator's overhead).
inline int next_event_batch(int batch) {
  constexpr long kPage = 4096, kOverhead = 4 * sizeof(void *), kEvent = sizeof(epoll_event);
  long next = 2L * (batch + 1);
  if (next * kEvent > kPage - kOverhead) {
    long bytes = (next * kEvent + kEvent + kPage - 1 + kOverhead) & ~(kPage - 1);
    next = (bytes - kOverhead) / kEvent;
  }
  return int(next);
}

}  // namespace evring

#endif
