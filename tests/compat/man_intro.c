/* The manual's EXAMPLE PROGRAM (an stdin watcher and a timeout, the first to fire breaks out of
 * ev_run), the two-step ev_init/ev_io_set watcher from ANATOMY OF A WATCHER, the ev_io example
 * that reads a line from stdin, and the ev_once example that waits for stdin with a timeout.
 * stdin is a pipe this program dup2s onto fd 0, so whether it is readable is never a matter
 * of timing; every stdin replacement is followed by ev_io_set, as "The special problem of
 * disappearing file descriptors" asks. Only the timeout cases wait, for 30 ms. */
#include "compat.h"

static ev_io stdin_watcher;
static ev_timer timeout_watcher;
static int stdin_writer = -1;

/* Replaces fd 0 by the read end of a fresh pipe, optionally holding some data. */
static void new_stdin(const char *data) {
  int fds[2];
  require(pipe(fds) == 0, "pipe");
  require(dup2(fds[0], STDIN_FILENO) == STDIN_FILENO, "dup2");
  close(fds[0]);
  if (stdin_writer >= 0) close(stdin_writer);
  stdin_writer = fds[1];
  if (data) require(write(stdin_writer, data, strlen(data)) == (ssize_t)strlen(data), "write");
}

/* The callbacks of the example program, word for word apart from tracing. */
static void stdin_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  puts("stdin ready");
  ev_io_stop(loop, w);
  ev_break(loop, EVBREAK_ALL);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  puts("timeout");
  ev_break(loop, EVBREAK_ONE);
}

/* ANATOMY OF A WATCHER: stop the watcher and break out of all loops. */
static void my_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, w);
  ev_break(loop, EVBREAK_ALL);
}

/* The ev_io example: readable once, then read the line. */
static void stdin_readable_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, w);
  char line[64];
  ssize_t got = read(w->fd, line, sizeof line - 1);
  require(got >= 0, "read");
  line[got] = '\0';
  printf("  read %d bytes: %s", (int)got, line);
}

static void stdin_ready(int revents, void *arg) {
  printf("  once (%s): %s", (const char *)arg, revents_text(revents));
  if (revents & EV_READ)
    printf(", stdin might have data for us, joy!\n");
  else if (revents & EV_TIMER)
    printf(", doh, nothing entered\n");
  else
    printf("\n");
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("example program, stdin has data\n");
  new_stdin("hello\n");
  ev_io_init(&stdin_watcher, stdin_cb, /*STDIN_FILENO*/ 0, EV_READ);
  stdin_watcher.data = "stdin_watcher";
  ev_io_start(loop, &stdin_watcher);
  ev_timer_init(&timeout_watcher, timeout_cb, 5.5, 0.);
  timeout_watcher.data = "timeout_watcher";
  ev_timer_start(loop, &timeout_watcher);
  printf("run returned %d\n", ev_run(loop, 0));
  show_state(&stdin_watcher);
  show_state(&timeout_watcher);

  printf("example program, stdin stays empty, 30 ms timeout\n");
  new_stdin(NULL);
  ev_io_set(&stdin_watcher, STDIN_FILENO, EV_READ);
  ev_io_start(loop, &stdin_watcher);
  ev_timer_stop(loop, &timeout_watcher);
  ev_timer_set(&timeout_watcher, 0.03, 0.);
  ev_timer_start(loop, &timeout_watcher);
  printf("run returned %d\n", ev_run(loop, 0));
  show_state(&stdin_watcher);
  show_state(&timeout_watcher);
  ev_io_stop(loop, &stdin_watcher);

  printf("anatomy of a watcher: ev_init, then ev_io_set\n");
  new_stdin("x");
  ev_io anatomy;
  ev_init(&anatomy, my_cb);
  ev_io_set(&anatomy, STDIN_FILENO, EV_READ);
  anatomy.data = "anatomy";
  ev_io_start(loop, &anatomy);
  printf("run returned %d\n", ev_run(loop, 0));
  show_state(&anatomy);

  printf("ev_io example: read a line once stdin is readable\n");
  new_stdin("a whole line\n");
  ev_io stdin_readable;
  ev_io_init(&stdin_readable, stdin_readable_cb, STDIN_FILENO, EV_READ);
  stdin_readable.data = "stdin_readable";
  ev_io_start(loop, &stdin_readable);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("ev_once example: stdin has data, 10 s timeout\n");
  new_stdin("y");
  ev_once(loop, STDIN_FILENO, EV_READ, 10., stdin_ready, "data");
  printf("run returned %d\n", ev_run(loop, 0));
  printf("ev_once example: stdin stays empty, 30 ms timeout\n");
  new_stdin(NULL);
  ev_once(loop, STDIN_FILENO, EV_READ, 0.03, stdin_ready, "empty");
  printf("run returned %d\n", ev_run(loop, 0));
  printf("ev_once example: stdin has data and the timeout is 0\n");
  new_stdin("z");
  ev_once(loop, STDIN_FILENO, EV_READ, 0., stdin_ready, "both");
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
