/* One-shot waits as an RPC client writes them: ev_once on a socket with a timeout for each
 * request, answered, unanswered (times out), answered and timed out in the same iteration (one
 * callback with both bits), with no timeout (negative), two outstanding waits on one fd, a wait
 * chained from the previous one's callback, and an answer injected with ev_feed_fd_event
 * instead of arriving on the fd. Each case runs the loop until nothing is left; iterations are
 * printed relative to the case's start except where a timeout is involved. */
#include <fcntl.h>
#include <sys/socket.h>

#include "compat.h"

static int s[2]; /* s[0] client, s[1] server */
static ev_io server;
static unsigned case_start;
static struct ev_loop *loop;
static int answer_requests = 1;

static void server_cb(struct ev_loop *l, ev_io *w, int revents) {
  (void)l, (void)revents;
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  if (answer_requests) require(write(w->fd, &c, 1) == 1, "answer");
}

struct request {
  const char *name;
  int timed;
  int chain;
};

static void once_cb(int revents, void *arg) {
  struct request *r = arg;
  if (r->timed)
    printf("  %s: %s\n", r->name, revents_text(revents));
  else
    printf("  %s: %s in iteration +%u, pending %d\n", r->name, revents_text(revents),
           ev_iteration(loop) - case_start, ev_pending_count(loop));
  if (revents & EV_READ) {
    char c;
    ssize_t n = read(s[0], &c, 1);
    printf("    answer %s\n", n == 1 ? "read" : "missing");
  }
  if (r->chain) {
    static struct request next = {"chained request", 0, 0};
    --r->chain;
    require(write(s[0], "n", 1) == 1, "write");
    ev_once(loop, s[0], EV_READ, 1.0, once_cb, &next);
    printf("    chained a new request\n");
  }
}

static void begin(const char *what) {
  printf("case %s\n", what);
  case_start = ev_iteration(loop);
}

static void finish(void) {
  int r = ev_run(loop, 0);
  printf("  run returned %d\n", r);
}

int main(void) {
  compat_begin();
  loop = EV_DEFAULT;
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
  require(fcntl(s[0], F_SETFL, O_NONBLOCK) == 0, "fcntl");
  ev_io_init(&server, server_cb, s[1], EV_READ);
  ev_io_start(loop, &server);
  ev_unref(loop);

  static struct request answered = {"answered", 0, 0};
  begin("answered request");
  require(write(s[0], "a", 1) == 1, "write");
  ev_once(loop, s[0], EV_READ, 1.0, once_cb, &answered);
  finish();

  static struct request unanswered = {"unanswered", 1, 0};
  begin("unanswered request times out");
  answer_requests = 0;
  require(write(s[0], "b", 1) == 1, "write");
  ev_once(loop, s[0], EV_READ, 0.02, once_cb, &unanswered);
  finish();
  answer_requests = 1;

  static struct request both = {"ready and timed out", 0, 0};
  begin("answer already there and zero timeout");
  require(write(s[1], "c", 1) == 1, "write");
  ev_once(loop, s[0], EV_READ, 0., once_cb, &both);
  finish();

  static struct request no_timeout = {"no timeout", 0, 0};
  begin("negative timeout: wait for the fd only");
  require(write(s[0], "d", 1) == 1, "write");
  ev_once(loop, s[0], EV_READ, -1., once_cb, &no_timeout);
  finish();

  static struct request writable = {"writable", 0, 0};
  begin("wait for writability, no timeout");
  ev_once(loop, s[0], EV_WRITE, -1., once_cb, &writable);
  finish();

  static struct request first = {"first of two", 0, 0}, second = {"second of two", 0, 0};
  begin("two outstanding waits on one fd");
  require(write(s[0], "e", 1) == 1, "write");
  ev_once(loop, s[0], EV_READ, 1.0, once_cb, &first);
  ev_once(loop, s[0], EV_READ, 1.0, once_cb, &second);
  finish();
  char junk[8];
  (void)!read(s[0], junk, sizeof junk);

  static struct request chain = {"chain start", 0, 2};
  begin("chained requests");
  require(write(s[0], "f", 1) == 1, "write");
  ev_once(loop, s[0], EV_READ, 1.0, once_cb, &chain);
  finish();

  static struct request injected = {"injected", 0, 0};
  begin("answer injected with ev_feed_fd_event");
  ev_once(loop, s[0], EV_READ, 1.0, once_cb, &injected);
  ev_feed_fd_event(loop, s[0], EV_WRITE);
  printf("  fed EV_WRITE: pending %d\n", ev_pending_count(loop));
  ev_feed_fd_event(loop, s[0], EV_READ | EV_WRITE);
  printf("  fed EV_READ|EV_WRITE: pending %d\n", ev_pending_count(loop));
  finish();

  static struct request timer_only = {"timer only", 0, 0};
  begin("no fd, zero timeout");
  ev_once(loop, -1, 0, 0., once_cb, &timer_only);
  finish();

  ev_ref(loop);
  ev_io_stop(loop, &server);
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
