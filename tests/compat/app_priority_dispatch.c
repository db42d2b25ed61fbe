/* A server that dispatches by priority: a control connection (priority 2), two data
 * connections (0), a bulk transfer (-2), a zero timer for deferred work (1), and idle
 * watchers at -1 and 0, all ready in the same iterations. Then the control callback opens a
 * "modal" nested ev_run (EVRUN_NOWAIT), which first invokes what the outer iteration still had
 * pending, at depth 2; a data callback breaks out of the outer loop with EVBREAK_ONE while
 * lower priority callbacks are still pending (they still run in that iteration). */
#include <sys/socket.h>

#include "compat.h"

static ev_io control, data1, data2, bulk;
static ev_timer deferred;
static ev_idle idle_low, idle_mid;
static int control_p[2], d1[2], d2[2], bulk_p[2];
static int phase;

static void consume(ev_io *w) {
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  consume(w);
  printf("  pending %d\n", ev_pending_count(loop));
  if (w == &control && phase == 1) {
    printf("  modal nested run\n");
    int r = ev_run(loop, EVRUN_NOWAIT);
    printf("  nested run returned %d, back at depth %u\n", !!r, ev_depth(loop));
  }
  if (w == &data2 && phase == 2) {
    printf("  data connection breaks the loop\n");
    ev_break(loop, EVBREAK_ONE);
  }
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  printf("  pending %d\n", ev_pending_count(loop));
}

static void idle_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  ev_idle_stop(loop, w);
}

static void make_ready(struct ev_loop *loop) {
  require(write(control_p[1], "c", 1) == 1, "write");
  require(write(d1[1], "1", 1) == 1, "write");
  require(write(d2[1], "2", 1) == 1, "write");
  require(write(bulk_p[1], "b", 1) == 1, "write");
  ev_timer_start(loop, &deferred);
  ev_idle_start(loop, &idle_low);
  ev_idle_start(loop, &idle_mid);
}

static void setup_io(ev_io *w, int *fds, const char *name, int priority) {
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
  ev_io_init(w, io_cb, fds[0], EV_READ);
  w->data = (void *)name;
  ev_set_priority(w, priority);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  setup_io(&control, control_p, "control", 2);
  setup_io(&data1, d1, "data 1", 0);
  setup_io(&data2, d2, "data 2", 0);
  setup_io(&bulk, bulk_p, "bulk", -2);
  ev_timer_init(&deferred, timer_cb, 0., 0.);
  deferred.data = "deferred";
  ev_set_priority(&deferred, 1);
  ev_idle_init(&idle_low, idle_cb);
  ev_idle_init(&idle_mid, idle_cb);
  idle_low.data = "idle -1";
  idle_mid.data = "idle 0";
  ev_set_priority(&idle_low, -1);
  ev_set_priority(&idle_mid, 0);
  ev_io_start(loop, &control);
  ev_io_start(loop, &data1);
  ev_io_start(loop, &data2);
  ev_io_start(loop, &bulk);
  ev_run(loop, EVRUN_NOWAIT);

  for (phase = 0; phase < 3; ++phase) {
    printf("phase %d\n", phase);
    make_ready(loop);
    int r = ev_run(loop, phase == 2 ? 0 : EVRUN_ONCE);
    printf(" run returned %d\n", !!r);
    while (ev_is_active(&idle_low) || ev_is_active(&idle_mid) || ev_is_active(&deferred)) {
      printf(" again\n");
      ev_run(loop, EVRUN_ONCE);
    }
  }
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
