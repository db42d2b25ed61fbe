/* ev_stat: ev_stat_stat on a watcher that was never started, attr right after ev_stat_start,
 * and a change made while the watcher is stopped (not reported after the restart, attr already
 * shows it). Then a write, a rename over the path and an unlink, each complete before the loop
 * looks, each reported once with prev -> attr shown coarsely (exists, size). A guard timer much
 * longer than the 0.1 s polling interval stands for "no callback". */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "compat.h"

static char path[64], tmp[64];
static ev_stat st;
static ev_timer guard;
static int callbacks;

static void show(const char *what, const ev_statdata *s) {
  printf("  %s: exists %d size %ld\n", what, s->st_nlink != 0, s->st_nlink ? (long)s->st_size : 0L);
}

static void on_stat(struct ev_loop *loop, ev_stat *w, int revents) {
  trace_untimed(w, revents);
  ++callbacks;
  show("prev", &w->prev);
  show("attr", &w->attr);
  ev_break(loop, EVBREAK_ONE);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)w;
  (void)revents;
  printf("  guard\n");
  ev_break(loop, EVBREAK_ONE);
}

static void wait_step(struct ev_loop *loop, const char *what, double limit) {
  printf("%s\n", what);
  callbacks = 0;
  ev_timer_set(&guard, limit, 0.);
  ev_timer_start(loop, &guard);
  ev_run(loop, 0);
  ev_timer_stop(loop, &guard);
  /* one change, one callback: look a little longer for a second one */
  if (callbacks) {
    ev_timer_set(&guard, 0.4, 0.);
    ev_timer_start(loop, &guard);
    ev_run(loop, 0);
    ev_timer_stop(loop, &guard);
  }
}

static void make_file(const char *name, const char *content) {
  int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  require(fd >= 0, "open");
  require(write(fd, content, strlen(content)) == (ssize_t)strlen(content), "write");
  close(fd);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  char dir[] = "/tmp/cfx_stat_XXXXXX";
  require(mkdtemp(dir) != NULL, "mkdtemp");
  snprintf(path, sizeof path, "%s/file", dir);
  snprintf(tmp, sizeof tmp, "%s/tmp", dir);
  ev_timer_init(&guard, on_guard, 0., 0.);
  ev_stat_init(&st, on_stat, path, 0.1);
  st.data = "stat";

  ev_stat_stat(loop, &st);
  show("unstarted, missing", &st.attr);
  make_file(tmp, "12345");
  require(rename(tmp, path) == 0, "rename");
  ev_stat_stat(loop, &st);
  show("unstarted, created", &st.attr);
  printf("active %d\n", !!ev_is_active(&st));
  require(unlink(path) == 0, "unlink");

  ev_stat_start(loop, &st);
  show("started, missing", &st.attr);
  make_file(tmp, "abcde");
  require(rename(tmp, path) == 0, "rename");
  wait_step(loop, "created by rename", 3.);

  ev_stat_stop(loop, &st);
  require(truncate(path, 2) == 0, "truncate");
  ev_stat_start(loop, &st);
  show("restarted after truncate", &st.attr);
  wait_step(loop, "nothing after restart", 0.6);

  int fd = open(path, O_WRONLY | O_APPEND);
  require(fd >= 0 && write(fd, "xyzw", 4) == 4, "append");
  close(fd);
  wait_step(loop, "appended", 3.);

  make_file(tmp, "0123456789");
  require(rename(tmp, path) == 0, "rename");
  wait_step(loop, "renamed over", 3.);
  ev_stat_stat(loop, &st);
  show("ev_stat_stat attr", &st.attr);
  show("ev_stat_stat prev", &st.prev);

  require(unlink(path) == 0, "unlink");
  wait_step(loop, "unlinked", 3.);
  ev_stat_stop(loop, &st);
  rmdir(dir);
  printf("final run returned %d\n", ev_run(loop, 0));
  return 0;
}
