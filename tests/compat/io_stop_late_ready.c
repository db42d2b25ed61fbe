/* An fd whose watcher was stopped while it was not ready, and that becomes ready later while the
 * loop blocks: libev's epoll backend still has it registered and wakes once, with no callback;
 * select and poll do not wake. (evring's io_uring backend, whose poll would keep the file open,
 * registers such an fd in its internal epoll set: see docs/io_uring.md.) A check watcher traces
 * every iteration. */
#include "compat.h"

static int fds[2];
static ev_io reader;
static ev_timer stopper, writer, finisher;

static void on_stopper(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, &reader);
}

static void on_writer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  require(write(fds[1], "x", 1) == 1, "write");
}

static void on_finisher(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  stop_tracing_iterations(loop);
}

static void start_timer(struct ev_loop *loop, ev_timer *timer,
                        void (*cb)(struct ev_loop *, ev_timer *, int), double after,
                        const char *label) {
  ev_timer_init(timer, cb, after, 0.);
  timer->data = (void *)label;
  ev_timer_start(loop, timer);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(fds) == 0, "pipe");
  ev_io_init(&reader, TRACE_CB(ev_io), fds[0], EV_READ);
  reader.data = "reader";
  ev_io_start(loop, &reader);
  trace_iterations(loop);
  start_timer(loop, &stopper, on_stopper, 0.02, "stopper");
  start_timer(loop, &writer, on_writer, 0.05, "writer");
  start_timer(loop, &finisher, on_finisher, 0.1, "finisher");
  int result = ev_run(loop, 0);
  printf("run returned %d after %u iterations\n", result, ev_iteration(loop));
  return 0;
}
