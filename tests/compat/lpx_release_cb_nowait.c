/* Reduced from lpx_hooks_count: the ev_set_loop_release_cb pair around an iteration that does
 * not block (EVRUN_NOWAIT). libev calls release/acquire around every backend poll, zero
 * timeout included. */
#include "compat.h"

static int releases, acquires;
static void on_release(struct ev_loop *loop) {
  (void)loop;
  ++releases;
}
static void on_acquire(struct ev_loop *loop) {
  (void)loop;
  ++acquires;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  ev_set_loop_release_cb(loop, on_release, on_acquire);
  ev_run(loop, EVRUN_NOWAIT);
  printf("NOWAIT: releases %d acquires %d\n", releases, acquires);
  ev_loop_destroy(loop);
  return 0;
}
