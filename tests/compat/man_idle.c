/* The ev_idle example (a malloc'ed idle watcher that stops and frees itself in its callback) and
 * the lock-out example of WATCHER PRIORITY MODELS: the stdin io watcher only stops itself and
 * starts an idle watcher, which does the actual reading once nothing of the same or higher
 * priority is pending, then restarts the io watcher. A "busy" io watcher of priority 1 on
 * another pipe holding three bytes keeps the idle watcher locked out for three iterations. stdin
 * is a pipe dup2'ed onto fd 0 that holds "hello" and whose writer is closed, so the reader sees
 * the data, then EOF. Only one fd is ready per priority, so backends cannot reorder them. */
#include "compat.h"

static ev_idle idle;  // actual processing watcher
static ev_io io;      // actual event watcher
static ev_io busy;
static int busy_fds[2];

static void idle_cb_free(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  ev_idle_stop(loop, w);
  free(w);
  printf("  stopped and freed\n");
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  // stop the I/O watcher, we received the event, but are not yet ready to handle it
  ev_io_stop(loop, w);
  // start the idle watcher to handle the actual event
  ev_idle_start(loop, &idle);
}

static void idle_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  ev_idle_stop(loop, w);
  char buffer[16];
  ssize_t got = read(STDIN_FILENO, buffer, sizeof buffer);
  require(got >= 0, "read");
  if (got > 0)
    printf("  read %d bytes: %.*s\n", (int)got, (int)got, buffer);
  else
    printf("  end of file\n");
  // have to start the I/O watcher again, as we have handled the event (unless at EOF)
  if (got > 0) ev_io_start(loop, &io);
}

static void busy_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char byte;
  require(read(w->fd, &byte, 1) == 1, "read");
  if (byte == '3') {
    printf("  no more work\n");
    ev_io_stop(loop, w);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("dynamically allocated idle watcher\n");
  ev_idle *idle_watcher = malloc(sizeof(ev_idle));
  ev_idle_init(idle_watcher, idle_cb_free);
  idle_watcher->data = "idle_watcher";
  ev_idle_start(loop, idle_watcher);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("lock-out model with an idle watcher\n");
  int stdin_fds[2];
  require(pipe(stdin_fds) == 0, "pipe");
  require(dup2(stdin_fds[0], STDIN_FILENO) == STDIN_FILENO, "dup2");
  close(stdin_fds[0]);
  require(write(stdin_fds[1], "hello", 5) == 5, "write");
  close(stdin_fds[1]);
  require(pipe(busy_fds) == 0, "pipe");
  require(write(busy_fds[1], "123", 3) == 3, "write");

  ev_idle_init(&idle, idle_cb);
  idle.data = "idle";
  ev_io_init(&io, io_cb, STDIN_FILENO, EV_READ);
  io.data = "io";
  ev_io_start(loop, &io);
  ev_io_init(&busy, busy_cb, busy_fds[0], EV_READ);
  busy.data = "busy-priority-1";
  ev_set_priority(&busy, 1);
  ev_io_start(loop, &busy);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
