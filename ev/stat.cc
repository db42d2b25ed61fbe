// ev_stat: watching a path's attributes. A change is whatever lstat() reports differently (the
// fields and second-granularity times libev compares); inotify only says when to look, and a
// timer looks regularly where inotify cannot be trusted (unknown or remote filesystems) or cannot
// watch the path (it does not exist: then the nearest existing parent directory is watched for
// the path to appear). Timer intervals, the filesystems trusted, the watch masks and the read
// size are libev's, because they decide which changes are seen and in which iteration.
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "stats.h"

namespace evring {

namespace {

constexpr int kWdBuckets = 16;

}  // namespace

struct Inotify {
  int fd;  // -1: inotify is unavailable or disabled (EVFLAG_NOINOTIFY), every watcher polls
  ev_io watcher;
  ev_watcher_list *by_wd[kWdBuckets];  // watching watchers, keyed by watch descriptor & 15
};

namespace {

// Odd values so that many watchers started together don't poll in lockstep.
constexpr ev_tstamp kDefaultInterval = 5.0074891;
constexpr ev_tstamp kRemoteInterval = 30.1074891;  // inotify misses changes made by other hosts
constexpr ev_tstamp kMinInterval = 0.1074891;

// Room for two events: a burst of events is read over several iterations, as under libev.
constexpr size_t kReadSize = sizeof(inotify_event) * 2 + NAME_MAX;

constexpr uint32_t kPathMask = IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_MODIFY | IN_CREATE |
                               IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DONT_FOLLOW |
                               IN_MASK_ADD;

// Filesystems on which inotify sees every change, so no polling is needed (libev's list).
constexpr unsigned long kLocalFilesystems[] = {
    0x1373,      // devfs
    0x4006,      // fat
    0x4d44,      // msdos
    0xef53,      // ext2, ext3, ext4
    0x72b6,      // jffs2
    0x858458f6,  // ramfs
    0x5346544e,  // ntfs
    0x3153464a,  // jfs
    0x9123683e,  // btrfs
    0x52654973,  // reiserfs
    0x01021994,  // tmpfs
    0x58465342,  // xfs
};

ev_stat *stat_of_timer(ev_timer *timer) {
  return reinterpret_cast<ev_stat *>(reinterpret_cast<char *>(timer) - offsetof(ev_stat, timer));
}

ev_watcher_list *&bucket_of(Inotify &inotify, int wd) {
  return inotify.by_wd[wd & (kWdBuckets - 1)];
}

bool on_local_filesystem(const char *path) {
  struct statfs info;
  if (statfs(path, &info) != 0) return false;
  for (unsigned long type : kLocalFilesystems)
    if (static_cast<unsigned long>(info.f_type) == type) return true;
  return false;
}

ev_tstamp interval_or(const ev_stat *w, ev_tstamp fallback) {
  return w->interval ? w->interval : fallback;
}

// ev_timer_again on the polling timer, which never keeps the loop alive by itself.
void rearm_timer(ev_loop *loop, ev_stat *w) {
  if (w->timer.active) ev_ref(loop);
  ev_timer_again(loop, &w->timer);
  if (w->timer.active) ev_unref(loop);
}

bool same_attributes(const ev_statdata &a, const ev_statdata &b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_mode == b.st_mode &&
         a.st_nlink == b.st_nlink && a.st_uid == b.st_uid && a.st_gid == b.st_gid &&
         a.st_rdev == b.st_rdev && a.st_size == b.st_size && a.st_atime == b.st_atime &&
         a.st_mtime == b.st_mtime && a.st_ctime == b.st_ctime;
}

// While the path is missing (or unreadable), the nearest ancestor that can be watched tells
// when it appears (or its permissions change). "/" itself is never watched.
void watch_ancestor(int fd, ev_stat *w) {
  char dir[PATH_MAX];
  size_t length = strlen(w->path);
  if (length >= sizeof dir) return;  // only a hint: the timer still finds the change
  memcpy(dir, w->path, length + 1);
  while (w->wd < 0 && (errno == ENOENT || errno == EACCES)) {
    uint32_t mask = IN_MASK_ADD | IN_DELETE_SELF | IN_MOVE_SELF |
                    (errno == EACCES ? IN_ATTRIB : IN_CREATE | IN_MOVED_TO);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return;
    *slash = '\0';
    w->wd = inotify_add_watch(fd, dir, mask);
  }
}

void watch(ev_loop *loop, ev_stat *w) {
  Inotify &inotify = *loop->inotify;
  w->wd = inotify_add_watch(inotify.fd, w->path, kPathMask);
  if (w->wd >= 0) {
    w->timer.repeat = on_local_filesystem(w->path) ? 0. : interval_or(w, kRemoteInterval);
  } else {
    w->timer.repeat = interval_or(w, kDefaultInterval);
    watch_ancestor(inotify.fd, w);
  }
  if (w->wd >= 0) list_push(&bucket_of(inotify, w->wd), reinterpret_cast<ev_watcher_list *>(w));
  rearm_timer(loop, w);
}

// Removing a watch removes it for every watcher of the same file: they see IN_IGNORED and
// watch again.
void unwatch(ev_loop *loop, ev_stat *w) {
  int wd = w->wd;
  if (wd < 0) return;
  w->wd = -2;
  list_remove(&bucket_of(*loop->inotify, wd), reinterpret_cast<ev_watcher_list *>(w));
  inotify_rm_watch(loop->inotify->fd, wd);
}

bool inotify_active(ev_loop *loop) {
  return loop->inotify && loop->inotify->fd >= 0;
}

void look(ev_loop *loop, ev_stat *w) {
  ev_statdata before = w->attr;
  ev_stat_stat(loop, w);
  if (same_attributes(before, w->attr)) return;
  // Only a real difference moves attr to prev, so prev and attr always differ in the callback.
  w->prev = before;
  if (inotify_active(loop)) {
    // The path may name another file now: watch that one, and look again so that a change
    // made before the new watch existed is not missed.
    unwatch(loop, w);
    watch(loop, w);
    ev_stat_stat(loop, w);
  }
  queue_event(loop, reinterpret_cast<ev_watcher *>(w), EV_STAT);
}

void on_timer(ev_loop *loop, ev_timer *timer, int) {
  look(loop, stat_of_timer(timer));
}

void on_watch_event(ev_loop *loop, ev_watcher_list *bucket, int wd, uint32_t mask) {
  for (ev_watcher_list *next = bucket; next;) {
    ev_stat *w = reinterpret_cast<ev_stat *>(next);
    next = next->next;  // `w` may move to the front of a bucket below
    if (w->wd != wd && wd != -1) continue;
    if (mask & (IN_IGNORED | IN_UNMOUNT | IN_DELETE_SELF)) {
      // The kernel dropped the watch: make a new one, on whatever the path is now.
      list_remove(&bucket_of(*loop->inotify, w->wd), reinterpret_cast<ev_watcher_list *>(w));
      w->wd = -1;
      watch(loop, w);
    }
    look(loop, w);
  }
}

void on_inotify(ev_loop *loop, ev_io *, int) {
  Inotify &inotify = *loop->inotify;
  alignas(inotify_event) char buffer[kReadSize];
  ssize_t got = read(inotify.fd, buffer, sizeof buffer);
  for (ssize_t offset = 0; offset < got;) {
    const inotify_event *event = reinterpret_cast<const inotify_event *>(buffer + offset);
    // wd -1 (queue overflow): any watcher may have missed something.
    if (event->wd < 0) {
      for (ev_watcher_list *bucket : inotify.by_wd) on_watch_event(loop, bucket, -1, event->mask);
    } else {
      on_watch_event(loop, bucket_of(inotify, event->wd), event->wd, event->mask);
    }
    offset += ssize_t(sizeof(inotify_event) + event->len);
  }
}

void start_inotify_watcher(ev_loop *loop) {
  Inotify &inotify = *loop->inotify;
  inotify.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify.fd < 0) return;
  ev_io_init(&inotify.watcher, on_inotify, inotify.fd, EV_READ);
  ev_set_priority(&inotify.watcher, EV_MAXPRI);
  ev_io_start(loop, &inotify.watcher);
  ev_unref(loop);
}

void stop_inotify_watcher(ev_loop *loop) {
  Inotify &inotify = *loop->inotify;
  if (inotify.fd < 0) return;
  ev_ref(loop);
  ev_io_stop(loop, &inotify.watcher);
  close(inotify.fd);
  inotify.fd = -1;
}

// The first ev_stat_start decides, once, whether this loop uses inotify.
bool use_inotify(ev_loop *loop) {
  if (!loop->inotify) {
    loop->inotify = static_cast<Inotify *>(mem_realloc(nullptr, sizeof(Inotify)));
    memset(static_cast<void *>(loop->inotify), 0, sizeof(Inotify));
    loop->inotify->fd = -1;
    if (!(loop->flags & EVFLAG_NOINOTIFY)) start_inotify_watcher(loop);
  }
  return loop->inotify->fd >= 0;
}

}  // namespace

