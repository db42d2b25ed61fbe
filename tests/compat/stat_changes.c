/* ev_stat on a path that is created, grown, chmod-ed, replaced by a rename, renamed away,
 * renamed back and removed. Each change is made from the previous callback and must produce
 * exactly one callback showing prev -> attr. Run twice: with inotify (the default loop; the
 * event is read in the next iteration, so iteration numbers are shown) and polling
 * (EVFLAG_NOINOTIFY with a 0.1 s interval, raised to libev's minimum; untimed). Every step
 * changes the size, mode, inode or link count, since times only have second granularity. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "compat.h"

static char dir[64], path[80], other[80], away[80];
static int step;
static int timed;

static void write_file(const char *name, const char *text) {
  int fd = open(name, O_WRONLY | O_CREAT | O_APPEND, 0644);
  require(fd >= 0, "open");
  require(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
  close(fd);
}

/* Makes the next change; false when there is none left. */
static int change(void) {
  switch (step++) {
    case 0:
      printf("  -> create with 3 bytes\n");
      write_file(path, "abc");
      return 1;
    case 1:
      printf("  -> append 2 bytes\n");
      write_file(path, "de");
      return 1;
    case 2:
      printf("  -> chmod 600\n");
      require(chmod(path, 0600) == 0, "chmod");
      return 1;
    case 3:
      printf("  -> rename another file over it\n");
      write_file(other, "1234567");
      require(rename(other, path) == 0, "rename");
      return 1;
    case 4:
      printf("  -> rename it away\n");
      require(rename(path, away) == 0, "rename");
      return 1;
    case 5:
      printf("  -> rename it back\n");
      require(rename(away, path) == 0, "rename");
      return 1;
    case 6:
      printf("  -> remove\n");
      require(unlink(path) == 0, "unlink");
      return 1;
    default:
      return 0;
  }
}

static void on_stat(struct ev_loop *loop, ev_stat *w, int revents) {
  if (timed)
    trace(loop, w, revents);
  else
    trace_untimed(w, revents);
  printf("  nlink %d -> %d, size %ld -> %ld, mode %o -> %o, same inode %d\n", (int)w->prev.st_nlink,
         (int)w->attr.st_nlink, w->prev.st_nlink ? (long)w->prev.st_size : -1L,
         w->attr.st_nlink ? (long)w->attr.st_size : -1L,
         w->prev.st_nlink ? (unsigned)(w->prev.st_mode & 0777) : 0u,
         w->attr.st_nlink ? (unsigned)(w->attr.st_mode & 0777) : 0u,
         w->prev.st_nlink && w->attr.st_nlink && w->prev.st_ino == w->attr.st_ino);
  if (!change()) ev_stat_stop(loop, w);
}

static void on_first_step(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)w;
  (void)revents;
  change();
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)w;
  (void)revents;
  printf("  guard expired at step %d\n", step);
  ev_break(loop, EVBREAK_ALL);
}

static void sequence(struct ev_loop *loop, double interval) {
  ev_stat watcher;
  ev_timer first, guard;
  step = 0;
  ev_stat_init(&watcher, on_stat, path, interval);
  watcher.data = "stat";
  ev_stat_start(loop, &watcher);
  printf("started: nlink %d, interval %.7f\n", (int)watcher.attr.st_nlink, watcher.interval);
  ev_timer_init(&first, on_first_step, 0., 0.);
  ev_timer_start(loop, &first);
  ev_timer_init(&guard, on_guard, 5., 0.);
  ev_timer_start(loop, &guard);
  ev_unref(loop);
  printf("run returned %d\n", ev_run(loop, 0));
  show_state(&watcher);
  ev_ref(loop);
  ev_timer_stop(loop, &guard);
  ev_stat_stop(loop, &watcher);
}

int main(void) {
  compat_begin();
  strcpy(dir, "/tmp/evring-compat-stat-XXXXXX");
  require(mkdtemp(dir) != NULL, "mkdtemp");
  snprintf(path, sizeof path, "%s/watched", dir);
  snprintf(other, sizeof other, "%s/other", dir);
  snprintf(away, sizeof away, "%s/away", dir);

  printf("with inotify\n");
  timed = 1;
  sequence(ev_default_loop(0), 0.);

  printf("polling\n");
  timed = 0;
  const char *env = getenv("LIBEV_FLAGS");
  unsigned backend = env ? (unsigned)atoi(env) : 0;
  struct ev_loop *polling = ev_loop_new(backend | EVFLAG_NOENV | EVFLAG_NOINOTIFY);
  require(polling != NULL, "ev_loop_new");
  sequence(polling, 0.01);
  ev_loop_destroy(polling);
  rmdir(dir);
  return 0;
}
