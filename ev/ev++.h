/*
 * evring: libev 4.33's C++ API.
 *
 * A C++ program written against libev's <ev++.h> compiles unchanged against this header and
 * behaves the same: namespace ev holds the same constants, loop classes and watcher classes,
 * with the same members, and each member makes the same ev.h calls in the same order (the
 * order is observable: restarting an io watcher, for example, changes where its callbacks fall
 * among the fd's other watchers). The handful of additions (ev::cleanup, a few loop_ref
 * members, ev::time, and from C++17 on, watchers that own a lambda or any other callable) are
 * listed in docs/cxx.md with every known difference.
 *
 * Everything here is inline: libevring itself stays free of the C++ runtime, and only the
 * program that includes this header needs libstdc++.
 */
#ifndef EVRING_EVPP_H
#define EVRING_EVPP_H

/* Like ev.h: libev's header lives in a system directory, so programs never see warnings from
 * it; evring's may be installed anywhere. tests/harness/check-cxx-header.sh compiles this file
 * without the pragma, so the header itself stays warning-free. */
#if defined(__GNUC__)
#pragma GCC system_header
#endif

#if !defined(__cplusplus) || __cplusplus < 201103L
#error "<ev++.h> needs C++11 or later (evring's ev.h uses noexcept)"
#endif

#include "ev.h"

#include <type_traits>

/* libev's knob: with EV_USE_STDEXCEPT 0, ev::bad_loop does not derive from std::exception.
 * <stdexcept> stays included by default because programs built with libev may rely on it. */
#ifndef EV_USE_STDEXCEPT
#define EV_USE_STDEXCEPT 1
#endif
#if EV_USE_STDEXCEPT
#include <stdexcept>
#endif

/* Whether a loop that cannot be created throws ev::bad_loop. Without exceptions
 * (-fno-exceptions) its raw_loop is left null for the program to test instead. */
#ifndef EV_CXX_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define EV_CXX_EXCEPTIONS 1
#else
#define EV_CXX_EXCEPTIONS 0
#endif
#endif

/* Watchers that own an arbitrary callable (C++17 on) need std::is_invocable. */
#if __cplusplus >= 201703L
#define EVRING_CXX_CALLABLES 1
#include <memory>
#include <utility>
#else
#define EVRING_CXX_CALLABLES 0
#endif

namespace ev {

typedef ev_tstamp tstamp;

/* Some platforms' headers define ERROR as a macro; libev's header drops it as well, so a
 * program that relied on that keeps compiling. */
#undef ERROR

enum {
  UNDEF = EV_UNDEF,
  NONE = EV_NONE,
  READ = EV_READ,
  WRITE = EV_WRITE,
#if EV_COMPAT3
  TIMEOUT = EV_TIMEOUT,
#endif
  TIMER = EV_TIMER,
  PERIODIC = EV_PERIODIC,
  SIGNAL = EV_SIGNAL,
  CHILD = EV_CHILD,
  STAT = EV_STAT,
  IDLE = EV_IDLE,
  CHECK = EV_CHECK,
  PREPARE = EV_PREPARE,
  FORK = EV_FORK,
  ASYNC = EV_ASYNC,
  EMBED = EV_EMBED,
  CLEANUP = EV_CLEANUP, /* evring: the event of ev::cleanup, which libev's header lacks */
  ERROR = EV_ERROR
};

enum {
  AUTO = EVFLAG_AUTO,
  NOENV = EVFLAG_NOENV,
  FORKCHECK = EVFLAG_FORKCHECK,

