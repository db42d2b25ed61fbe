/* A reader stops itself in its callback while its pipe is still readable (one of two bytes
 * read), closes the pipe, and the fd number is at once reused by a new pipe that is already
 * readable but has no watcher:
 *   reuse-unwatched: nothing watches the new pipe; does the loop still wake up for the number?
 *   reuse-not-ready: the same, but the new pipe is not readable (written 40 ms later);
 *   no-close: the reader only stops itself (the documented single extra wake-up of epoll);
 *   dup2-over: instead of close and reuse, another readable pipe is dup2()ed onto the number.
 * A check watcher traces the iterations; a finishing timer ends each case; each case runs in
 * its own child with its own default loop. */
#include "compat.h"

enum kind { REUSE_UNWATCHED, REUSE_NOT_READY, NO_CLOSE, DUP2_OVER };
static const char *const kind_names[] = {"reuse-unwatched", "reuse-not-ready", "no-close",
                                         "dup2-over"};

static enum kind kind;
static int fds[2], fresh[2];
static ev_io reader;
static ev_timer writer, finisher;

static void on_reader(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  ev_io_stop(loop, w);
  if (kind == NO_CLOSE) return;
  int number = fds[0];
  if (kind == DUP2_OVER) {
    require(pipe(fresh) == 0, "pipe");
    require(write(fresh[1], "n", 1) == 1, "write");
    require(dup2(fresh[0], number) == number, "dup2");
    close(fresh[0]);
    printf("  dup2()ed a readable pipe onto the number\n");
    return;
  }
  require(close(number) == 0, "close");
  require(pipe(fresh) == 0, "pipe");
  printf("  closed; the new pipe %s the number\n",
         fresh[0] == number ? "reuses" : "does not reuse");
  if (kind == REUSE_UNWATCHED) {
    require(write(fresh[1], "n", 1) == 1, "write");
    printf("  new pipe readable\n");
  } else {
    ev_timer_start(loop, &writer);
  }
}

static void on_writer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  require(write(fresh[1], "n", 1) == 1, "write");
  printf("  new pipe readable\n");
}

static void on_finisher(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  stop_tracing_iterations(loop);
}

static void run_case(const void *arg) {
  kind = *(const enum kind *)arg;
  struct ev_loop *loop = ev_default_loop(0);
  ev_timer_init(&finisher, on_finisher, 0.15, 0.);
  finisher.data = "finisher";
  ev_timer_start(loop, &finisher);
  ev_timer_init(&writer, on_writer, 0.04, 0.);
  writer.data = "writer";
  require(pipe(fds) == 0, "pipe");
  require(write(fds[1], "xx", 2) == 2, "write");
  ev_io_init(&reader, on_reader, fds[0], EV_READ);
  reader.data = "reader";
  ev_io_start(loop, &reader);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
}

int main(void) {
  compat_begin();
  for (enum kind k = REUSE_UNWATCHED; k <= DUP2_OVER; ++k)
    run_isolated(kind_names[k], run_case, &k);
  return 0;
}
