// Which backend a loop gets: flags as libev, environment overrides unless EVFLAG_NOENV
// (LIBEV_FLAGS as libev; EVRING_BACKEND by name), then the first backend in preference order
// that is both allowed and works on this kernel.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"

namespace evring {

namespace {

// Preference order, as libev: the most capable mechanism first.
const BackendOps *const kBackends[] = {&io_uring_backend, &epoll_backend, &poll_backend,
                                       &select_backend};

struct BackendName {
  const char *name;
  unsigned flag;
};
const BackendName kBackendNames[] = {{"io_uring", EVBACKEND_IOURING},
                                     {"iouring", EVBACKEND_IOURING},
                                     {"epoll", EVBACKEND_EPOLL},
                                     {"poll", EVBACKEND_POLL},
                                     {"select", EVBACKEND_SELECT}};

unsigned backend_named(const char *name) {
  for (const BackendName &entry : kBackendNames)
    if (!strcmp(entry.name, name)) return entry.flag;
  return 0;
}

bool debug_enabled() {
  const char *value = secure_getenv("EVRING_DEBUG");
  return value && *value && strcmp(value, "0") != 0;
}

// Applies LIBEV_FLAGS and EVRING_BACKEND; describes what it did in `why`.
unsigned apply_environment(unsigned flags, char *why, size_t why_size) {
  if (flags & EVFLAG_NOENV) {
    // Naming an ignored EVRING_BACKEND tells an evring-run --backend user why the program
    // (python3-gevent, for one) kept its own choice.
    const char *name = secure_getenv("EVRING_BACKEND");
    snprintf(why, why_size, "flags 0x%x (EVFLAG_NOENV%s%.16s%s)", flags,
             name && *name ? ": EVRING_BACKEND=" : "", name && *name ? name : "",
             name && *name ? " ignored" : "");
    return flags;
  }
  snprintf(why, why_size, "flags 0x%x", flags);
  if (const char *value = secure_getenv("LIBEV_FLAGS")) {
    // Decimal, exactly as libev parses it. As in libev, the fork check stays what the program
    // asked for: LIBEV_FLAGS can neither turn it on nor off.
    flags = (unsigned(atoi(value)) & ~unsigned(EVFLAG_FORKCHECK)) | (flags & EVFLAG_FORKCHECK);
    snprintf(why, why_size, "LIBEV_FLAGS=%s", value);
  }
  if (const char *name = secure_getenv("EVRING_BACKEND")) {
    if (!*name) return flags;
    if (unsigned flag = backend_named(name)) {
      flags = (flags & ~unsigned(EVBACKEND_MASK)) | flag;
      snprintf(why, why_size, "EVRING_BACKEND=%s", name);
    } else {
      fprintf(stderr,
              "evring: EVRING_BACKEND=%s is not a backend (io_uring, epoll, poll, select); "
              "ignored\n",
              name);
    }
  }
  return flags;
}

}  // namespace

bool backend_choose(ev_loop *loop) {
  char why[128];
  loop->flags = apply_environment(loop->flags, why, sizeof why);
  unsigned allowed = loop->flags & EVBACKEND_MASK;
  loop->backend_automatic = !allowed;
  if (!allowed) allowed = ev_recommended_backends();
  bool debug = debug_enabled();
  for (const BackendOps *ops : kBackends) {
    if (!(allowed & ops->flag)) continue;
    loop->backend = ops;
    if (ops->init(loop)) {
      if (debug)
        fprintf(stderr, "evring: loop %p uses backend %s (%s; allowed 0x%x)\n",
                static_cast<void *>(loop), ops->name, why, allowed);
      return true;
    }
    if (debug)
      fprintf(stderr, "evring: loop %p: backend %s unavailable: %s\n", static_cast<void *>(loop),
              ops->name, strerror(errno));
  }
  loop->backend = nullptr;
  if (debug)
    fprintf(stderr, "evring: loop %p: no usable backend in 0x%x (%s)\n", static_cast<void *>(loop),
            allowed, why);
  return false;
}

bool backend_upgrade_for_ops(ev_loop *loop) {
  bool automatic = loop->backend_automatic;
  loop->backend_automatic = false;  // asked once
  if (!automatic || loop->backend == &io_uring_backend || !io_uring_usable()) return false;
  const BackendOps *before = loop->backend;
  bool upgraded = backend_switch(loop, &io_uring_backend);
  if (debug_enabled())
    fprintf(stderr, "evring: loop %p: first op: backend %s %s\n", static_cast<void *>(loop),
            upgraded ? "io_uring replaces" : "io_uring unavailable, keeping", before->name);
  return upgraded;
}

bool backend_fall_back(ev_loop *loop) {
  const BackendOps *given_up = loop->backend;
  bool after = false;
  for (const BackendOps *ops : kBackends) {
    if (after) {
      loop->backend = ops;
      if (ops->init(loop)) {
        if (debug_enabled())
          fprintf(stderr, "evring: loop %p: backend %s gave up, continuing with %s\n",
                  static_cast<void *>(loop), given_up->name, ops->name);
        return true;
      }
    }
    after = after || ops == given_up;
  }
  loop->backend = given_up;
  return false;
}

}  // namespace evring

unsigned ev_supported_backends() noexcept {
  return EVBACKEND_EPOLL | EVBACKEND_POLL | EVBACKEND_SELECT |
         (evring::io_uring_usable() ? unsigned(EVBACKEND_IOURING) : 0u);
}

// libev's answer: io_uring is supported but not recommended, so an automatic choice takes
// epoll, which serves readiness at less cost (docs/benchmarks.md). A loop chosen automatically
// moves to io_uring when the program starts its first op (backend_upgrade_for_ops).
unsigned ev_recommended_backends() noexcept {
  return EVBACKEND_EPOLL | EVBACKEND_POLL | EVBACKEND_SELECT;
}

// The same mask libev 4.33 reports on Linux (it does not filter by what exists here), because
// programs print it. Of these, evring has epoll and io_uring.
unsigned ev_embeddable_backends() noexcept {
  return EVBACKEND_EPOLL | EVBACKEND_KQUEUE | EVBACKEND_PORT | EVBACKEND_IOURING;
}
