// ev++.h: ev::bad_loop. A dynamic_loop or default_loop that cannot be created (a backend this
// system lacks, under NOENV so that LIBEV_FLAGS cannot replace it) throws it, catchable as
// std::exception (its message is not printed: it differs between the libraries); without NOENV
// LIBEV_FLAGS picks the backend and the loop is created; after a failed default_loop the
// default loop can still be created.
#include <ev++.h>

#include <stdlib.h>

#include "compat.h"

template <class Loop>
static void attempt(const char *what, unsigned flags) {
  printf("%s: ", what);
  try {
    Loop loop(flags);
    printf("created\n");
  } catch (ev::bad_loop &) {
    printf("ev::bad_loop\n");
  }
}

int main() {
  compat_begin();
  // First, while no default loop exists (is_default() would create it).
  attempt<ev::default_loop>("default_loop(KQUEUE|NOENV)", ev::KQUEUE | ev::NOENV);
  attempt<ev::default_loop>("default_loop()", ev::AUTO);
  attempt<ev::default_loop>("default_loop(KQUEUE|NOENV) once the default loop exists",
                            ev::KQUEUE | ev::NOENV);
  attempt<ev::dynamic_loop>("dynamic_loop(KQUEUE|NOENV)", ev::KQUEUE | ev::NOENV);
  attempt<ev::dynamic_loop>("dynamic_loop(PORT|DEVPOLL|NOENV)", ev::PORT | ev::DEVPOLL | ev::NOENV);
  try {
    ev::dynamic_loop loop(ev::KQUEUE | ev::NOENV);
    printf("created\n");
  } catch (std::exception &) {
    printf("caught as std::exception\n");
  }
  if (getenv("LIBEV_FLAGS"))
    attempt<ev::dynamic_loop>("dynamic_loop(KQUEUE) with LIBEV_FLAGS set", ev::KQUEUE);
  return 0;
}