  SELECT = EVBACKEND_SELECT,
  POLL = EVBACKEND_POLL,
  EPOLL = EVBACKEND_EPOLL,
  KQUEUE = EVBACKEND_KQUEUE,
  DEVPOLL = EVBACKEND_DEVPOLL,
  PORT = EVBACKEND_PORT,
  LINUXAIO = EVBACKEND_LINUXAIO, /* evring: the two backends libev 4.33's header omits */
  IOURING = EVBACKEND_IOURING
};

enum {
#if EV_COMPAT3
  NONBLOCK = EVLOOP_NONBLOCK,
  ONESHOT = EVLOOP_ONESHOT,
#endif
  NOWAIT = EVRUN_NOWAIT,
  ONCE = EVRUN_ONCE
};

enum how_t { ONE = EVBREAK_ONE, ALL = EVBREAK_ALL };

/* Thrown by dynamic_loop and default_loop when no loop can be created with the flags given
 * (or with LIBEV_FLAGS, which replaces them). */
struct bad_loop
#if EV_USE_STDEXCEPT
    : std::exception
#endif
{
#if EV_USE_STDEXCEPT
  const char *what() const EV_NOEXCEPT override {
    return "evring: cannot create the event loop (no usable backend in its flags or "
           "LIBEV_FLAGS?)";
  }
#endif
};

/* Names the program should not need; kept out of namespace ev proper, which programs often
 * bring in whole with `using namespace ev`. */
namespace evring_detail {

inline void loop_creation_failed() {
#if EV_CXX_EXCEPTIONS
  throw bad_loop();
#endif
}

/* The callable a watcher owns (C++17 set(callable)), type-erased so that the watcher's layout
 * and destructor are the same in every language mode: a watcher built by C++17 code may be
 * destroyed by C++11 code. The box may outlive its watcher: a callback that destroys or
 * re-targets its own watcher (`delete this` in a connection object) is still running from the
 * box, so the box is then only marked orphaned and freed when that call returns. */
struct owned_callable {
  unsigned running = 0;  // calls in progress (nested runs may re-enter)
  bool orphaned = false;
  void (*destroy)(owned_callable *box) EV_NOEXCEPT = nullptr;
};

inline void release(owned_callable *box) EV_NOEXCEPT {
  if (!box) return;
  if (box->running)
    box->orphaned = true;
  else
    box->destroy(box);
}

#if EVRING_CXX_CALLABLES
template <class Fn>
struct owned_callable_of : owned_callable {
  Fn fn;

  template <class F>
  explicit owned_callable_of(F &&callable) : fn(std::forward<F>(callable)) {
    destroy = [](owned_callable *box) EV_NOEXCEPT { delete static_cast<owned_callable_of *>(box); };
  }
};

/* Counts one call of a box; frees the box afterwards if its watcher let go of it meanwhile,
 * also when the call ends in an exception. */
class invocation {
 public:
  explicit invocation(owned_callable *box) EV_NOEXCEPT : box_(box) { ++box_->running; }
  ~invocation() {
    if (--box_->running == 0 && box_->orphaned) box_->destroy(box_);
  }
  invocation(const invocation &) = delete;
  invocation &operator=(const invocation &) = delete;

 private:
  owned_callable *box_;
};

/* A callable that set(callable) may take over: invocable as the watcher callback, and neither a
 * loop (set(loop) keeps its libev meaning) nor something libev's other overloads accept. */
template <class F, class Watcher>
using if_callback = typename std::enable_if<
    std::is_invocable<typename std::decay<F>::type &, Watcher &, int>::value &&
    !std::is_convertible<F, struct ev_loop *>::value>::type;

/* The same for loop_ref::once(callable): libev's once already takes a function pointer of
 * type void (*)(int, void *), and a callable convertible to one keeps that meaning. */
template <class F>
using if_once_callback =
    typename std::enable_if<std::is_invocable<typename std::decay<F>::type &, int>::value &&
                            !std::is_convertible<F, void (*)(int, void *)>::value>::type;
#endif

}  // namespace evring_detail

/* A non-owning handle on a loop: what watchers keep, and what the loop classes are. */
struct loop_ref {
  loop_ref(struct ev_loop *raw) EV_NOEXCEPT : raw_loop(raw) {}

  bool operator==(const loop_ref &other) const EV_NOEXCEPT { return raw_loop == other.raw_loop; }
  bool operator!=(const loop_ref &other) const EV_NOEXCEPT { return !(*this == other); }
  bool operator==(const struct ev_loop *other) const EV_NOEXCEPT { return raw_loop == other; }
  bool operator!=(const struct ev_loop *other) const EV_NOEXCEPT { return !(*this == other); }

  operator struct ev_loop *() const EV_NOEXCEPT { return raw_loop; }
  operator const struct ev_loop *() const EV_NOEXCEPT { return raw_loop; }

  /* Like libev's, this creates the default loop if it does not exist yet. */
  bool is_default() const EV_NOEXCEPT { return raw_loop == ev_default_loop(0); }

#if EV_COMPAT3
  void loop(int flags = 0) {
    ev_run(raw_loop, flags);
  }
  void unloop(how_t how = ONE) EV_NOEXCEPT {
    ev_break(raw_loop, how);
  }
#endif

