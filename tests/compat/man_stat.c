/* The ev_stat examples on a file in a fresh temporary directory instead of /etc/passwd: the
 * callback prints the current size when the file exists and complains when it does not (st_nlink
 * 0), and the second example's delay timer (1.02 s in the manual, 50 ms here) is reset with
 * ev_timer_again on every change, so it fires once, after the last of a quick series of
 * changes. The file is created, grown and removed, each step made from the previous callback;
 * every step changes the size or the link count, since times have only second granularity.
 * The poll interval asked for is 0.1 s; inotify usually reports first. Untimed traces. */
#include "compat.h"
#include <fcntl.h>

static char dir[64], path[96];
static ev_stat passwd;
static ev_timer timer;
static int changes;

static void append(const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  require(fd >= 0, "open");
  require(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
  close(fd);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  ev_timer_stop(loop, w);
  // now it's a while after the most recent change
  printf("  settled after %d changes, file exists %d\n", changes, passwd.attr.st_nlink != 0);
  ev_stat_stop(loop, &passwd);
}

static void passwd_cb(struct ev_loop *loop, ev_stat *w, int revents) {
  trace_untimed(w, revents);
  if (w->attr.st_nlink)
    printf("  current size %ld (previous: exists %d, size %ld)\n", (long)w->attr.st_size,
           w->prev.st_nlink != 0, w->prev.st_nlink ? (long)w->prev.st_size : -1L);
  else
    puts("  wow, the file is not there, expect problems");
  // reset the delay timer
  ev_timer_again(loop, &timer);
  switch (++changes) {
    case 1:
      append("more");
      break;
    case 2:
      require(unlink(path) == 0, "unlink");
      break;
  }
}

static void create_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  (void)loop;
  append("abc");
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  strcpy(dir, "/tmp/evring-compat-man-stat-XXXXXX");
  require(mkdtemp(dir) != NULL, "mkdtemp");
  snprintf(path, sizeof path, "%s/passwd", dir);

  ev_stat_init(&passwd, passwd_cb, path, 0.1);
  passwd.data = "passwd";
  ev_stat_start(loop, &passwd);
  printf("started on a missing file: nlink %d, interval %.1f\n", (int)passwd.attr.st_nlink,
         passwd.interval);
  ev_timer_init(&timer, timer_cb, 0., 0.05);
  timer.data = "timer";
  ev_timer create;
  ev_timer_init(&create, create_cb, 0.01, 0.);
  create.data = "create";
  ev_timer_start(loop, &create);
  printf("run returned %d\n", ev_run(loop, 0));
  require(rmdir(dir) == 0, "rmdir");
  return 0;
}
