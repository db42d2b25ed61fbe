/*
 * evring: the libevent 1.4 core API, as libev 4.33 emulates it.
 *
 * libev ships an <event.h> that maps libevent's struct event onto libev watchers; programs
 * written against it compile unchanged against this header, and programs already built against
 * it run on libevring.so. So struct event has libev's layout (such programs allocate it), and
 * every function behaves as libev's does, quirks included (priorities are stored but ignored,
 * event_pending reports ev_now() as the timeout, signal events always persist). Only the core
 * event API exists: no buffered events, no HTTP, DNS or RPC layers, as in libev.
 *
 * See docs/libevent.md for the semantics and the differences from libev and from libevent.
 */
#ifndef EVRING_EVENT_H
#define EVRING_EVENT_H

#include "ev.h"

#include <sys/time.h>
#include <time.h>

/* ev.h defines these unless EV_COMPAT3 is 0; libevent programs need them either way. */
#ifndef EVLOOP_NONBLOCK
#define EVLOOP_NONBLOCK EVRUN_NOWAIT
#endif
#ifndef EVLOOP_ONESHOT
#define EVLOOP_ONESHOT EVRUN_ONCE
#endif
#define EVLOOP_ONCE EVLOOP_ONESHOT

/* Event bits: libev's, plus two that only libevent has. EV_READ and friends are enum constants
 * in ev.h; naming them as macros too lets programs test them with #ifdef. */
#define EV_TIMEOUT EV_TIMER
#define EV_READ EV_READ
#define EV_WRITE EV_WRITE
#define EV_PERSIST 0x10
#define EV_ET 0x20 /* accepted and ignored: events are level-triggered */

#ifdef __cplusplus
extern "C" {
#endif

/* A loop: event_base pointers are struct ev_loop pointers in disguise. */
struct event_base;

/* ev_flags bits. libev keeps TIMEOUT, INSERTED, SIGNAL, ACTIVE and INIT up to date. */
#define EVLIST_TIMEOUT 0x01
#define EVLIST_INSERTED 0x02
#define EVLIST_SIGNAL 0x04
#define EVLIST_ACTIVE 0x08
#define EVLIST_INTERNAL 0x10
#define EVLIST_INIT 0x80

typedef void (*event_callback_fn)(int fd, short events, void *arg);

/* One event: an io or a signal watcher (never both, so they share storage), a timeout, and
 * libevent's bookkeeping. Member order and types are libev's: binaries allocate this struct. */
struct event {
  union {
    struct ev_io io;
    struct ev_signal sig;
  } iosig;
  struct ev_timer to;

  struct event_base *ev_base;
  event_callback_fn ev_callback;
  void *ev_arg;
  int ev_fd; /* the fd, or the signal number */
  int ev_pri;
  int ev_res; /* the events of the last callback */
  int ev_flags;
  short ev_events;
};

#define EVENT_FD(ev) ((int)(ev)->ev_fd)
#define EVENT_SIGNAL(ev) ((int)(ev)->ev_fd)
#define event_initialized(ev) ((ev)->ev_flags & EVLIST_INIT)

#define evtimer_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define evtimer_add(ev, tv) event_add((ev), (tv))
#define evtimer_del(ev) event_del(ev)
#define evtimer_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
#define evtimer_initialized(ev) event_initialized(ev)

#define timeout_set(ev, cb, arg) evtimer_set((ev), (cb), (arg))
#define timeout_add(ev, tv) evtimer_add((ev), (tv))
#define timeout_del(ev) evtimer_del(ev)
#define timeout_pending(ev, tv) evtimer_pending((ev), (tv))
#define timeout_initialized(ev) evtimer_initialized(ev)

#define signal_set(ev, signum, cb, arg) \
  event_set((ev), (signum), EV_SIGNAL | EV_PERSIST, (cb), (arg))
#define signal_add(ev, tv) event_add((ev), (tv))
#define signal_del(ev) event_del(ev)
#define signal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
#define signal_initialized(ev) event_initialized(ev)

/* "4.33" and "libev", as libev answers: see docs/libevent.md. */
EV_API_DECL const char *event_get_version(void) EV_NOEXCEPT;
EV_API_DECL const char *event_get_method(void) EV_NOEXCEPT;

/* The current base: the default loop on the first call, a new loop on every later one. */
EV_API_DECL void *event_init(void) EV_NOEXCEPT;
EV_API_DECL struct event_base *event_base_new(void) EV_NOEXCEPT;
/* Destroys a loop made by event_base_new or a later event_init; the default loop stays. */
EV_API_DECL void event_base_free(struct event_base *base);
EV_API_DECL const char *event_base_get_method(const struct event_base *base) EV_NOEXCEPT;
EV_API_DECL int event_base_set(struct event_base *base, struct event *ev) EV_NOEXCEPT;

/* Return 1 when no event is left to wait for, 0 otherwise (flags: EVLOOP_*). */
EV_API_DECL int event_loop(int flags);
EV_API_DECL int event_dispatch(void);
EV_API_DECL int event_base_loop(struct event_base *base, int flags);
EV_API_DECL int event_base_dispatch(struct event_base *base);
/* Ends the running loop once tv has passed (NULL: in the next iteration). */
EV_API_DECL int event_loopexit(struct timeval *tv) EV_NOEXCEPT;
EV_API_DECL int event_base_loopexit(struct event_base *base, struct timeval *tv) EV_NOEXCEPT;

EV_API_DECL void event_set(struct event *ev, int fd, short events,
                           void (*cb)(int fd, short events, void *arg), void *arg) EV_NOEXCEPT;
EV_API_DECL int event_add(struct event *ev, struct timeval *tv) EV_NOEXCEPT;
EV_API_DECL int event_del(struct event *ev) EV_NOEXCEPT;
/* Queues a callback with res as its events; ncalls is ignored. */
EV_API_DECL void event_active(struct event *ev, int res, short ncalls) EV_NOEXCEPT;
EV_API_DECL int event_pending(struct event *ev, short events, struct timeval *tv) EV_NOEXCEPT;
EV_API_DECL event_callback_fn event_get_callback(const struct event *ev) EV_NOEXCEPT;

/* A callback that runs once, on fd readiness or after tv, whichever comes first. */
EV_API_DECL int event_once(int fd, short events, void (*cb)(int fd, short events, void *arg),
                           void *arg, struct timeval *tv) EV_NOEXCEPT;
EV_API_DECL int event_base_once(struct event_base *base, int fd, short events,
                                void (*cb)(int fd, short events, void *arg), void *arg,
                                struct timeval *tv) EV_NOEXCEPT;

/* Accepted and ignored, as in libev: every event runs at libev's default priority. */
EV_API_DECL int event_priority_init(int npriorities) EV_NOEXCEPT;
EV_API_DECL int event_base_priority_init(struct event_base *base, int npriorities) EV_NOEXCEPT;
EV_API_DECL int event_priority_set(struct event *ev, int priority) EV_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif
