/* The README's example: one io, one timer and one signal watcher in the default loop.
 * It echoes what arrives on stdin, and stops at end of input, after 5 quiet seconds, or on
 * Ctrl-C. make check runs it with piped input, so the README cannot drift from the API. */
#include <ev.h>
#include <stdio.h>
#include <unistd.h>

static ev_io stdin_watcher;
static ev_timer idle_timer;
static ev_signal sigint_watcher;

static void stdin_cb(struct ev_loop *loop, ev_io *w, int revents) {
  char buf[256];
  ssize_t n = read(w->fd, buf, sizeof buf);
  if (n <= 0) {
    puts("end of input");
    ev_break(loop, EVBREAK_ALL);
    return;
  }
  printf("read %zd bytes: %.*s", n, (int)n, buf);
  ev_timer_again(loop, &idle_timer); /* input keeps the program alive */
}

static void idle_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  puts("no input for 5 seconds");
  ev_break(loop, EVBREAK_ALL);
}

static void sigint_cb(struct ev_loop *loop, ev_signal *w, int revents) {
  puts("interrupted");
  ev_break(loop, EVBREAK_ALL);
}

int main(void) {
  struct ev_loop *loop = EV_DEFAULT;

  ev_io_init(&stdin_watcher, stdin_cb, STDIN_FILENO, EV_READ);
  ev_io_start(loop, &stdin_watcher);

  ev_timer_init(&idle_timer, idle_cb, 0., 5.);
  ev_timer_again(loop, &idle_timer);

  ev_signal_init(&sigint_watcher, sigint_cb, SIGINT);
  ev_signal_start(loop, &sigint_watcher);

  ev_run(loop, 0);
  return 0;
}
