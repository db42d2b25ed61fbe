/* ev_io_stop/ev_io_start from inside callbacks: restarting yourself, handing the fd to another
 * watcher, and starting a watcher for another fd. The pipe is never drained, so the read end
 * stays readable and every restart is observable in the following iteration. */
#include "compat.h"

static ev_io first, second, writer;
static int calls_of_first;

static void on_first(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ++calls_of_first;
  if (calls_of_first == 1) {
    ev_io_stop(loop, w);
    ev_io_start(loop, w);
    printf("  restarted itself\n");
  } else if (calls_of_first == 2) {
    ev_io_stop(loop, w);
    ev_io_start(loop, &second);
    printf("  handed the fd to second\n");
  } else {
    ev_io_stop(loop, w);
    ev_break(loop, EVBREAK_ALL);
    printf("  stopped itself and broke the loop\n");
  }
  show_state(w);
}

static void on_second(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, w);
  ev_io_start(loop, &writer);
  printf("  started writer on the other end\n");
  show_state(w);
}

static void on_writer(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, w);
  ev_io_start(loop, &first);
  printf("  gave the read end back to first\n");
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  int fds[2];
  require(pipe(fds) == 0, "pipe");
  require(write(fds[1], "data", 4) == 4, "write");

  ev_io_init(&first, on_first, fds[0], EV_READ);
  ev_io_init(&second, on_second, fds[0], EV_READ);
  ev_io_init(&writer, on_writer, fds[1], EV_WRITE);
  first.data = "first";
  second.data = "second";
  writer.data = "writer";
  ev_io_start(loop, &first);
  printf("run returned %d\n", ev_run(loop, 0));
  show_state(&first);
  show_state(&second);
  show_state(&writer);
  printf("first was called %d times in %u iterations\n", calls_of_first, ev_iteration(loop));
  return 0;
}