void stat_after_fork(ev_loop *loop) {
  if (!inotify_active(loop)) return;
  stop_inotify_watcher(loop);
  start_inotify_watcher(loop);
  Inotify &inotify = *loop->inotify;
  for (ev_watcher_list *&bucket : inotify.by_wd) {
    ev_watcher_list *next = bucket;
    bucket = nullptr;
    while (next) {
      ev_stat *w = reinterpret_cast<ev_stat *>(next);
      next = next->next;
      w->wd = -1;
      if (inotify.fd >= 0) {
        watch(loop, w);
      } else {
        w->timer.repeat = interval_or(w, kDefaultInterval);
        rearm_timer(loop, w);
      }
    }
  }
}

void stat_release(ev_loop *loop) {
  if (!loop->inotify) return;
  stop_inotify_watcher(loop);
  mem_free(loop->inotify);
  loop->inotify = nullptr;
}

}  // namespace evring

using namespace evring;

void ev_stat_stat(ev_loop *, ev_stat *w) noexcept {
  // st_nlink 0 is how a missing path is reported; an existing one has at least 1.
  if (lstat(w->path, &w->attr) < 0) {
    w->attr.st_nlink = 0;
  } else if (!w->attr.st_nlink) {
    w->attr.st_nlink = 1;
  }
}

void ev_stat_start(ev_loop *loop, ev_stat *w) noexcept {
  if (w->active) return;
  ev_stat_stat(loop, w);
  if (w->interval < kMinInterval && w->interval) w->interval = kMinInterval;
  ev_timer_init(&w->timer, on_timer, 0., interval_or(w, kDefaultInterval));
  ev_set_priority(&w->timer, ev_priority(w));
  if (use_inotify(loop)) {
    watch(loop, w);
  } else {
    rearm_timer(loop, w);
  }
  watcher_start(loop, reinterpret_cast<ev_watcher *>(w), 1);
}

void ev_stat_stop(ev_loop *loop, ev_stat *w) noexcept {
  clear_pending(loop, w);
  if (!w->active) return;
  if (inotify_active(loop)) unwatch(loop, w);
  if (w->timer.active) {
    ev_ref(loop);
    ev_timer_stop(loop, &w->timer);
  }
  watcher_stop(loop, reinterpret_cast<ev_watcher *>(w));
}
