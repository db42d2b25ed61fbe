/* A line-based protocol server over socketpair(AF_UNIX) "connections". The server side reads
 * only four bytes per callback (so a buffered line is re-reported by the level-triggered
 * backend over several iterations), assembles lines that the client sends split across
 * several writes, answers each line, and on "quit" or EOF stops its watcher and closes the
 * connection from inside the callback. An acceptor (a pipe carrying one byte per new client)
 * then opens the next socketpair, whose numbers reuse the closed ones, and the same ev_io
 * structs are re-set to them. Every step is caused by an fd, so iteration numbers are fixed. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>

#include "compat.h"

struct conn {
  ev_io server_io; /* server end */
  ev_io client_io; /* client end: reads the answers */
  int server_fd, client_fd;
  char line[128];
  size_t used;
  int id, step, open, answers;
};

static struct conn conns[2];
static ev_io acceptor;
static int accept_pipe[2];
static int next_id;

/* Per client: the pieces it writes. */
static const char *const script[][6] = {
    {"hel", "lo wor", "ld\nsecond li", "ne\n", "qu", "it\n"},
    {"ab\ncd\n", "ef", "\n", NULL, NULL, NULL}, /* then the client shuts down: EOF */
    {"x\n", "quit\n", NULL, NULL, NULL, NULL},
};

static void set_nonblocking(int fd) {
  require(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0, "fcntl");
}

/* The client writes its pieces in separate writes, all at once. */
static void client_send_next(struct conn *c) {
  const char *piece = c->step < 6 ? script[c->id][c->step] : NULL;
  if (!piece) return;
  ++c->step;
  require(write(c->client_fd, piece, strlen(piece)) == (ssize_t)strlen(piece), "write");
}

static const int answers_before_shutdown[] = {0, 3, 0};

static void close_server(struct ev_loop *loop, struct conn *c, const char *why) {
  printf("  server closes connection %d (%s)\n", c->id, why);
  ev_io_stop(loop, &c->server_io);
  close(c->server_fd);
  show_state(&c->server_io);
}

static void server_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, server_io));
  char buf[4];
  ssize_t n = read(c->server_fd, buf, sizeof buf);
  if (n == 0) {
    close_server(loop, c, "eof");
    return;
  }
  require(n > 0, "read");
  printf("  read %d bytes, %d pending in the loop\n", (int)n, ev_pending_count(loop));
  for (ssize_t i = 0; i < n; ++i) {
    if (buf[i] != '\n') {
      c->line[c->used++] = buf[i];
      continue;
    }
    c->line[c->used] = '\0';
    printf("  line \"%s\"\n", c->line);
    c->used = 0;
    if (strcmp(c->line, "quit") == 0) {
      require(write(c->server_fd, "bye\n", 4) == 4, "write");
      close_server(loop, c, "quit");
      return;
    }
    char answer[160];
    int len = snprintf(answer, sizeof answer, "ok %s\n", c->line);
    require(write(c->server_fd, answer, (size_t)len) == len, "write");
  }
}

static void client_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, client_io));
  char buf[256];
  ssize_t n = read(c->client_fd, buf, sizeof buf - 1);
  if (n == 0) {
    printf("  client %d sees eof, closes, asks for the next client\n", c->id);
    ev_io_stop(loop, w);
    close(c->client_fd);
    c->open = 0;
    if (next_id < 3) require(write(accept_pipe[1], "c", 1) == 1, "write");
    return;
  }
  require(n > 0, "read");
  buf[n] = '\0';
  for (char *p = buf; *p; ++p)
    if (*p == '\n') *p = '|';
  printf("  client %d got \"%s\"\n", c->id, buf);
  for (char *p = buf; *p; ++p)
    if (*p == '|' && ++c->answers == answers_before_shutdown[c->id]) {
      printf("  client %d shuts down its writing side\n", c->id);
      require(shutdown(c->client_fd, SHUT_WR) == 0, "shutdown");
    }
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char b;
  require(read(w->fd, &b, 1) == 1, "read");
  struct conn *c = !conns[0].open ? &conns[0] : &conns[1];
  int s[2];
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
  set_nonblocking(s[0]);
  set_nonblocking(s[1]);
  c->server_fd = s[0];
  c->client_fd = s[1];
  c->id = next_id++;
  c->step = 0;
  c->answers = 0;
  c->used = 0;
  c->open = 1;
  printf("  accepted client %d into slot %d\n", c->id, (int)(c - conns));
  ev_io_set(&c->server_io, s[0], EV_READ);
  ev_io_set(&c->client_io, s[1], EV_READ);
  ev_io_start(loop, &c->server_io);
  ev_io_start(loop, &c->client_io);
  for (int i = 0; i < 6; ++i) client_send_next(c);
  if (next_id == 3) {
    printf("  no more clients: acceptor stops\n");
    ev_io_stop(loop, w);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(pipe(accept_pipe) == 0, "pipe");
  static const char *const server_names[] = {"server 0", "server 1"};
  static const char *const client_names[] = {"client 0", "client 1"};
  for (int i = 0; i < 2; ++i) {
    ev_init(&conns[i].server_io, server_cb);
    ev_init(&conns[i].client_io, client_cb);
    conns[i].server_io.data = (void *)server_names[i];
    conns[i].client_io.data = (void *)client_names[i];
  }
  ev_io_init(&acceptor, accept_cb, accept_pipe[0], EV_READ);
  acceptor.data = "acceptor";
  ev_io_start(loop, &acceptor);
  /* two clients arrive at once */
  require(write(accept_pipe[1], "cc", 2) == 2, "write");
  printf("run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
