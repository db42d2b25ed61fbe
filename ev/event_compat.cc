// The libevent 1.4 core API (event.h) on top of the public ev_* API, with the semantics of
// libev 4.33's emulation layer: an event is an io or signal watcher plus a timer, and a base is
// a loop. docs/libevent.md describes each function; the differential programs
// tests/compat/evt_*.c compare it with libev's.
#include "event.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

namespace {

// What event_init hands out and the base new events get. libev decides between the default loop
// and a new one by whether event_init ever succeeded, not by whether that base still exists, so
// forgetting a freed base must not change that decision.
struct event_base *g_current_base;
bool g_event_init_succeeded;

struct ev_loop *as_loop(const struct event_base *base) {
  return reinterpret_cast<struct ev_loop *>(const_cast<struct event_base *>(base));
}

// libev dereferences a null base and crashes; evring says so and lets the caller fail.
struct ev_loop *loop_or_complain(const struct event_base *base, const char *caller) {
  if (!base)
    fprintf(stderr, "evring: %s: no event base (call event_init or event_base_new)\n", caller);
  return as_loop(base);
}

template <typename Watcher>
struct event *event_of(Watcher *w, size_t offset) {
  return reinterpret_cast<struct event *>(reinterpret_cast<char *>(w) - offset);
}

// libevent callbacks see only the four event kinds libevent knows (not EV_ERROR); ev_res keeps
// them, for programs that read it.
void call_back(struct event *ev, int revents) {
  revents &= EV_READ | EV_WRITE | EV_TIMEOUT | EV_SIGNAL;
  ev->ev_res = revents;
  ev->ev_callback(ev->ev_fd, static_cast<short>(revents), ev->ev_arg);
}

// An io event without EV_PERSIST is over once it fired; so is one the loop gave up on.
void on_io(struct ev_loop *, ev_io *w, int revents) {
  struct event *ev = event_of(w, offsetof(struct event, iosig.io));
  if ((revents & EV_ERROR) || !(ev->ev_events & EV_PERSIST)) event_del(ev);
  call_back(ev, revents);
}

// Signal events persist with or without EV_PERSIST (libev's rule; libevent deletes them).
void on_signal(struct ev_loop *, ev_signal *w, int revents) {
  struct event *ev = event_of(w, offsetof(struct event, iosig.sig));
  if (revents & EV_ERROR) event_del(ev);
  call_back(ev, revents);
}

// A timeout ends the event, EV_PERSIST or not: the program re-adds it to wait again.
void on_timeout(struct ev_loop *, ev_timer *w, int revents) {
  struct event *ev = event_of(w, offsetof(struct event, to));
  event_del(ev);
  call_back(ev, revents);
}

// libevent timeouts in seconds, or -1 for none. A zero timeout becomes a microsecond, because
// ev_timer_again takes a zero repeat as "stop".
ev_tstamp seconds_of(const struct timeval *tv) {
  if (!tv) return -1.;
  ev_tstamp after = tv->tv_sec + tv->tv_usec * 1e-6;
  return after ? after : 1e-6;
}

bool watcher_busy(const void *w) {
  return ev_is_active(w) || ev_is_pending(w);
}

struct OnceCall {
  int fd;
  event_callback_fn cb;
  void *arg;
};

void on_once(int revents, void *arg) {
  OnceCall call = *static_cast<OnceCall *>(arg);
  free(arg);
  call.cb(call.fd, static_cast<short>(revents), call.arg);
}

void on_loopexit(int, void *base) {
  ev_break(as_loop(static_cast<struct event_base *>(base)), EVBREAK_ONE);
}

// The io or signal watcher an event_add must start: none when the event has neither kind, or
// when its watcher already runs (adding an added event keeps it as it is).
ev_watcher *watcher_to_start(struct event *ev) {
  if (ev->ev_events & EV_SIGNAL) {
    if (ev_is_active(&ev->iosig.sig)) return nullptr;
    ev_signal_set(&ev->iosig.sig, ev->ev_fd);
    return reinterpret_cast<ev_watcher *>(&ev->iosig.sig);
  }
  if (!(ev->ev_events & (EV_READ | EV_WRITE)) || ev_is_active(&ev->iosig.io)) return nullptr;
  ev_io_set(&ev->iosig.io, ev->ev_fd, ev->ev_events & (EV_READ | EV_WRITE));
  return reinterpret_cast<ev_watcher *>(&ev->iosig.io);
}

// The loop refuses a watcher it cannot serve (an fd or signal number out of range, a signal
// another loop owns): libev asserts there, evring returns -1 and leaves the event as it was.
// The refusal queued EV_ERROR for the watcher, which libevent's callback would not expect.
bool start_watcher(struct ev_loop *loop, struct event *ev, ev_watcher *w) {
  if (ev->ev_events & EV_SIGNAL)
    ev_signal_start(loop, &ev->iosig.sig);
  else
    ev_io_start(loop, &ev->iosig.io);
  if (ev_is_active(w)) return true;
  ev_clear_pending(loop, w);
  return false;
}

}  // namespace

