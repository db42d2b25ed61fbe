/* Prints the binary interface an <ev.h> describes: the size of every watcher type, the offset
 * and size of each of its members, and the value of every constant. check-libev-layout.sh
 * compiles it once against libev's header and once against evring's and requires the same
 * output: a program built against libev hands its watchers and flags to evring's library. */
#include <ev.h>
#include <stddef.h>
#include <stdio.h>

#define TYPE(type) printf("%-22s size %zu align %zu\n", #type, sizeof(type), _Alignof(type))
#define MEMBER(type, member)                                                            \
  printf("%-22s .%-14s offset %3zu size %zu\n", #type, #member, offsetof(type, member), \
         sizeof(((type *)0)->member))
#define COMMON(type)      \
  MEMBER(type, active);   \
  MEMBER(type, pending);  \
  MEMBER(type, priority); \
  MEMBER(type, data);     \
  MEMBER(type, cb)
#define LIST(type) \
  COMMON(type);    \
  MEMBER(type, next)
#define TIME(type) \
  COMMON(type);    \
  MEMBER(type, at)

/* A constant one header lacks fails the build, and the compiler names it. */
#define VALUE(name) printf("%-22s %lld\n", #name, (long long)(name))

static void watchers(void) {
  TYPE(ev_tstamp);
  TYPE(ev_watcher);
  COMMON(ev_watcher);
  TYPE(ev_watcher_list);
  LIST(ev_watcher_list);
  TYPE(ev_watcher_time);
  TIME(ev_watcher_time);
  TYPE(ev_io);
  LIST(ev_io);
  MEMBER(ev_io, fd);
  MEMBER(ev_io, events);
  TYPE(ev_timer);
  TIME(ev_timer);
  MEMBER(ev_timer, repeat);
  TYPE(ev_periodic);
  TIME(ev_periodic);
  MEMBER(ev_periodic, offset);
  MEMBER(ev_periodic, interval);
  MEMBER(ev_periodic, reschedule_cb);
  TYPE(ev_signal);
  LIST(ev_signal);
  MEMBER(ev_signal, signum);
  TYPE(ev_child);
  LIST(ev_child);
  MEMBER(ev_child, flags);
  MEMBER(ev_child, pid);
  MEMBER(ev_child, rpid);
  MEMBER(ev_child, rstatus);
  TYPE(ev_statdata);
  TYPE(ev_stat);
  LIST(ev_stat);
  MEMBER(ev_stat, timer);
  MEMBER(ev_stat, interval);
  MEMBER(ev_stat, path);
  MEMBER(ev_stat, prev);
  MEMBER(ev_stat, attr);
  MEMBER(ev_stat, wd);
  TYPE(ev_idle);
  COMMON(ev_idle);
  TYPE(ev_prepare);
  COMMON(ev_prepare);
  TYPE(ev_check);
  COMMON(ev_check);
  TYPE(ev_fork);
  COMMON(ev_fork);
  TYPE(ev_cleanup);
  COMMON(ev_cleanup);
  TYPE(ev_embed);
  COMMON(ev_embed);
  MEMBER(ev_embed, other);
  MEMBER(ev_embed, io);
  MEMBER(ev_embed, prepare);
  MEMBER(ev_embed, check);
  MEMBER(ev_embed, timer);
  MEMBER(ev_embed, periodic);
  MEMBER(ev_embed, idle);
  MEMBER(ev_embed, fork);
  MEMBER(ev_embed, cleanup);
  TYPE(ev_async);
  COMMON(ev_async);
  MEMBER(ev_async, sent);
  TYPE(union ev_any_watcher);
  MEMBER(union ev_any_watcher, w);
  MEMBER(union ev_any_watcher, wl);
  MEMBER(union ev_any_watcher, io);
  MEMBER(union ev_any_watcher, timer);
  MEMBER(union ev_any_watcher, periodic);
  MEMBER(union ev_any_watcher, signal);
  MEMBER(union ev_any_watcher, child);
  MEMBER(union ev_any_watcher, stat);
  MEMBER(union ev_any_watcher, idle);
  MEMBER(union ev_any_watcher, prepare);
  MEMBER(union ev_any_watcher, check);
  MEMBER(union ev_any_watcher, fork);
  MEMBER(union ev_any_watcher, cleanup);
  MEMBER(union ev_any_watcher, embed);
  MEMBER(union ev_any_watcher, async);
}

