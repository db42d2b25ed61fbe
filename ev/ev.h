/*
 * evring: a libev-compatible event loop for Linux.
 *
 * This header is source-compatible with libev 4.33's <ev.h>: a program written against libev
 * compiles unchanged against evring. Watcher structs keep libev's member names and order so
 * that code touching w->data, w->fd, w->repeat ... works as before. The layout is fixed: the
 * libev configuration hooks that change it (EV_COMMON, EV_CB_DECLARE, EV_MULTIPLICITY=0 ...)
 * are not supported, because the library is compiled once, not embedded.
 *
 * See docs/reference.md for every function and each known difference from libev.
 */
#ifndef EVRING_EV_H
#define EVRING_EV_H

/* The watcher macros cast between watcher types, as libev's do. Programs see no
 * -Wstrict-aliasing noise from libev because its header sits in a system directory; this does
 * the same wherever evring's header is installed. */
#if defined(__GNUC__)
#pragma GCC system_header
#endif

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
#define EV_NOEXCEPT noexcept
#define EV_CPP(x) x
extern "C" {
#else
#define EV_NOEXCEPT
#define EV_CPP(x)
#endif
#define EV_THROW EV_NOEXCEPT

#define EV_API __attribute__((visibility("default")))
#define EV_API_DECL extern EV_API
#if defined(__GNUC__) && !defined(__cplusplus)
#define EV_INLINE static __inline__ /* also in C89 mode */
#else
#define EV_INLINE static inline
#endif

#define EVRING 1
#define EV_VERSION_MAJOR 4
#define EV_VERSION_MINOR 33

/* What this build offers, under the names (and values) libev programs test with #if: every
 * feature bit of EV_FEATURES set, every watcher type built in, as in Debian's libev. */
#define EV_FEATURES 0x7f
#define EV_FEATURE_CODE ((EV_FEATURES)&1)
#define EV_FEATURE_DATA ((EV_FEATURES)&2)
#define EV_FEATURE_CONFIG ((EV_FEATURES)&4)
#define EV_FEATURE_API ((EV_FEATURES)&8)
#define EV_FEATURE_WATCHERS ((EV_FEATURES)&16)
#define EV_FEATURE_BACKENDS ((EV_FEATURES)&32)
#define EV_FEATURE_OS ((EV_FEATURES)&64)
#define EV_MULTIPLICITY EV_FEATURE_CONFIG
#define EV_IO_ENABLE 1
#define EV_PREPARE_ENABLE 1
#define EV_PERIODIC_ENABLE EV_FEATURE_WATCHERS
#define EV_STAT_ENABLE EV_FEATURE_WATCHERS
#define EV_CHECK_ENABLE EV_FEATURE_WATCHERS
#define EV_IDLE_ENABLE EV_FEATURE_WATCHERS
#define EV_FORK_ENABLE EV_FEATURE_WATCHERS
#define EV_CLEANUP_ENABLE EV_FEATURE_WATCHERS
#define EV_SIGNAL_ENABLE EV_FEATURE_WATCHERS
#define EV_CHILD_ENABLE EV_FEATURE_WATCHERS
#define EV_ASYNC_ENABLE EV_FEATURE_WATCHERS
#define EV_EMBED_ENABLE EV_FEATURE_WATCHERS
#define EV_WALK_ENABLE 0
#ifndef EV_COMPAT3
#define EV_COMPAT3 1 /* the libev 3 names below; define as 0 to get `ev_loop` as a type instead */
#endif
#define EV_PROTOTYPES 1

#define EV_MINPRI (-2)
#define EV_MAXPRI (+2)

typedef double ev_tstamp;
#define EV_TSTAMP_T double
#define EV_ATOMIC_T sig_atomic_t volatile

struct ev_loop;

/* The loop-argument macros: a callback declared as cb (EV_P_ ev_io *w, int revents)
 * receives the loop as `loop`, and EV_A_ passes it on. */
#define EV_P struct ev_loop *loop
#define EV_P_ EV_P,
#define EV_A loop
#define EV_A_ EV_A,
#define EV_DEFAULT_UC ev_default_loop_uc_()
#define EV_DEFAULT_UC_ EV_DEFAULT_UC,
#define EV_DEFAULT ev_default_loop(0)
#define EV_DEFAULT_ EV_DEFAULT,

/* Event bits, shared by watcher types and revents. */
enum {
  EV_UNDEF = (int)0xFFFFFFFF,
  EV_NONE = 0x00,
  EV_READ = 0x01,
  EV_WRITE = 0x02,
  EV__IOFDSET = 0x80, /* private: set by ev_io_set, tells the loop the fd may be a new file */
  EV_IO = EV_READ,
  EV_TIMER = 0x00000100,
  EV_TIMEOUT = EV_TIMER,
  EV_PERIODIC = 0x00000200,
  EV_SIGNAL = 0x00000400,
  EV_CHILD = 0x00000800,
  EV_STAT = 0x00001000,
  EV_IDLE = 0x00002000,
  EV_PREPARE = 0x00004000,
  EV_CHECK = 0x00008000,
  EV_EMBED = 0x00010000,
  EV_FORK = 0x00020000,
  EV_CLEANUP = 0x00040000,
  EV_ASYNC = 0x00080000,
  EV_CUSTOM = 0x01000000,
  EV_ERROR = (int)0x80000000
};

/* evring extension, not in libev: an ev_io watcher whose events include EVRING_EDGE asks for
 * edge-triggered notification (an event when the fd becomes ready, not in every iteration while
 * it stays ready), so its callback must read or write until EAGAIN. An fd is edge-triggered only
 * while all of its watchers ask for it. io_uring and epoll honour it; select and poll ignore it,
 * which only means more events. libev's ev_io_start asserts on it: test #ifdef EVRING_EDGE.
 * See docs/io_uring.md. */
#define EVRING_EDGE 0x40

/* Loop flags and backends (values as libev, so LIBEV_FLAGS numbers mean the same). */
enum {
  EVFLAG_AUTO = 0x00000000U,
  EVFLAG_NOENV = 0x01000000U,
  EVFLAG_FORKCHECK = 0x02000000U,
  EVFLAG_NOINOTIFY = 0x00100000U,
  EVFLAG_NOSIGFD = 0, /* compatibility only: signalfd is opt-in anyway */
  EVFLAG_SIGNALFD = 0x00200000U,
  EVFLAG_NOSIGMASK = 0x00400000U,
  EVFLAG_NOTIMERFD = 0x00800000U
};

enum {
  EVBACKEND_SELECT = 0x00000001U,
  EVBACKEND_POLL = 0x00000002U,
  EVBACKEND_EPOLL = 0x00000004U,
  EVBACKEND_KQUEUE = 0x00000008U, /* never available on Linux */
  EVBACKEND_DEVPOLL = 0x00000010U,
  EVBACKEND_PORT = 0x00000020U,
  EVBACKEND_LINUXAIO = 0x00000040U,
  EVBACKEND_IOURING = 0x00000080U,
  EVBACKEND_ALL = 0x000000FFU,
  EVBACKEND_MASK = 0x0000FFFFU
};

enum { EVRUN_NOWAIT = 1, EVRUN_ONCE = 2 };
enum { EVBREAK_CANCEL = 0, EVBREAK_ONE = 1, EVBREAK_ALL = 2 };

/*
 * Watchers. Every watcher starts with the same members; the ones marked private belong to the
 * loop while the watcher is active or pending.
 */
#define EV_CB_DECLARE(type) void (*cb)(struct ev_loop * loop, struct type * w, int revents);
#define EV_CB_INVOKE(watcher, revents) (watcher)->cb(EV_A_(watcher), (revents))
#define EV_CB(type, name) void name(struct ev_loop *loop, struct ev_##type *w, int revents)
#define EV_COMMON void *data;
#define EV_DECL_PRIORITY int priority;

#define EV_WATCHER(type)                                   \
  int active;   /* private: nonzero while started */       \
  int pending;  /* private: slot+1 in the pending queue */ \
  int priority; /* EV_MINPRI..EV_MAXPRI */                 \
  void *data;   /* yours */                                \
  EV_CB_DECLARE(type)

#define EV_WATCHER_LIST(type) \
  EV_WATCHER(type)            \
  struct ev_watcher_list *next; /* private */

#define EV_WATCHER_TIME(type) \
  EV_WATCHER(type)            \
  ev_tstamp at; /* private */

typedef struct ev_watcher {
  EV_WATCHER(ev_watcher)
} ev_watcher;

typedef struct ev_watcher_list {
  EV_WATCHER_LIST(ev_watcher_list)
} ev_watcher_list;

typedef struct ev_watcher_time {
  EV_WATCHER_TIME(ev_watcher_time)
} ev_watcher_time;

typedef struct ev_io {
  EV_WATCHER_LIST(ev_io)
  int fd;     /* read-only */
  int events; /* read-only */
} ev_io;

typedef struct ev_timer {
  EV_WATCHER_TIME(ev_timer)
  ev_tstamp repeat; /* read-write */
} ev_timer;

typedef struct ev_periodic {
  EV_WATCHER_TIME(ev_periodic)
  ev_tstamp offset;   /* read-write */
  ev_tstamp interval; /* read-write */
  ev_tstamp (*reschedule_cb)(struct ev_periodic *w, ev_tstamp now) EV_NOEXCEPT;
} ev_periodic;

typedef struct ev_signal {
  EV_WATCHER_LIST(ev_signal)
  int signum; /* read-only */
} ev_signal;

typedef struct ev_child {
  EV_WATCHER_LIST(ev_child)
  int flags;   /* private */
  int pid;     /* read-only */
  int rpid;    /* pid that changed state */
  int rstatus; /* its status, for the <sys/wait.h> macros */
} ev_child;

typedef struct stat ev_statdata;

typedef struct ev_stat {
  EV_WATCHER_LIST(ev_stat)
  ev_timer timer;     /* private */
  ev_tstamp interval; /* read-only */
  const char *path;   /* read-only */
  ev_statdata prev;   /* read-only */
  ev_statdata attr;   /* read-only */
  int wd;             /* private: inotify watch descriptor */
} ev_stat;

typedef struct ev_idle {
  EV_WATCHER(ev_idle)
} ev_idle;

typedef struct ev_prepare {
  EV_WATCHER(ev_prepare)
} ev_prepare;

typedef struct ev_check {
  EV_WATCHER(ev_check)
} ev_check;

typedef struct ev_fork {
  EV_WATCHER(ev_fork)
} ev_fork;

typedef struct ev_cleanup {
  EV_WATCHER(ev_cleanup)
} ev_cleanup;

typedef struct ev_embed {
  EV_WATCHER(ev_embed)
  struct ev_loop *other; /* read-only */
  ev_io io;              /* private */
  ev_prepare prepare;    /* private */
  ev_check check;        /* unused */
  ev_timer timer;        /* unused */
  ev_periodic periodic;  /* unused */
  ev_idle idle;          /* unused */
  ev_fork fork;          /* private */
  ev_cleanup cleanup;    /* unused */
} ev_embed;

typedef struct ev_async {
  EV_WATCHER(ev_async)
  EV_ATOMIC_T sent; /* private */
} ev_async;

#define ev_async_pending(w) (+(w)->sent)

/* Big enough for any watcher type: lets a program keep watchers in one pool. */
union ev_any_watcher {
  struct ev_watcher w;
  struct ev_watcher_list wl;
  struct ev_io io;
  struct ev_timer timer;
  struct ev_periodic periodic;
  struct ev_signal signal;
  struct ev_child child;
  struct ev_stat stat;
  struct ev_idle idle;
  struct ev_prepare prepare;
  struct ev_check check;
  struct ev_fork fork;
  struct ev_cleanup cleanup;
  struct ev_embed embed;
  struct ev_async async;
};

/* Process-wide functions. */
EV_API_DECL int ev_version_major(void) EV_NOEXCEPT;
EV_API_DECL int ev_version_minor(void) EV_NOEXCEPT;
EV_API_DECL unsigned int ev_supported_backends(void) EV_NOEXCEPT;
EV_API_DECL unsigned int ev_recommended_backends(void) EV_NOEXCEPT;
EV_API_DECL unsigned int ev_embeddable_backends(void) EV_NOEXCEPT;
EV_API_DECL ev_tstamp ev_time(void) EV_NOEXCEPT;
EV_API_DECL void ev_sleep(ev_tstamp delay) EV_NOEXCEPT;
EV_API_DECL void ev_set_allocator(void *(*cb)(void *ptr, long size)EV_NOEXCEPT) EV_NOEXCEPT;
EV_API_DECL void ev_set_syserr_cb(void (*cb)(const char *msg) EV_NOEXCEPT) EV_NOEXCEPT;

/* Loops. */
EV_API_DECL struct ev_loop *ev_default_loop(unsigned int flags EV_CPP(= 0)) EV_NOEXCEPT;
EV_API_DECL struct ev_loop *ev_default_loop_ptr;

EV_INLINE struct ev_loop *ev_default_loop_uc_(void) EV_NOEXCEPT {
  return ev_default_loop_ptr;
}
EV_INLINE int ev_is_default_loop(EV_P) EV_NOEXCEPT {
  return loop == ev_default_loop_ptr;
}

EV_API_DECL struct ev_loop *ev_loop_new(unsigned int flags EV_CPP(= 0)) EV_NOEXCEPT;
EV_API_DECL void ev_loop_destroy(EV_P);
EV_API_DECL void ev_loop_fork(EV_P) EV_NOEXCEPT;
EV_API_DECL ev_tstamp ev_now(EV_P) EV_NOEXCEPT;
EV_API_DECL unsigned int ev_backend(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_now_update(EV_P) EV_NOEXCEPT;

EV_API_DECL int ev_run(EV_P_ int flags EV_CPP(= 0));
EV_API_DECL void ev_break(EV_P_ int how EV_CPP(= EVBREAK_ONE)) EV_NOEXCEPT;
EV_API_DECL void ev_ref(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_unref(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_once(EV_P_ int fd, int events, ev_tstamp timeout,
                         void (*cb)(int revents, void *arg), void *arg) EV_NOEXCEPT;
EV_API_DECL void ev_invoke_pending(EV_P);
EV_API_DECL unsigned int ev_iteration(EV_P) EV_NOEXCEPT;
EV_API_DECL unsigned int ev_depth(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_verify(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_set_io_collect_interval(EV_P_ ev_tstamp interval) EV_NOEXCEPT;
EV_API_DECL void ev_set_timeout_collect_interval(EV_P_ ev_tstamp interval) EV_NOEXCEPT;
EV_API_DECL void ev_set_userdata(EV_P_ void *data) EV_NOEXCEPT;
EV_API_DECL void *ev_userdata(EV_P) EV_NOEXCEPT;
typedef void (*ev_loop_callback)(EV_P);
EV_API_DECL void ev_set_invoke_pending_cb(EV_P_ ev_loop_callback invoke_pending_cb) EV_NOEXCEPT;
EV_API_DECL void ev_set_loop_release_cb(EV_P_ void (*release)(EV_P) EV_NOEXCEPT,
                                        void (*acquire)(EV_P) EV_NOEXCEPT) EV_NOEXCEPT;
EV_API_DECL unsigned int ev_pending_count(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_suspend(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_resume(EV_P) EV_NOEXCEPT;

/* Watcher set-up macros. ev_init leaves `data` alone, as libev does. */
#define ev_init(ev, cb_)                       \
  do {                                         \
    ((ev_watcher *)(void *)(ev))->active = 0;  \
    ((ev_watcher *)(void *)(ev))->pending = 0; \
    ev_set_priority((ev), 0);                  \
    ev_set_cb((ev), cb_);                      \
  } while (0)

#define ev_io_modify(ev, events_)                            \
  do {                                                       \
    (ev)->events = ((ev)->events & EV__IOFDSET) | (events_); \
  } while (0)
#define ev_io_set(ev, fd_, events_)         \
  do {                                      \
    (ev)->fd = (fd_);                       \
    (ev)->events = (events_) | EV__IOFDSET; \
  } while (0)
#define ev_timer_set(ev, after_, repeat_)     \
  do {                                        \
    ((ev_watcher_time *)(ev))->at = (after_); \
    (ev)->repeat = (repeat_);                 \
  } while (0)
#define ev_periodic_set(ev, ofs_, ival_, rcb_) \
  do {                                         \
    (ev)->offset = (ofs_);                     \
    (ev)->interval = (ival_);                  \
    (ev)->reschedule_cb = (rcb_);              \
  } while (0)
#define ev_signal_set(ev, signum_) \
  do {                             \
    (ev)->signum = (signum_);      \
  } while (0)
#define ev_child_set(ev, pid_, trace_) \
  do {                                 \
    (ev)->pid = (pid_);                \
    (ev)->flags = !!(trace_);          \
  } while (0)
#define ev_stat_set(ev, path_, interval_) \
  do {                                    \
    (ev)->path = (path_);                 \
    (ev)->interval = (interval_);         \
    (ev)->wd = -2;                        \
  } while (0)
#define ev_idle_set(ev)    /* nothing to set */
#define ev_prepare_set(ev) /* nothing to set */
#define ev_check_set(ev)   /* nothing to set */
#define ev_embed_set(ev, other_) \
  do {                           \
    (ev)->other = (other_);      \
  } while (0)
#define ev_fork_set(ev)    /* nothing to set */
#define ev_cleanup_set(ev) /* nothing to set */
#define ev_async_set(ev)   /* nothing to set */

#define ev_io_init(ev, cb, fd, events) \
  do {                                 \
    ev_init((ev), (cb));               \
    ev_io_set((ev), (fd), (events));   \
  } while (0)
#define ev_timer_init(ev, cb, after, repeat) \
  do {                                       \
    ev_init((ev), (cb));                     \
    ev_timer_set((ev), (after), (repeat));   \
  } while (0)
#define ev_periodic_init(ev, cb, ofs, ival, rcb) \
  do {                                           \
    ev_init((ev), (cb));                         \
    ev_periodic_set((ev), (ofs), (ival), (rcb)); \
  } while (0)
#define ev_signal_init(ev, cb, signum) \
  do {                                 \
    ev_init((ev), (cb));               \
    ev_signal_set((ev), (signum));     \
  } while (0)
#define ev_child_init(ev, cb, pid, trace) \
  do {                                    \
    ev_init((ev), (cb));                  \
    ev_child_set((ev), (pid), (trace));   \
  } while (0)
#define ev_stat_init(ev, cb, path, interval) \
  do {                                       \
    ev_init((ev), (cb));                     \
    ev_stat_set((ev), (path), (interval));   \
  } while (0)
#define ev_idle_init(ev, cb) \
  do {                       \
    ev_init((ev), (cb));     \
    ev_idle_set((ev));       \
  } while (0)
#define ev_prepare_init(ev, cb) \
  do {                          \
    ev_init((ev), (cb));        \
    ev_prepare_set((ev));       \
  } while (0)
#define ev_check_init(ev, cb) \
  do {                        \
    ev_init((ev), (cb));      \
    ev_check_set((ev));       \
  } while (0)
#define ev_embed_init(ev, cb, other) \
  do {                               \
    ev_init((ev), (cb));             \
    ev_embed_set((ev), (other));     \
  } while (0)
#define ev_fork_init(ev, cb) \
  do {                       \
    ev_init((ev), (cb));     \
    ev_fork_set((ev));       \
  } while (0)
#define ev_cleanup_init(ev, cb) \
  do {                          \
    ev_init((ev), (cb));        \
    ev_cleanup_set((ev));       \
  } while (0)
#define ev_async_init(ev, cb) \
  do {                        \
    ev_init((ev), (cb));      \
    ev_async_set((ev));       \
  } while (0)

#define ev_is_pending(ev) (0 + ((ev_watcher *)(void *)(ev))->pending)
#define ev_is_active(ev) (0 + ((ev_watcher *)(void *)(ev))->active)
#define ev_cb_(ev) (ev)->cb
#define ev_cb(ev) ((ev)->cb)
#define ev_set_cb(ev, cb_) ((ev)->cb = (cb_))
#define ev_priority(ev) (+(((ev_watcher *)(void *)(ev))->priority))
#define ev_set_priority(ev, pri) (((ev_watcher *)(void *)(ev))->priority = (pri))
#define ev_periodic_at(ev) (+((ev_watcher_time *)(ev))->at)

/* Feeding and invoking. */
EV_API_DECL void ev_feed_event(EV_P_ void *w, int revents) EV_NOEXCEPT;
EV_API_DECL void ev_feed_fd_event(EV_P_ int fd, int revents) EV_NOEXCEPT;
EV_API_DECL void ev_feed_signal(int signum) EV_NOEXCEPT;
EV_API_DECL void ev_feed_signal_event(EV_P_ int signum) EV_NOEXCEPT;
EV_API_DECL void ev_invoke(EV_P_ void *w, int revents);
EV_API_DECL int ev_clear_pending(EV_P_ void *w) EV_NOEXCEPT;

/* Watcher start/stop. */
EV_API_DECL void ev_io_start(EV_P_ ev_io *w) EV_NOEXCEPT;
EV_API_DECL void ev_io_stop(EV_P_ ev_io *w) EV_NOEXCEPT;
EV_API_DECL void ev_timer_start(EV_P_ ev_timer *w) EV_NOEXCEPT;
EV_API_DECL void ev_timer_stop(EV_P_ ev_timer *w) EV_NOEXCEPT;
EV_API_DECL void ev_timer_again(EV_P_ ev_timer *w) EV_NOEXCEPT;
EV_API_DECL ev_tstamp ev_timer_remaining(EV_P_ ev_timer *w) EV_NOEXCEPT;
EV_API_DECL void ev_periodic_start(EV_P_ ev_periodic *w) EV_NOEXCEPT;
EV_API_DECL void ev_periodic_stop(EV_P_ ev_periodic *w) EV_NOEXCEPT;
EV_API_DECL void ev_periodic_again(EV_P_ ev_periodic *w) EV_NOEXCEPT;
EV_API_DECL void ev_signal_start(EV_P_ ev_signal *w) EV_NOEXCEPT;
EV_API_DECL void ev_signal_stop(EV_P_ ev_signal *w) EV_NOEXCEPT;
EV_API_DECL void ev_child_start(EV_P_ ev_child *w) EV_NOEXCEPT;
EV_API_DECL void ev_child_stop(EV_P_ ev_child *w) EV_NOEXCEPT;
EV_API_DECL void ev_stat_start(EV_P_ ev_stat *w) EV_NOEXCEPT;
EV_API_DECL void ev_stat_stop(EV_P_ ev_stat *w) EV_NOEXCEPT;
EV_API_DECL void ev_stat_stat(EV_P_ ev_stat *w) EV_NOEXCEPT;
EV_API_DECL void ev_idle_start(EV_P_ ev_idle *w) EV_NOEXCEPT;
EV_API_DECL void ev_idle_stop(EV_P_ ev_idle *w) EV_NOEXCEPT;
EV_API_DECL void ev_prepare_start(EV_P_ ev_prepare *w) EV_NOEXCEPT;
EV_API_DECL void ev_prepare_stop(EV_P_ ev_prepare *w) EV_NOEXCEPT;
EV_API_DECL void ev_check_start(EV_P_ ev_check *w) EV_NOEXCEPT;
EV_API_DECL void ev_check_stop(EV_P_ ev_check *w) EV_NOEXCEPT;
EV_API_DECL void ev_fork_start(EV_P_ ev_fork *w) EV_NOEXCEPT;
EV_API_DECL void ev_fork_stop(EV_P_ ev_fork *w) EV_NOEXCEPT;
EV_API_DECL void ev_cleanup_start(EV_P_ ev_cleanup *w) EV_NOEXCEPT;
EV_API_DECL void ev_cleanup_stop(EV_P_ ev_cleanup *w) EV_NOEXCEPT;
EV_API_DECL void ev_embed_start(EV_P_ ev_embed *w) EV_NOEXCEPT;
EV_API_DECL void ev_embed_stop(EV_P_ ev_embed *w) EV_NOEXCEPT;
EV_API_DECL void ev_embed_sweep(EV_P_ ev_embed *w) EV_NOEXCEPT;
EV_API_DECL void ev_async_start(EV_P_ ev_async *w) EV_NOEXCEPT;
EV_API_DECL void ev_async_stop(EV_P_ ev_async *w) EV_NOEXCEPT;
EV_API_DECL void ev_async_send(EV_P_ ev_async *w) EV_NOEXCEPT;

/*
 * evring extension, not in libev: completion I/O ("ops"). An evring_op is a watcher (libev's
 * watcher fields come first: active, pending, priority, data, cb) for one socket operation:
 * recv, send, accept, connect, shutdown or close. evring_op_start hands it to the loop; its
 * callback runs with EVRING_COMPLETION when the operation is done, with the outcome in
 * op->result. On io_uring the kernel does the operation itself, submitted in the iteration's
 * one io_uring_enter; on epoll, poll and select the loop does it when the fd is ready. The op,
 * and the memory it names, belong to the loop from evring_op_start until its last callback has
 * begun or evring_op_stop has returned. See docs/ops.md.
 */
#define EVRING_OPS 1
#define EVRING_COMPLETION 0x00100000 /* the revents of an op's callback */

enum { EVRING_RECV = 1, EVRING_SEND, EVRING_ACCEPT, EVRING_CONNECT, EVRING_SHUTDOWN, EVRING_CLOSE };

enum {
  EVRING_MULTISHOT = 0x1, /* recv, accept: one start, a callback per result while op->more */
  EVRING_SEND_ALL = 0x2,  /* send: done once all `len` bytes moved, or on error */
  EVRING_POOLED = 0x4,    /* recv: into a buffer of the loop's pool, op->buffer */
  /* private: set by evring_op_set, cleared by evring_op_start; tells the loop the fd may be a
   * new file (as libev's EV__IOFDSET does for ev_io_set) */
  EVRING__FDSET = 0x40000000
};

typedef struct evring_op {
  EV_WATCHER(evring_op)
  int kind;            /* EVRING_RECV ...; these six are read-write while the op is stopped */
  int fd;              /* the socket */
  int flags;           /* EVRING_MULTISHOT | EVRING_SEND_ALL | EVRING_POOLED */
  void *buf;           /* recv, send: the data; connect: the address (struct sockaddr *) */
  size_t len;          /* its size; shutdown: how (SHUT_RD, SHUT_WR, SHUT_RDWR) */
  ev_tstamp timeout;   /* > 0: the op ends with -ETIMEDOUT unless done within that many seconds */
  ssize_t result;      /* read-only: bytes moved, the accepted fd, 0 (EOF, done), or -errno */
  size_t moved;        /* read-only: EVRING_SEND_ALL: the bytes sent, also when result < 0 */
  int more;            /* read-only: EVRING_MULTISHOT: another callback follows this one */
  void *buffer;        /* read-only: EVRING_POOLED: the pool buffer holding the `result` bytes */
  unsigned slot;       /* private */
  unsigned generation; /* private */
} evring_op;

#define evring_op_set(ev, kind_, fd_, buf_, len_, flags_) \
  do {                                                    \
    (ev)->kind = (kind_);                                 \
    (ev)->fd = (fd_);                                     \
    (ev)->buf = (void *)(buf_);                           \
    (ev)->len = (size_t)(len_);                           \
    (ev)->flags = (flags_) | EVRING__FDSET;               \
    (ev)->timeout = 0.;                                   \
  } while (0)
#define evring_op_init(ev, cb, kind, fd, buf, len, flags)     \
  do {                                                        \
    ev_init((ev), (cb));                                      \
    (ev)->slot = 0;                                           \
    (ev)->result = 0;                                         \
    (ev)->moved = 0;                                          \
    (ev)->more = 0;                                           \
    (ev)->buffer = 0;                                         \
    evring_op_set((ev), (kind), (fd), (buf), (len), (flags)); \
  } while (0)
#define evring_recv_init(ev, cb, fd, buf, len, flags) \
  evring_op_init((ev), (cb), EVRING_RECV, (fd), (buf), (len), (flags))
#define evring_send_init(ev, cb, fd, buf, len, flags) \
  evring_op_init((ev), (cb), EVRING_SEND, (fd), (buf), (len), (flags))
#define evring_accept_init(ev, cb, fd, flags) \
  evring_op_init((ev), (cb), EVRING_ACCEPT, (fd), 0, 0, (flags))
#define evring_connect_init(ev, cb, fd, addr, addrlen) \
  evring_op_init((ev), (cb), EVRING_CONNECT, (fd), (addr), (addrlen), 0)
#define evring_shutdown_init(ev, cb, fd, how) \
  evring_op_init((ev), (cb), EVRING_SHUTDOWN, (fd), 0, (how), 0)
#define evring_close_init(ev, cb, fd) evring_op_init((ev), (cb), EVRING_CLOSE, (fd), 0, 0, 0)
#define evring_op_set_timeout(ev, seconds) ((ev)->timeout = (seconds))

/* Starts the op (nothing if it is active). Ops of one kind on one fd run one after another, in
 * the order they were started. Bad parameters give a callback with -EINVAL, -EBADF... */
EV_API_DECL void evring_op_start(EV_P_ evring_op *op) EV_NOEXCEPT;
/* Stops the op at once: no callback runs for it afterwards, and the kernel no longer touches
 * its memory. A result that completed before it could be stopped is not lost: evring_op_stop
 * then returns 1 with it in op->result (op->buffer, op->moved); a multishot op may have several,
 * so call it again until it returns 0. Results not collected are dropped on the next start:
 * accepted fds closed, pool buffers given back. */
EV_API_DECL int evring_op_stop(EV_P_ evring_op *op) EV_NOEXCEPT;
/* Asks the op to end: its callback runs exactly once more with more == 0, with -ECANCELED, or
 * the op's real result if that came first (a multishot op's results that completed before
 * come first, with more set). Nothing if the op is not active or already cancelled. */
EV_API_DECL void evring_op_cancel(EV_P_ evring_op *op) EV_NOEXCEPT;
/* Gives the loop a pool of `count` buffers of `size` bytes for EVRING_POOLED receives (count a
 * power of two up to 32768, size up to 1 GiB). Returns 0, or -EINVAL, -EBUSY (a pool exists and
 * buffers are out, a pooled receive is active, or a stopped receive holds results not collected
 * with evring_op_stop), -ENOMEM (the old pool stays). While all buffers are out, pooled receives
 * wait for one to come back. */
EV_API_DECL int evring_buffer_pool(EV_P_ unsigned count, size_t size) EV_NOEXCEPT;
/* Gives a pool buffer (op->buffer) back to the loop. */
EV_API_DECL void evring_buffer_release(EV_P_ void *buffer) EV_NOEXCEPT;

/* libev 3 names, still used by many programs. */
#if EV_COMPAT3
#define EVLOOP_NONBLOCK EVRUN_NOWAIT
#define EVLOOP_ONESHOT EVRUN_ONCE
#define EVUNLOOP_CANCEL EVBREAK_CANCEL
#define EVUNLOOP_ONE EVBREAK_ONE
#define EVUNLOOP_ALL EVBREAK_ALL
EV_INLINE void ev_loop(EV_P_ int flags) {
  ev_run(EV_A_ flags);
}
EV_INLINE void ev_unloop(EV_P_ int how) {
  ev_break(EV_A_ how);
}
EV_INLINE void ev_default_destroy(void) {
  ev_loop_destroy(EV_DEFAULT);
}
EV_INLINE void ev_default_fork(void) {
  ev_loop_fork(EV_DEFAULT);
}
EV_INLINE unsigned int ev_loop_count(EV_P) {
  return ev_iteration(EV_A);
}
EV_INLINE unsigned int ev_loop_depth(EV_P) {
  return ev_depth(EV_A);
}
EV_INLINE void ev_loop_verify(EV_P) {
  ev_verify(EV_A);
}
#else
typedef struct ev_loop ev_loop;
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVRING_EV_H */