const char *event_get_version() noexcept {
  return "4.33";
}

const char *event_get_method() noexcept {
  return "libev";
}

const char *event_base_get_method(const struct event_base *) noexcept {
  return "libev";
}

void *event_init() noexcept {
  struct ev_loop *loop =
      g_event_init_succeeded ? ev_loop_new(EVFLAG_AUTO) : ev_default_loop(EVFLAG_AUTO);
  g_current_base = reinterpret_cast<struct event_base *>(loop);
  if (loop) g_event_init_succeeded = true;
  return loop;
}

struct event_base *event_base_new() noexcept {
  return reinterpret_cast<struct event_base *>(ev_loop_new(EVFLAG_AUTO));
}

// The default loop outlives its events' bases, as in libev: other code may still use it. A freed
// current base is forgotten, so that using it again is a clear error, not a dangling pointer.
void event_base_free(struct event_base *base) {
  if (!base || ev_is_default_loop(as_loop(base))) return;
  if (base == g_current_base) g_current_base = nullptr;
  ev_loop_destroy(as_loop(base));
}

// Moving an event that is waiting or queued would leave its watchers in the old loop's lists,
// so evring refuses it (libevent does too; libev moves it and corrupts both loops).
int event_base_set(struct event_base *base, struct event *ev) noexcept {
  if (watcher_busy(&ev->iosig) || watcher_busy(&ev->to)) {
    fprintf(stderr, "evring: event_base_set: the event is added or queued; event_del it first\n");
    return -1;
  }
  ev->ev_base = base;
  return 0;
}

int event_base_loop(struct event_base *base, int flags) {
  struct ev_loop *loop = loop_or_complain(base, "event_base_loop");
  if (!loop) return -1;
  return !ev_run(loop, flags);
}

int event_base_dispatch(struct event_base *base) {
  return event_base_loop(base, 0);
}

int event_loop(int flags) {
  return event_base_loop(g_current_base, flags);
}

int event_dispatch() {
  return event_base_dispatch(g_current_base);
}

// A zero-delay timer (not ev_break) so that a loop that is not running stops in its next
// iteration, as libevent's does. Negative delays are clamped to it.
int event_base_loopexit(struct event_base *base, struct timeval *tv) noexcept {
  struct ev_loop *loop = loop_or_complain(base, "event_base_loopexit");
  if (!loop) return -1;
  ev_tstamp after = tv ? seconds_of(tv) : 0.;
  ev_once(loop, -1, 0, after > 0. ? after : 0., on_loopexit, base);
  return 0;
}

int event_loopexit(struct timeval *tv) noexcept {
  return event_base_loopexit(g_current_base, tv);
}

void event_set(struct event *ev, int fd, short events, event_callback_fn cb, void *arg) noexcept {
  if (events & EV_SIGNAL)
    ev_init(&ev->iosig.sig, on_signal);
  else
    ev_init(&ev->iosig.io, on_io);
  ev_init(&ev->to, on_timeout);
  ev->ev_base = g_current_base;
  ev->ev_callback = cb;
  ev->ev_arg = arg;
  ev->ev_fd = fd;
  ev->ev_pri = 0;
  ev->ev_res = 0;
  ev->ev_flags = EVLIST_INIT;
  ev->ev_events = events;
}

// Adding an added event restarts its timeout, or removes it when tv is NULL.
int event_add(struct event *ev, struct timeval *tv) noexcept {
  ev_watcher *watcher = watcher_to_start(ev);
  struct ev_loop *loop = as_loop(ev->ev_base);
  // Stopping an idle timer needs no loop, so only a start or a timeout needs a base.
  if ((watcher || tv) && !loop_or_complain(ev->ev_base, "event_add")) return -1;
  if (watcher) {
    if (!start_watcher(loop, ev, watcher)) return -1;
    ev->ev_flags |= (ev->ev_events & EV_SIGNAL) ? EVLIST_SIGNAL : EVLIST_INSERTED;
  }
  if (tv) {
    // libev asserts on a negative timeout; like libevent, evring lets the event time out at once.
    ev_tstamp after = seconds_of(tv);
    ev->to.repeat = after > 0. ? after : 1e-6;
    ev_timer_again(loop, &ev->to);
    ev->ev_flags |= EVLIST_TIMEOUT;
  } else {
    ev_timer_stop(loop, &ev->to);
    ev->ev_flags &= ~EVLIST_TIMEOUT;
  }
  ev->ev_flags |= EVLIST_ACTIVE;
  return 0;
}

