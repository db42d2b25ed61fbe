/* The default loop after ev_loop_destroy: libev keeps it in static storage, so its pointer still
 * answers the accessors (python3-gevent calls ev_userdata on it), and the next ev_default_loop
 * returns the same object with the user data, iteration count and release hooks it had, but the
 * default invoke-pending hook and no backend until it is made again. */
#include "compat.h"

static int releases, invokes;
static void on_release(struct ev_loop *loop) {
  (void)loop;
  ++releases;
}
static void on_acquire(struct ev_loop *loop) {
  (void)loop;
}
static void on_invoke(struct ev_loop *loop) {
  ++invokes;
  ev_invoke_pending(loop);
}

static int anchor, other_anchor;

static const char *userdata_name(struct ev_loop *loop) {
  void *data = ev_userdata(loop);
  return data == &anchor ? "anchor" : data == &other_anchor ? "other" : data ? "?" : "null";
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(loop != NULL, "ev_default_loop");
  ev_set_userdata(loop, &anchor);
  ev_set_loop_release_cb(loop, on_release, on_acquire);
  ev_set_invoke_pending_cb(loop, on_invoke);

  ev_timer timer;
  ev_timer_init(&timer, TRACE_CB(ev_timer), 0., 0.);
  timer.data = "timer";
  ev_timer_start(loop, &timer);
  ev_run(loop, 0);
  printf("ran: iteration %u, releases>0 %d, invokes>0 %d\n", ev_iteration(loop), releases > 0,
         invokes > 0);

  ev_loop_destroy(loop);
  printf("destroyed: default %d, userdata %s, iteration %u, depth %u, pending %u, backend %u\n",
         ev_is_default_loop(loop), userdata_name(loop), ev_iteration(loop), ev_depth(loop),
         ev_pending_count(loop), ev_backend(loop));
  ev_set_userdata(loop, &other_anchor);
  printf("set on the destroyed loop: userdata %s\n", userdata_name(loop));

  releases = invokes = 0;
  struct ev_loop *again = ev_default_loop(0);
  require(again != NULL, "ev_default_loop again");
  printf("made again: same pointer %d, default %d, userdata %s, iteration %u, backend set %d\n",
         again == loop, ev_is_default_loop(again), userdata_name(again), ev_iteration(again),
         ev_backend(again) != 0);
  ev_timer_start(again, &timer);
  ev_run(again, 0);
  printf("ran again: iteration %u, releases>0 %d, invokes>0 %d\n", ev_iteration(again),
         releases > 0, invokes > 0);

  struct ev_loop *fresh = ev_loop_new(0);
  require(fresh != NULL, "ev_loop_new");
  printf("a new loop: userdata %s, iteration %u\n", userdata_name(fresh), ev_iteration(fresh));
  ev_loop_destroy(fresh);
  ev_loop_destroy(again);
  return 0;
}
