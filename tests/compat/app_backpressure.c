/* A writer with backpressure. Part 1: a producer sends 1 MiB through a socketpair, writing
 * until EAGAIN and then waiting with an EV_WRITE watcher that it stops again once its queue
 * is empty, while the consumer reads 16 KiB per callback. How often each side runs depends on
 * the kernel's buffer sizes, so only the shape is printed: the callbacks of each iteration as
 * letters (w = writer, r = reader), identical runs of iterations merged. The check watcher that
 * prints them runs before the io callbacks of its own iteration (last queued first), so each
 * line shows the callbacks from one check to the next.
 * Part 2: one socket with a read watcher, a write watcher and a READ|WRITE watcher; the write
 * watcher is stopped when its small queue is drained and started again when a request
 * arrives, so the fd's kernel mask changes back and forth. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "compat.h"

#define TOTAL (1 << 20)
static int s[2];
static ev_io writer, reader;
static ev_prepare flusher;
static size_t queued = TOTAL, received;
static char line[64];
static char last_line[64];
static int repeat_count;
static ev_check iteration_end;

static void set_nonblocking(int fd) {
  require(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0, "fcntl");
}

static void note(char c) {
  size_t n = strlen(line);
  if (n < sizeof line - 1) line[n] = c;
}

static void end_iteration(struct ev_loop *loop, ev_check *w, int revents) {
  (void)loop, (void)w, (void)revents;
  if (!line[0]) return;
  if (strcmp(line, last_line) == 0) {
    ++repeat_count;
  } else {
    if (repeat_count) printf("  x%d\n", repeat_count);
    printf("  iteration: %-10s", line);
    strcpy(last_line, line);
    repeat_count = 1;
  }
  memset(line, 0, sizeof line);
}

static void flush_report(void) {
  end_iteration(NULL, NULL, 0);
  if (repeat_count) printf("  x%d\n", repeat_count);
  repeat_count = 0;
  last_line[0] = '\0';
}

/* Write as much as possible; returns 1 when the queue is empty. */
static int write_some(void) {
  static char chunk[8192];
  while (queued) {
    ssize_t n = write(s[0], chunk, queued < sizeof chunk ? queued : sizeof chunk);
    if (n < 0) {
      require(errno == EAGAIN, "write");
      return 0;
    }
    queued -= (size_t)n;
  }
  return 1;
}

static void writer_cb(struct ev_loop *loop, ev_io *w, int revents) {
  require(revents == EV_WRITE, "writer revents");
  note('w');
  if (write_some()) {
    ev_io_stop(loop, w);
    note('.');
  }
}

static void reader_cb(struct ev_loop *loop, ev_io *w, int revents) {
  require(revents == EV_READ, "reader revents");
  static char buf[16384];
  ssize_t n = read(w->fd, buf, sizeof buf);
  require(n >= 0, "read");
  note('r');
  received += (size_t)n;
  if (n == 0) {
    note('|');
    ev_io_stop(loop, w);
  }
  if (received == TOTAL && queued == 0 && !ev_is_active(&writer) && n > 0) {
    note('!');
    require(shutdown(s[0], SHUT_WR) == 0, "shutdown");
  }
}

/* Prepare: the application's "flush before sleeping" hook starts the writer when needed. */
static void flusher_cb(struct ev_loop *loop, ev_prepare *w, int revents) {
  (void)w, (void)revents;
  if (queued && !ev_is_active(&writer) && !write_some()) {
    note('+');
    ev_io_start(loop, &writer);
  }
}

/* Part 2 */
static int p[2];
static ev_io p_read, p_write, p_both;
static int pending_answers, requests;

static void p_read_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  ssize_t n = read(w->fd, &c, 1);
  if (n == 0) {
    printf("  eof: stopping all three\n");
    ev_io_stop(loop, &p_read);
    ev_io_stop(loop, &p_write);
    ev_io_stop(loop, &p_both);
    return;
  }
  require(n == 1, "read");
  ++pending_answers;
  printf("  request %c, %d answers queued\n", c, pending_answers);
  if (!ev_is_active(&p_write)) {
    printf("  write watcher started\n");
    ev_io_start(loop, &p_write);
  }
}

static void p_write_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  require(write(w->fd, "a", 1) == 1, "write");
  if (--pending_answers == 0) {
    printf("  queue empty: write watcher stopped\n");
    ev_io_stop(loop, w);
  }
}

static ev_io peer;

/* The peer sends the next requests after each batch of answers, then hangs up. */
static void peer_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char buf[8];
  ssize_t n = read(w->fd, buf, sizeof buf);
  require(n > 0, "read");
  printf("  peer got %d answers\n", (int)n);
  if (++requests < 3) {
    require(write(w->fd, requests == 1 ? "BC" : "D", requests == 1 ? 2 : 1) > 0, "write");
  } else {
    printf("  peer hangs up\n");
    require(shutdown(w->fd, SHUT_WR) == 0, "shutdown");
    ev_io_stop(loop, w);
  }
}

/* The monitor only watches, its first call drops its write interest. */
static void p_both_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  if (revents & EV_WRITE) {
    printf("  monitor drops its write interest\n");
    ev_io_stop(loop, w);
    ev_io_set(w, w->fd, EV_READ);
    ev_io_start(loop, w);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
  set_nonblocking(s[0]);
  set_nonblocking(s[1]);
  ev_io_init(&writer, writer_cb, s[0], EV_WRITE);
  ev_io_init(&reader, reader_cb, s[1], EV_READ);
  ev_prepare_init(&flusher, flusher_cb);
  ev_check_init(&iteration_end, end_iteration);
  ev_prepare_start(loop, &flusher);
  ev_check_start(loop, &iteration_end);
  ev_unref(loop);
  ev_unref(loop);
  ev_io_start(loop, &reader);
  printf("part 1: 1 MiB with backpressure\n");
  int r = ev_run(loop, 0);
  flush_report();
  printf("run returned %d, received all: %d\n", r, received == TOTAL);
  ev_ref(loop);
  ev_ref(loop);
  ev_prepare_stop(loop, &flusher);
  ev_check_stop(loop, &iteration_end);

  printf("part 2: three watchers on one socket\n");
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0, "socketpair");
  set_nonblocking(p[0]);
  set_nonblocking(p[1]);
  ev_io_init(&p_read, p_read_cb, p[0], EV_READ);
  ev_io_init(&p_write, p_write_cb, p[0], EV_WRITE);
  ev_io_init(&p_both, p_both_cb, p[0], EV_READ | EV_WRITE);
  p_read.data = "reader";
  p_write.data = "writer";
  p_both.data = "monitor";
  ev_io_init(&peer, peer_cb, p[1], EV_READ);
  peer.data = "peer";
  ev_io_start(loop, &peer);
  ev_io_start(loop, &p_read);
  ev_io_start(loop, &p_both);
  require(write(p[1], "A", 1) == 1, "write");
  printf("run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
