/* The ev_embed examples: try to get an embeddable loop (embeddable and recommended backends,
 * which is epoll on Linux) and embed it into the default loop with automatic sweeping, falling
 * back to the default loop otherwise; and the kqueue example, which finds no kqueue on Linux and
 * uses the default loop for sockets. Then loop_lo does the I/O and loop_hi the timers: a timer
 * in loop_hi writes a byte to a pipe 10 ms after it is started, a reader in loop_lo reads it and
 * starts the timer again (so that a loaded machine cannot merge two writes into one iteration),
 * and after the third byte ev_break (loop_hi, EVBREAK_ALL) from the reader ends the outer ev_run
 * (a 1 s guard timer bounds the wait). Which backend loop_lo gets is not printed. */
#include "compat.h"

static struct ev_loop *loop_hi, *loop_lo;
static int fds[2], written, received;
static ev_timer guard, writer;

static void reader_cb(struct ev_loop *loop, ev_io *w, int revents) {
  printf("  loop_lo is %s: ", loop == loop_lo ? "the embedded loop" : "loop_hi");
  trace_untimed(w, revents);
  char byte;
  require(read(w->fd, &byte, 1) == 1, "read");
  printf("  read '%c', outer depth %u\n", byte, ev_depth(loop_hi));
  if (++received == 3) {
    ev_timer_stop(loop_hi, &guard);
    ev_break(loop_hi, EVBREAK_ALL);
  } else {
    ev_timer_start(loop_hi, &writer);
  }
}

/* Bounds the wait should the embedded loop's events never reach loop_hi. */
static void guard_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  printf("  no progress for a second, received %d\n", received);
  ev_break(loop, EVBREAK_ALL);
}

static void writer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  trace_untimed(w, revents);
  char byte = (char)('a' + written++);
  require(write(fds[1], &byte, 1) == 1, "write");
}

int main(void) {
  compat_begin();
  loop_hi = ev_default_loop(0);  // the manual says ev_default_init, gone since libev 4
  loop_lo = 0;
  ev_embed embed;

  // see if there is a chance of getting one that works
  // (remember that a flags value of 0 means autodetection)
  // (EVFLAG_NOENV added: LIBEV_FLAGS, which run.sh sets, would override the backend choice)
  loop_lo = ev_embeddable_backends() & ev_recommended_backends()
                ? ev_loop_new((ev_embeddable_backends() & ev_recommended_backends()) | EVFLAG_NOENV)
                : 0;

  // if we got one, then embed it, otherwise default to loop_hi
  if (loop_lo) {
    ev_embed_init(&embed, 0, loop_lo);
    ev_embed_start(loop_hi, &embed);
  } else
    loop_lo = loop_hi;
  printf("embeddable loop: %s\n", loop_lo != loop_hi ? "yes" : "no");

  struct ev_loop *loop_socket = 0;
  ev_embed kqueue_embed;
  if (ev_supported_backends() & ~ev_recommended_backends() & EVBACKEND_KQUEUE)
    if ((loop_socket = ev_loop_new(EVBACKEND_KQUEUE | EVFLAG_NOENV))) {
      ev_embed_init(&kqueue_embed, 0, loop_socket);
      ev_embed_start(loop_hi, &kqueue_embed);
    }
  if (!loop_socket) loop_socket = loop_hi;
  printf("kqueue socket loop: %s\n", loop_socket != loop_hi ? "yes" : "no, using loop_hi");

  require(pipe(fds) == 0, "pipe");
  ev_io reader;
  ev_io_init(&reader, reader_cb, fds[0], EV_READ);
  reader.data = "reader";
  ev_io_start(loop_lo, &reader);
  ev_timer_init(&writer, writer_cb, 0.01, 0.);
  writer.data = "writer";
  ev_timer_start(loop_hi, &writer);
  ev_timer_init(&guard, guard_cb, 1., 0.);
  guard.data = "guard";
  ev_timer_start(loop_hi, &guard);
  printf("run returned %d\n", ev_run(loop_hi, 0));
  printf("received %d, embed active %d\n", received, loop_lo != loop_hi && ev_is_active(&embed));

  ev_io_stop(loop_lo, &reader);
  ev_timer_stop(loop_hi, &writer);
  ev_timer_stop(loop_hi, &guard);
  if (loop_lo != loop_hi) {
    ev_embed_stop(loop_hi, &embed);
    ev_loop_destroy(loop_lo);
  }
  printf("all stopped: run returned %d\n", ev_run(loop_hi, 0));
  return 0;
}
