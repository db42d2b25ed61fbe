// What the io_uring test files share: whether io_uring is there, and the backend's test hooks
// (backends/io_uring_hooks.h) put back when a test case ends.
#ifndef EVRING_TESTS_URING_TEST_SUPPORT_H
#define EVRING_TESTS_URING_TEST_SUPPORT_H

#include <ev.h>

#include "../backends/io_uring_hooks.h"

inline bool io_uring_available() {
  return ev_supported_backends() & EVBACKEND_IOURING;
}

// Puts the backend's test hooks back when the test case ends, however it ends.
class HooksGuard {
 public:
  HooksGuard() : saved_(evring::uring_test_hooks) {}
  ~HooksGuard() { evring::uring_test_hooks = saved_; }
  HooksGuard(const HooksGuard &) = delete;
  HooksGuard &operator=(const HooksGuard &) = delete;

 private:
  evring::UringTestHooks saved_;
};

#endif
