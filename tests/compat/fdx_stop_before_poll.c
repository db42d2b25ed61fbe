/* A watched pipe becomes readable inside a timer callback (the loop had it registered and was
 * blocked), and the same callback then changes the watcher before the loop polls again:
 *   stop-start: stops and restarts it;
 *   stop-prepare-start: stops it; a prepare watcher restarts it before the next poll;
 *   stop-restart-later: stops it; another timer restarts it 40 ms later;
 *   set-other-fd: stops it, ev_io_set to another (idle) pipe, starts it;
 *   set-write-only: stops it, ev_io_set to the same fd for EV_WRITE (a read end never is);
 *   set-write-only-later: the same, and 40 ms later back to EV_READ;
 *   modify-via-second: a second watcher for EV_WRITE on the fd is started, the reader stopped.
 * Nothing reads until the reader's callback, which reads one byte and stops it. A check watcher
 * traces the iterations; a finishing timer ends each case (own child, own default loop). */
#include "compat.h"

enum kind {
  STOP_START,
  STOP_PREPARE_START,
  STOP_RESTART_LATER,
  SET_OTHER_FD,
  SET_WRITE_ONLY,
  SET_WRITE_ONLY_LATER,
  MODIFY_VIA_SECOND
};
static const char *const kind_names[] = {
    "stop-start",     "stop-prepare-start",   "stop-restart-later", "set-other-fd",
    "set-write-only", "set-write-only-later", "modify-via-second"};

static enum kind kind;
static int fds[2], other[2];
static ev_io reader, second;
static ev_timer trigger, later, finisher;
static ev_prepare prepare;

static void on_reader(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  ev_io_stop(loop, w);
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents) {
  printf("prepare %s: restarting the reader\n", revents_text(revents));
  ev_io_start(loop, &reader);
  ev_prepare_stop(loop, w);
}

static void on_trigger(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  require(write(fds[1], "x", 1) == 1, "write");
  printf("  pipe written\n");
  switch (kind) {
    case STOP_START:
      ev_io_stop(loop, &reader);
      ev_io_start(loop, &reader);
      break;
    case STOP_PREPARE_START:
      ev_io_stop(loop, &reader);
      ev_prepare_start(loop, &prepare);
      break;
    case STOP_RESTART_LATER:
      ev_io_stop(loop, &reader);
      ev_timer_start(loop, &later);
      break;
    case SET_OTHER_FD:
      ev_io_stop(loop, &reader);
      ev_io_set(&reader, other[0], EV_READ);
      ev_io_start(loop, &reader);
      ev_timer_start(loop, &later);
      break;
    case SET_WRITE_ONLY:
      ev_io_stop(loop, &reader);
      ev_io_set(&reader, fds[0], EV_WRITE);
      ev_io_start(loop, &reader);
      break;
    case SET_WRITE_ONLY_LATER:
      ev_io_stop(loop, &reader);
      ev_io_set(&reader, fds[0], EV_WRITE);
      ev_io_start(loop, &reader);
      ev_timer_start(loop, &later);
      break;
    case MODIFY_VIA_SECOND:
      ev_io_start(loop, &second);
      ev_io_stop(loop, &reader);
      ev_timer_start(loop, &later);
      break;
  }
  show_state(&reader);
}

static void on_later(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, &reader);
  ev_io_stop(loop, &second);
  ev_io_set(&reader, fds[0], EV_READ);
  ev_io_start(loop, &reader);
  printf("  reader restarted on the written pipe for READ\n");
}

static void on_finisher(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show_state(&reader);
  ev_io_stop(loop, &reader);
  ev_io_stop(loop, &second);
  stop_tracing_iterations(loop);
}

static void run_case(const void *arg) {
  kind = *(const enum kind *)arg;
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(fds) == 0 && pipe(other) == 0, "pipe");
  ev_io_init(&reader, on_reader, fds[0], EV_READ);
  reader.data = "reader";
  ev_io_init(&second, on_reader, fds[0], EV_WRITE);
  second.data = "second";
  ev_io_start(loop, &reader);
  ev_prepare_init(&prepare, on_prepare);
  ev_timer_init(&trigger, on_trigger, 0.02, 0.);
  trigger.data = "trigger";
  ev_timer_start(loop, &trigger);
  ev_timer_init(&later, on_later, 0.04, 0.);
  later.data = "later";
  ev_timer_init(&finisher, on_finisher, 0.15, 0.);
  finisher.data = "finisher";
  ev_timer_start(loop, &finisher);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
}

int main(void) {
  compat_begin();
  for (enum kind k = STOP_START; k <= MODIFY_VIA_SECOND; ++k)
    run_isolated(kind_names[k], run_case, &k);
  return 0;
}