  /* Not noexcept: watcher callbacks may throw through ev_run (see docs/cxx.md). */
  void run(int flags = 0) {
    ev_run(raw_loop, flags);
  }
  void break_loop(how_t how = ONE) EV_NOEXCEPT {
    ev_break(raw_loop, how);
  }
  void post_fork() EV_NOEXCEPT {
    ev_loop_fork(raw_loop);
  }
  unsigned int backend() const EV_NOEXCEPT {
    return ev_backend(raw_loop);
  }
  tstamp now() const EV_NOEXCEPT {
    return ev_now(raw_loop);
  }
  void ref() EV_NOEXCEPT {
    ev_ref(raw_loop);
  }
  void unref() EV_NOEXCEPT {
    ev_unref(raw_loop);
  }
  unsigned int iteration() const EV_NOEXCEPT {
    return ev_iteration(raw_loop);
  }
  unsigned int depth() const EV_NOEXCEPT {
    return ev_depth(raw_loop);
  }
  void set_io_collect_interval(tstamp interval) EV_NOEXCEPT {
    ev_set_io_collect_interval(raw_loop, interval);
  }
  void set_timeout_collect_interval(tstamp interval) EV_NOEXCEPT {
    ev_set_timeout_collect_interval(raw_loop, interval);
  }
  void feed_fd_event(int fd, int revents) EV_NOEXCEPT {
    ev_feed_fd_event(raw_loop, fd, revents);
  }
  void feed_signal_event(int signum) EV_NOEXCEPT {
    ev_feed_signal_event(raw_loop, signum);
  }

  /* evring additions: the loop functions libev's header has no member for. */
  void now_update() EV_NOEXCEPT {
    ev_now_update(raw_loop);
  }
  void suspend() EV_NOEXCEPT {
    ev_suspend(raw_loop);
  }
  void resume() EV_NOEXCEPT {
    ev_resume(raw_loop);
  }
  unsigned int pending_count() const EV_NOEXCEPT {
    return ev_pending_count(raw_loop);
  }
  void invoke_pending() {
    ev_invoke_pending(raw_loop);
  }
  void verify() const EV_NOEXCEPT {
    ev_verify(raw_loop);
  }

  /* ev_once with each of libev's callback shapes: a function taking (revents, arg); a method of
   * `object` taking revents or nothing (by default operator()); a function taking revents or
   * nothing. */
  void once(int fd, int events, tstamp timeout, void (*cb)(int, void *),
            void *arg = nullptr) EV_NOEXCEPT {
    ev_once(raw_loop, fd, events, timeout, cb, arg);
  }

  template <class K, void (K::*method)(int)>
  void once(int fd, int events, tstamp timeout, K *object) EV_NOEXCEPT {
    once(fd, events, timeout, &method_thunk<K, method>, object);
  }

  /* Function types are left to once(callable) below, as in set(K *). */
  template <class K>
  typename std::enable_if<!std::is_function<K>::value>::type once(int fd, int events,
                                                                  tstamp timeout,
                                                                  K *object) EV_NOEXCEPT {
    once(fd, events, timeout, &method_thunk<K, &K::operator()>, object);
  }

  template <class K, void (K::*method)()>
  void once(int fd, int events, tstamp timeout, K *object) EV_NOEXCEPT {
    once(fd, events, timeout, &method_noargs_thunk<K, method>, object);
  }

  template <void (*cb)(int)>
  void once(int fd, int events, tstamp timeout) EV_NOEXCEPT {
    once(fd, events, timeout, &simpler_func_thunk<cb>);
  }

  template <void (*cb)()>
  void once(int fd, int events, tstamp timeout) EV_NOEXCEPT {
    once(fd, events, timeout, &simplest_func_thunk<cb>);
  }

  template <class K, void (K::*method)(int)>
  static void method_thunk(int revents, void *object) {
    (static_cast<K *>(object)->*method)(revents);
  }

  template <class K, void (K::*method)()>
  static void method_noargs_thunk(int, void *object) {
    (static_cast<K *>(object)->*method)();
  }

  template <void (*cb)(int)>
  static void simpler_func_thunk(int revents, void *) {
    cb(revents);
  }