static void event_bits(void) {
  VALUE(EV_UNDEF);
  VALUE(EV_NONE);
  VALUE(EV_READ);
  VALUE(EV_WRITE);
  VALUE(EV__IOFDSET);
  VALUE(EV_IO);
  VALUE(EV_TIMER);
  VALUE(EV_TIMEOUT);
  VALUE(EV_PERIODIC);
  VALUE(EV_SIGNAL);
  VALUE(EV_CHILD);
  VALUE(EV_STAT);
  VALUE(EV_IDLE);
  VALUE(EV_PREPARE);
  VALUE(EV_CHECK);
  VALUE(EV_EMBED);
  VALUE(EV_FORK);
  VALUE(EV_CLEANUP);
  VALUE(EV_ASYNC);
  VALUE(EV_CUSTOM);
  VALUE(EV_ERROR);
  VALUE(EV_MINPRI);
  VALUE(EV_MAXPRI);
}

static void flags(void) {
  VALUE(EVFLAG_AUTO);
  VALUE(EVFLAG_NOENV);
  VALUE(EVFLAG_FORKCHECK);
  VALUE(EVFLAG_NOINOTIFY);
  VALUE(EVFLAG_NOSIGFD);
  VALUE(EVFLAG_SIGNALFD);
  VALUE(EVFLAG_NOSIGMASK);
  VALUE(EVFLAG_NOTIMERFD);
  VALUE(EVBACKEND_SELECT);
  VALUE(EVBACKEND_POLL);
  VALUE(EVBACKEND_EPOLL);
  VALUE(EVBACKEND_KQUEUE);
  VALUE(EVBACKEND_DEVPOLL);
  VALUE(EVBACKEND_PORT);
  VALUE(EVBACKEND_LINUXAIO);
  VALUE(EVBACKEND_IOURING);
  VALUE(EVBACKEND_ALL);
  VALUE(EVBACKEND_MASK);
  VALUE(EVRUN_NOWAIT);
  VALUE(EVRUN_ONCE);
  VALUE(EVBREAK_CANCEL);
  VALUE(EVBREAK_ONE);
  VALUE(EVBREAK_ALL);
  VALUE(EVLOOP_NONBLOCK);
  VALUE(EVLOOP_ONESHOT);
  VALUE(EVUNLOOP_CANCEL);
  VALUE(EVUNLOOP_ONE);
  VALUE(EVUNLOOP_ALL);
}

/* The configuration a program may test with #if: what the library it links was built with. */
static void configuration(void) {
  VALUE(EV_VERSION_MAJOR);
  VALUE(EV_VERSION_MINOR);
  VALUE(EV_FEATURES);
  VALUE(EV_FEATURE_CODE);
  VALUE(EV_FEATURE_DATA);
  VALUE(EV_FEATURE_CONFIG);
  VALUE(EV_FEATURE_API);
  VALUE(EV_FEATURE_WATCHERS);
  VALUE(EV_FEATURE_BACKENDS);
  VALUE(EV_FEATURE_OS);
  VALUE(EV_MULTIPLICITY);
  VALUE(EV_PROTOTYPES);
  VALUE(EV_COMPAT3);
  VALUE(EV_IO_ENABLE);
  VALUE(EV_PERIODIC_ENABLE);
  VALUE(EV_SIGNAL_ENABLE);
  VALUE(EV_CHILD_ENABLE);
  VALUE(EV_STAT_ENABLE);
  VALUE(EV_IDLE_ENABLE);
  VALUE(EV_PREPARE_ENABLE);
  VALUE(EV_CHECK_ENABLE);
  VALUE(EV_FORK_ENABLE);
  VALUE(EV_CLEANUP_ENABLE);
  VALUE(EV_ASYNC_ENABLE);
  VALUE(EV_EMBED_ENABLE);
  VALUE(EV_WALK_ENABLE);
}

int main(void) {
  watchers();
  event_bits();
  flags();
  configuration();
  return 0;
}
