/* Creates a libevent base on exactly the named method (epoll, poll, select), so a libevent row
   never silently measures a different backend than its name says. */
#ifndef BENCH_LIBEVENT_METHOD_H
#define BENCH_LIBEVENT_METHOD_H

#include <event2/event.h>

/* Returns the base, or NULL with *failure saying why. */
struct event_base *bench_libevent_base(const char *method, const char **failure);

#endif