  template <void (*cb)()>
  static void simplest_func_thunk(int, void *) {
    cb();
  }

#if EVRING_CXX_CALLABLES
  /* evring, C++17: ev_once with any callable taking revents, captures included. The loop keeps
   * a copy until it has called it once; a loop destroyed before that leaks it, as ev_once's own
   * record. */
  template <class F, class = evring_detail::if_once_callback<F>>
  void once(int fd, int events, tstamp timeout, F &&callable) {
    typedef typename std::decay<F>::type Fn;
    Fn *copy = new Fn(std::forward<F>(callable));
    once(fd, events, timeout, &callable_thunk<Fn>, copy);
  }

  template <class Fn>
  static void callable_thunk(int revents, void *callable) {
    std::unique_ptr<Fn> owned(static_cast<Fn *>(callable));
    (*owned)(revents);
  }
#endif

  struct ev_loop *raw_loop;
};

/* A loop of its own (ev_loop_new), destroyed with this object. */
struct dynamic_loop : loop_ref {
  dynamic_loop(unsigned int flags = AUTO) : loop_ref(ev_loop_new(flags)) {
    if (!raw_loop) evring_detail::loop_creation_failed();
  }

  ~dynamic_loop() EV_NOEXCEPT {
    if (raw_loop) ev_loop_destroy(raw_loop);
    raw_loop = nullptr;
  }

  dynamic_loop(const dynamic_loop &) = delete;
  dynamic_loop &operator=(const dynamic_loop &) = delete;
};

/* The default loop (ev_default_loop): it outlives this object, as in libev. */
struct default_loop : loop_ref {
  default_loop(unsigned int flags = AUTO) : loop_ref(ev_default_loop(flags)) {
    if (!raw_loop) evring_detail::loop_creation_failed();
  }

  default_loop(const default_loop &) = delete;
  default_loop &operator=(const default_loop &) = delete;
};

inline loop_ref get_default_loop() EV_NOEXCEPT {
  return ev_default_loop(0);
}

/* What every watcher class has. CWatcher is the ev.h struct (ev_io ...), Watcher the class
 * derived from this one (ev::io ...), which the callbacks receive. */
template <class CWatcher, class Watcher>
struct base : CWatcher {
  /* Stops an active watcher for the lifetime of the guard, so that its parameters can change
   * (libev's watchers may not be modified while active), and restarts it afterwards. */
  struct freeze_guard {
    Watcher &w;
    bool active;

    freeze_guard(Watcher *self) EV_NOEXCEPT : w(*self), active(self->is_active()) {
      if (active) w.stop();
    }
    ~freeze_guard() {
      if (active) w.start();
    }
  };

  loop_ref loop;

  /* Moves the watcher to another loop; only while it is neither active nor pending. */
  void set(struct ev_loop *new_loop) EV_NOEXCEPT { loop = new_loop; }

  base(loop_ref watcher_loop) EV_NOEXCEPT : loop(watcher_loop) { ev_init(this, nullptr); }
  ~base() { evring_detail::release(owned_callable_); }

  base(const base &) = delete;
  base &operator=(const base &) = delete;

  /* The plain form every other set() ends in: a C callback, and what it finds in w->data. */
  void set_(const void *user_data,
            void (*callback)(struct ev_loop *loop, CWatcher *w, int revents)) EV_NOEXCEPT {
    evring_detail::release(owned_callable_);
    owned_callable_ = nullptr;
    this->data = const_cast<void *>(user_data);
    ev_set_cb(static_cast<CWatcher *>(this), callback);
  }

  /* A function taking (Watcher &, revents); user_data goes to w->data. */
  template <void (*function)(Watcher &w, int)>
  void set(void *user_data = nullptr) EV_NOEXCEPT {
    set_(user_data, &function_thunk<function>);
  }

  /* A method of object taking (Watcher &, revents); object goes to w->data. */
  template <class K, void (K::*method)(Watcher &w, int)>
  void set(K *object) EV_NOEXCEPT {
    set_(object, &method_thunk<K, method>);
  }

  /* The same with K::operator() (a functor object the program keeps alive). The constraint
   * only rules out function types, for which libev's version did not compile either. */
  template <class K>
  typename std::enable_if<!std::is_function<K>::value>::type set(K *object) EV_NOEXCEPT {
    set_(object, &method_thunk<K, &K::operator()>);
  }

