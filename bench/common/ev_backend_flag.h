/* Backend names as the driver spells them, mapped to the libev API's EVBACKEND_* flags. Shared by
   every libev-API contender so evring and libev are always asked for the same thing. */
#ifndef BENCH_EV_BACKEND_FLAG_H
#define BENCH_EV_BACKEND_FLAG_H

#include <ev.h>
#include <string.h>

/* Returns 0 for a name that is not a backend. */
static inline unsigned bench_backend_flag(const char *name) {
  if (strcmp(name, "select") == 0) return EVBACKEND_SELECT;
  if (strcmp(name, "poll") == 0) return EVBACKEND_POLL;
  if (strcmp(name, "epoll") == 0) return EVBACKEND_EPOLL;
  if (strcmp(name, "io_uring") == 0) return EVBACKEND_IOURING;
  return 0;
}

#endif
