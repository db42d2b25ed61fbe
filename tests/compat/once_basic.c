/* ev_once: a one-shot io-or-timeout callback. It gets EV_READ when the fd is ready first,
 * EV_TIMER when the timeout comes first, both when both happen in one iteration, and only
 * runs once; no fd (-1) means only the timeout, a negative timeout means only the fd. */
#include "compat.h"

static struct ev_loop *loop;

static int ready[2], quiet[2];

/* Drains the ready pipe after each use: libev's epoll backend keeps an fd registered after its
 * watcher stops, and a still-readable fd would cost it an extra wakeup. */
static void on_once(int revents, void *arg) {
  printf("[iter %u] %s %s\n", ev_iteration(loop), (const char *)arg, revents_text(revents));
  char byte;
  if (revents & EV_READ) require(read(ready[0], &byte, 1) == 1, "read");
}

static void refill(void) {
  require(write(ready[1], "r", 1) == 1, "write");
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  require(pipe(ready) == 0 && pipe(quiet) == 0, "pipe");
  refill();

  ev_once(loop, ready[0], EV_READ, 5., on_once, "ready-fd-long-timeout");
  printf("run returned %d\n", ev_run(loop, 0));
  ev_once(loop, quiet[0], EV_READ, 0.01, on_once, "quiet-fd-short-timeout");
  printf("run returned %d\n", ev_run(loop, 0));
  refill();
  ev_once(loop, ready[0], EV_READ, -1., on_once, "ready-fd-no-timeout");
  printf("run returned %d\n", ev_run(loop, 0));
  ev_once(loop, -1, 0, 0.01, on_once, "no-fd-short-timeout");
  printf("run returned %d\n", ev_run(loop, 0));
  refill();
  ev_once(loop, ready[0], EV_READ, -0.5, on_once, "ready-fd-no-timeout-again");
  ev_once(loop, quiet[1], EV_WRITE, 0., on_once, "writable-fd-zero-timeout");
  ev_once(loop, -1, 0, -0., on_once, "no-fd-zero-timeout");
  printf("run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