  /* A method of object taking no arguments. */
  template <class K, void (K::*method)()>
  void set(K *object) EV_NOEXCEPT {
    set_(object, &method_noargs_thunk<K, method>);
  }

  template <void (*function)(Watcher &w, int)>
  static void function_thunk(struct ev_loop *, CWatcher *w, int revents) {
    function(*static_cast<Watcher *>(w), revents);
  }

  template <class K, void (K::*method)(Watcher &w, int)>
  static void method_thunk(struct ev_loop *, CWatcher *w, int revents) {
    (static_cast<K *>(w->data)->*method)(*static_cast<Watcher *>(w), revents);
  }

  template <class K, void (K::*method)()>
  static void method_noargs_thunk(struct ev_loop *, CWatcher *w, int) {
    (static_cast<K *>(w->data)->*method)();
  }

#if EVRING_CXX_CALLABLES
  /* evring, C++17: any callable taking (Watcher &, revents), captures included. The watcher
   * keeps a copy (or the moved original) until it gets another callback or is destroyed;
   * w->data is left to the program. */
  template <class F, class = evring_detail::if_callback<F, Watcher>>
  void set(F &&callable) {
    typedef evring_detail::owned_callable_of<typename std::decay<F>::type> box_type;
    box_type *box = new box_type(std::forward<F>(callable));
    evring_detail::release(owned_callable_);
    owned_callable_ = box;
    ev_set_cb(static_cast<CWatcher *>(this), &callable_thunk<box_type>);
  }

  template <class Box>
  static void callable_thunk(struct ev_loop *, CWatcher *w, int revents) {
    Box *box = static_cast<Box *>(static_cast<base *>(w)->owned_callable_);
    evring_detail::invocation call(box);
    box->fn(*static_cast<Watcher *>(w), revents);
  }
#endif

  /* Calls the callback as the loop would, with revents EV_UNDEF unless told otherwise. (libev's
   * version does not compile when the loop is passed to callbacks, as it always is here.) */
  void operator()(int events = EV_UNDEF) {
    CWatcher *self = static_cast<CWatcher *>(this);
    ev_cb(self)(loop.raw_loop, self, events);
  }

  bool is_active() const EV_NOEXCEPT {
    return ev_is_active(static_cast<const CWatcher *>(this));
  }
  bool is_pending() const EV_NOEXCEPT {
    return ev_is_pending(static_cast<const CWatcher *>(this));
  }

  void feed_event(int revents) EV_NOEXCEPT {
    ev_feed_event(loop.raw_loop, static_cast<CWatcher *>(this), revents);
  }

 private:
  evring_detail::owned_callable *owned_callable_ = nullptr;
};

inline tstamp now(struct ev_loop *loop = ev_default_loop(0)) EV_NOEXCEPT {
  return ev_now(loop);
}
inline tstamp time() EV_NOEXCEPT {
  return ev_time();
}
/* libev's name for ev_sleep. (An ev::sleep would make `sleep(1)` ambiguous in the many
 * programs that say `using namespace ev`.) */
inline void delay(tstamp interval) EV_NOEXCEPT {
  ev_sleep(interval);
}
inline int version_major() EV_NOEXCEPT {
  return ev_version_major();
}
inline int version_minor() EV_NOEXCEPT {
  return ev_version_minor();
}
inline unsigned int supported_backends() EV_NOEXCEPT {
  return ev_supported_backends();
}
inline unsigned int recommended_backends() EV_NOEXCEPT {
  return ev_recommended_backends();
}
inline unsigned int embeddable_backends() EV_NOEXCEPT {
  return ev_embeddable_backends();
}
/* The exception specification of these two callbacks' types only becomes part of the mangled
 * name in C++17; inline functions are emitted per translation unit, so the two manglings never
 * need to meet, and the compilers' warning about it says nothing a program could act on. */
#if defined(__GNUC__) && __cplusplus < 201703L
#pragma GCC diagnostic push
#if defined(__clang__)
#pragma GCC diagnostic ignored "-Wc++17-compat-mangling"
#else
#pragma GCC diagnostic ignored "-Wnoexcept-type"
#endif
#endif
inline void set_allocator(void *(*cb)(void *ptr, long size)EV_NOEXCEPT) EV_NOEXCEPT {
  ev_set_allocator(cb);
}
inline void set_syserr_cb(void (*cb)(const char *msg) EV_NOEXCEPT) EV_NOEXCEPT {
  ev_set_syserr_cb(cb);
}
#if defined(__GNUC__) && __cplusplus < 201703L
#pragma GCC diagnostic pop
#endif

namespace evring_detail {

/* start/stop for a watcher type, and the rules every watcher class shares: it is bound to the
 * default loop unless given another, it stops when destroyed (which also cancels a pending
 * event), and it can be neither copied nor moved, so the loop never holds a pointer to a
 * watcher that went away or moved. */
template <class CWatcher, class Watcher, void (*c_start)(struct ev_loop *, CWatcher *),
          void (*c_stop)(struct ev_loop *, CWatcher *)>
struct watcher : base<CWatcher, Watcher> {
  watcher(loop_ref watcher_loop) EV_NOEXCEPT : base<CWatcher, Watcher>(watcher_loop) {}
  ~watcher() { stop(); }