// Stopping an inactive, unqueued watcher never touches the loop, so an event that was never
// added may be deleted without a base (as under libev).
int event_del(struct event *ev) noexcept {
  struct ev_loop *loop = as_loop(ev->ev_base);
  if (ev->ev_events & EV_SIGNAL)
    ev_signal_stop(loop, &ev->iosig.sig);
  else if (ev->ev_events & (EV_READ | EV_WRITE))
    ev_io_stop(loop, &ev->iosig.io);
  if (ev_is_active(&ev->to)) ev_timer_stop(loop, &ev->to);
  ev->ev_flags = EVLIST_INIT;
  return 0;
}

// Each kind of event in res goes to the watcher that would have reported it; the io and the
// signal watcher share storage, so READ/WRITE and SIGNAL land in one callback.
void event_active(struct event *ev, int res, short) noexcept {
  struct ev_loop *loop = loop_or_complain(ev->ev_base, "event_active");
  if (!loop) return;
  if (res & EV_TIMEOUT) ev_feed_event(loop, &ev->to, EV_TIMEOUT);
  if (res & EV_SIGNAL) ev_feed_event(loop, &ev->iosig.sig, EV_SIGNAL);
  if (res & (EV_READ | EV_WRITE)) ev_feed_event(loop, &ev->iosig.io, res & (EV_READ | EV_WRITE));
}

// Which of `events` the event waits for or has queued. libev writes the loop's current time
// (ev_now), not the expiry, to *tv; evring does the same, since programs built against libev's
// event.h see that. An event set with EV_TIMEOUT in its events always reports EV_TIMEOUT.
int event_pending(struct event *ev, short events, struct timeval *tv) noexcept {
  int waiting = 0;
  if (ev->ev_events & EV_SIGNAL) {
    if (watcher_busy(&ev->iosig.sig)) waiting |= EV_SIGNAL;
  } else if (watcher_busy(&ev->iosig.io)) {
    waiting |= ev->ev_events & (EV_READ | EV_WRITE);
  }
  if ((ev->ev_events & EV_TIMEOUT) || watcher_busy(&ev->to)) {
    waiting |= EV_TIMEOUT;
    struct ev_loop *loop = tv ? loop_or_complain(ev->ev_base, "event_pending") : nullptr;
    if (loop) {
      ev_tstamp now = ev_now(loop);
      tv->tv_sec = static_cast<time_t>(now);
      tv->tv_usec = static_cast<suseconds_t>((now - static_cast<ev_tstamp>(tv->tv_sec)) * 1e6);
    }
  }
  return static_cast<short>(events & waiting);
}

event_callback_fn event_get_callback(const struct event *ev) noexcept {
  return ev->ev_callback;
}

// Without tv (or with a negative one) the callback waits for the fd alone.
int event_base_once(struct event_base *base, int fd, short events, event_callback_fn cb, void *arg,
                    struct timeval *tv) noexcept {
  struct ev_loop *loop = loop_or_complain(base, "event_base_once");
  if (!loop) return -1;
  ev_tstamp timeout = seconds_of(tv);
  // With neither an fd nor a timeout nothing can ever run the callback. libev arms nothing and
  // keeps its record forever; evring makes none.
  if (fd < 0 && timeout < 0.) return 0;
  // malloc, not the loop's allocator: failure is reported to the caller, as libev does.
  OnceCall *call = static_cast<OnceCall *>(malloc(sizeof(OnceCall)));
  if (!call) return -1;
  *call = OnceCall{fd, cb, arg};
  ev_once(loop, fd, events & (EV_READ | EV_WRITE), timeout, on_once, call);
  return 0;
}

int event_once(int fd, short events, event_callback_fn cb, void *arg, struct timeval *tv) noexcept {
  return event_base_once(g_current_base, fd, events, cb, arg, tv);
}

int event_priority_init(int npriorities) noexcept {
  return event_base_priority_init(g_current_base, npriorities);
}

int event_base_priority_init(struct event_base *, int) noexcept {
  return 0;
}

int event_priority_set(struct event *ev, int priority) noexcept {
  ev->ev_pri = priority;
  return 0;
}
