/* ev_embed: an epoll loop embedded in the default loop (whatever its backend). Without a
 * callback the embedding loop sweeps the embedded one itself; with one, the callback gets
 * EV_EMBED and sweeps, and is called again while it does not. A watcher started in the embedded
 * loop just before the embedding loop blocks still wakes it (the embed watcher applies the
 * embedded loop's fd changes first). Stopping the embed watcher stops the sweeping. */
#include "compat.h"

static struct ev_loop *outer, *inner;
static int fds[2];
static ev_io reader;
static int skip_sweeps;

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  printf("  inner: ");
  trace(loop, w, revents);
  char byte;
  require(read(w->fd, &byte, 1) == 1, "read");
}

static void on_embed(struct ev_loop *loop, ev_embed *w, int revents) {
  trace(loop, w, revents);
  if (skip_sweeps) {
    --skip_sweeps;
    printf("  not sweeping\n");
    return;
  }
  ev_embed_sweep(loop, w);
}

static void start_reader(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_io_start(inner, &reader);
  printf("  started the inner reader\n");
}

static void show_runs(const char *what) {
  int result = ev_run(outer, EVRUN_NOWAIT);
  printf("%s: outer run returned %d (outer iteration %u, inner iteration %u)\n", what, result,
         ev_iteration(outer), ev_iteration(inner));
}

int main(void) {
  compat_begin();
  outer = ev_default_loop(0);
  inner = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  require(inner != NULL, "ev_loop_new");
  printf("embeddable backends include epoll: %d\n", !!(ev_embeddable_backends() & EVBACKEND_EPOLL));
  require(pipe(fds) == 0, "pipe");
  ev_io_init(&reader, on_readable, fds[0], EV_READ);
  reader.data = "reader";
  ev_io_start(inner, &reader);

  printf("automatic sweeping\n");
  ev_embed automatic;
  ev_embed_init(&automatic, 0, inner);
  automatic.data = "automatic";
  ev_embed_start(outer, &automatic);
  show_runs("nothing ready");
  require(write(fds[1], "a", 1) == 1, "write");
  show_runs("one byte");
  show_runs("drained");
  ev_embed_stop(outer, &automatic);
  show_state(&automatic);

  printf("callback sweeping\n");
  ev_embed manual;
  ev_embed_init(&manual, on_embed, inner);
  manual.data = "manual";
  ev_set_priority(&manual, 1);
  ev_embed_start(outer, &manual);
  skip_sweeps = 2;
  require(write(fds[1], "b", 1) == 1, "write");
  show_runs("one byte, callback skips");
  show_runs("still unswept, callback skips");
  show_runs("callback sweeps");
  show_runs("drained");

  printf("inner watcher started right before the outer loop blocks\n");
  ev_io_stop(inner, &reader);
  require(write(fds[1], "c", 1) == 1, "write");
  ev_timer kick;
  ev_timer_init(&kick, start_reader, 0., 0.);
  kick.data = "kick";
  ev_timer_start(outer, &kick);
  ev_run(outer, EVRUN_ONCE);
  printf("  outer iteration %u\n", ev_iteration(outer));
  /* The embed watcher's prepare runs the embedded loop before the outer loop would block. */
  show_runs("next iteration");

  printf("stopped embed watcher\n");
  ev_embed_stop(outer, &manual);
  require(write(fds[1], "d", 1) == 1, "write");
  show_runs("one byte, nobody sweeps");
  printf("  direct sweep\n");
  ev_run(inner, EVRUN_NOWAIT);
  ev_io_stop(inner, &reader);
  printf("all stopped: outer run returned %d\n", ev_run(outer, 0));
  ev_loop_destroy(inner);
  return 0;
}