  void start() EV_NOEXCEPT { c_start(this->loop.raw_loop, this); }
  void stop() EV_NOEXCEPT { c_stop(this->loop.raw_loop, this); }
};

/* A watcher class whose libev type has nothing to set: set() does nothing, as ev_TYPE_set. */
template <class CWatcher, class Watcher, void (*c_start)(struct ev_loop *, CWatcher *),
          void (*c_stop)(struct ev_loop *, CWatcher *)>
struct plain_watcher : watcher<CWatcher, Watcher, c_start, c_stop> {
  plain_watcher(loop_ref watcher_loop) EV_NOEXCEPT
      : watcher<CWatcher, Watcher, c_start, c_stop>(watcher_loop) {}
  using watcher<CWatcher, Watcher, c_start, c_stop>::set;
  void set() EV_NOEXCEPT {}
};

/* A watcher class with parameters: its set(...) is ev_TYPE_set, restarting an active watcher
 * around the change, and start(...) here is that set followed by start(). */
template <class CWatcher, class Watcher, void (*c_start)(struct ev_loop *, CWatcher *),
          void (*c_stop)(struct ev_loop *, CWatcher *)>
struct set_watcher : watcher<CWatcher, Watcher, c_start, c_stop> {
  set_watcher(loop_ref watcher_loop) EV_NOEXCEPT
      : watcher<CWatcher, Watcher, c_start, c_stop>(watcher_loop) {}
  using watcher<CWatcher, Watcher, c_start, c_stop>::start;
  template <class... Parameters>
  void start(Parameters... parameters) EV_NOEXCEPT {
    static_cast<Watcher *>(this)->set(parameters...);
    start();
  }
};

}  // namespace evring_detail

struct io : evring_detail::set_watcher<ev_io, io, ev_io_start, ev_io_stop> {
  io(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : set_watcher(watcher_loop) {}
  using set_watcher::start;
  using watcher::set;

  void set(int watched_fd, int event_mask) EV_NOEXCEPT {
    freeze_guard freeze(this);
    ev_io_set(static_cast<ev_io *>(this), watched_fd, event_mask);
  }
  /* ev_io_modify: a new event mask for the same fd. */
  void set(int event_mask) EV_NOEXCEPT {
    freeze_guard freeze(this);
    ev_io_modify(static_cast<ev_io *>(this), event_mask);
  }
};

struct timer : evring_detail::set_watcher<ev_timer, timer, ev_timer_start, ev_timer_stop> {
  timer(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : set_watcher(watcher_loop) {}
  using set_watcher::start;
  using watcher::set;

  void set(ev_tstamp after, ev_tstamp repeat_every = 0.) EV_NOEXCEPT {
    freeze_guard freeze(this);
    ev_timer_set(static_cast<ev_timer *>(this), after, repeat_every);
  }
  void again() EV_NOEXCEPT { ev_timer_again(loop.raw_loop, this); }
  ev_tstamp remaining() const {
    return ev_timer_remaining(loop.raw_loop, const_cast<timer *>(this));
  }
};

struct periodic
    : evring_detail::set_watcher<ev_periodic, periodic, ev_periodic_start, ev_periodic_stop> {
  periodic(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : set_watcher(watcher_loop) {}
  using set_watcher::start;
  using watcher::set;

  /* No reschedule callback: a program that wants one sets reschedule_cb itself. */
  void set(ev_tstamp first_at, ev_tstamp every = 0.) EV_NOEXCEPT {
    freeze_guard freeze(this);
    ev_periodic_set(static_cast<ev_periodic *>(this), first_at, every, nullptr);
  }
  void again() EV_NOEXCEPT { ev_periodic_again(loop.raw_loop, this); }
};

/* ev_signal's class is called sig: many C libraries define `signal` as a macro. */
struct sig : evring_detail::set_watcher<ev_signal, sig, ev_signal_start, ev_signal_stop> {
  sig(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : set_watcher(watcher_loop) {}
  using set_watcher::start;
  using watcher::set;

  void set(int signal_number) EV_NOEXCEPT {
    freeze_guard freeze(this);
    ev_signal_set(static_cast<ev_signal *>(this), signal_number);
  }
};

struct child : evring_detail::set_watcher<ev_child, child, ev_child_start, ev_child_stop> {
  child(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : set_watcher(watcher_loop) {}
  using set_watcher::start;
  using watcher::set;

  void set(int child_pid, int trace = 0) EV_NOEXCEPT {
    freeze_guard freeze(this);
    ev_child_set(static_cast<ev_child *>(this), child_pid, trace);
  }
};

struct stat : evring_detail::watcher<ev_stat, stat, ev_stat_start, ev_stat_stop> {
  stat(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : watcher(watcher_loop) {}
  using watcher::set;
  using watcher::start;

  void set(const char *file_path, ev_tstamp poll_every = 0.) EV_NOEXCEPT {
    freeze_guard freeze(this);
    ev_stat_set(static_cast<ev_stat *>(this), file_path, poll_every);
  }
  /* Stops first even when inactive, which also cancels a pending event (as libev does). */
  void start(const char *file_path, ev_tstamp poll_every = 0.) EV_NOEXCEPT {
    stop();
    set(file_path, poll_every);
    start();
  }
  /* ev_stat_stat: refresh attr now. */
  void update() EV_NOEXCEPT { ev_stat_stat(loop.raw_loop, this); }
};

struct idle : evring_detail::plain_watcher<ev_idle, idle, ev_idle_start, ev_idle_stop> {
  idle(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : plain_watcher(watcher_loop) {}
};

struct prepare
    : evring_detail::plain_watcher<ev_prepare, prepare, ev_prepare_start, ev_prepare_stop> {
  prepare(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : plain_watcher(watcher_loop) {}
};

struct check : evring_detail::plain_watcher<ev_check, check, ev_check_start, ev_check_stop> {
  check(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : plain_watcher(watcher_loop) {}
};

struct fork : evring_detail::plain_watcher<ev_fork, fork, ev_fork_start, ev_fork_stop> {
  fork(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : plain_watcher(watcher_loop) {}
};

/* evring: libev's header has no class for ev_cleanup. */
struct cleanup
    : evring_detail::plain_watcher<ev_cleanup, cleanup, ev_cleanup_start, ev_cleanup_stop> {
  cleanup(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : plain_watcher(watcher_loop) {}
};

struct embed : evring_detail::watcher<ev_embed, embed, ev_embed_start, ev_embed_stop> {
  embed(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : watcher(watcher_loop) {}
  using watcher::set;
  using watcher::start;

  /* Not set(): set(loop) already means "move this watcher to that loop". */
  void set_embed(struct ev_loop *embedded_loop) EV_NOEXCEPT {
    freeze_guard freeze(this);
    ev_embed_set(static_cast<ev_embed *>(this), embedded_loop);
  }
  /* Embeds embedded_loop. (libev 4.33's version calls set(embedded_loop), which moves the
   * watcher instead, so no working program can depend on it.) */
  void start(struct ev_loop *embedded_loop) EV_NOEXCEPT {
    set_embed(embedded_loop);
    start();
  }
  void sweep() { ev_embed_sweep(loop.raw_loop, this); }
};

struct async : evring_detail::watcher<ev_async, async, ev_async_start, ev_async_stop> {
  async(loop_ref watcher_loop = get_default_loop()) EV_NOEXCEPT : watcher(watcher_loop) {}
  using watcher::set;

  /* The one member that other threads and signal handlers may call. */
  void send() EV_NOEXCEPT { ev_async_send(loop.raw_loop, this); }
  bool async_pending() const EV_NOEXCEPT { return ev_async_pending(this) != 0; }
};

}  // namespace ev

#endif /* EVRING_EVPP_H */
