/* A libevent 1.4 style echo service over socketpairs, the way such programs use the API: the
 * server keeps a persistent read event per connection and re-adds it with an idle timeout after
 * every read (restarting the timeout), queues replies behind a one-shot write event it re-adds
 * while output remains, and closes idle connections, and finished ones once their replies are
 * out. Three clients: one plays
 * ping-pong, one sends a burst and shuts down, one stays silent and is timed out. Each
 * connection's story is printed at the end, so the output does not depend on how the backends
 * interleave connections. */
#include <ctype.h>
#include <sys/socket.h>

#include "evt.h"

enum { CLIENTS = 3, IDLE_MS = 300 };

struct conn {
  const char *name;
  int server_fd, client_fd;
  struct event server_read, server_write, client_read, client_write;
  char out[256];
  size_t out_len;
  int pings_left, server_bytes, client_bytes, server_reads, writes, closing;
  char story[1024];
};

static struct conn conns[CLIENTS];
static int open_conns = CLIENTS;

static void note(struct conn *c, const char *text) {
  strncat(c->story, text, sizeof c->story - strlen(c->story) - 1);
  strncat(c->story, "\n", sizeof c->story - strlen(c->story) - 1);
}

static void close_server_side(struct conn *c, const char *why) {
  note(c, why);
  event_del(&c->server_read);
  event_del(&c->server_write);
  close(c->server_fd);
  if (--open_conns == 0) note(c, "last connection closed");
}

static void on_server_write(int fd, short events, void *arg) {
  struct conn *c = arg;
  (void)events;
  ssize_t n = write(fd, c->out, c->out_len);
  require(n > 0, "server write");
  memmove(c->out, c->out + n, c->out_len - (size_t)n);
  c->out_len -= (size_t)n;
  ++c->writes;
  if (c->out_len)
    event_add(&c->server_write, NULL);
  else if (c->closing)
    close_server_side(c, "server: replies flushed, closing");
}

static void on_server_read(int fd, short events, void *arg) {
  struct conn *c = arg;
  char buf[64], text[96];
  if (events & EV_TIMEOUT) {
    sprintf(text, "server: idle timeout after %d reads", c->server_reads);
    close_server_side(c, text);
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) {
    sprintf(text, "server: end of input after %d bytes", c->server_bytes);
    if (!c->out_len) {
      close_server_side(c, text);
      return;
    }
    note(c, text);
    event_del(&c->server_read); /* the write event closes once the replies are out */
    c->closing = 1;
    return;
  }
  ++c->server_reads;
  c->server_bytes += (int)n;
  for (ssize_t i = 0; i < n; ++i) c->out[c->out_len++] = (char)toupper((unsigned char)buf[i]);
  event_add(&c->server_write, NULL);
  struct timeval tv;
  event_add(&c->server_read, evt_ms(&tv, IDLE_MS)); /* activity restarts the idle timeout */
}

static void on_client_write(int fd, short events, void *arg) {
  struct conn *c = arg;
  (void)events;
  char text[64];
  if (c->pings_left > 0) {
    sprintf(text, "ping %d\n", c->pings_left--);
    require(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "client write");
    text[strlen(text) - 1] = '\0';
    note(c, text);
  } else {
    const char *burst = "one\ntwo\nthree\nfour\nfive\n";
    require(write(fd, burst, strlen(burst)) == (ssize_t)strlen(burst), "burst");
    shutdown(fd, SHUT_WR);
    note(c, "client: burst sent, write side shut");
  }
}

static void on_client_read(int fd, short events, void *arg) {
  struct conn *c = arg;
  (void)events;
  char buf[128], text[160];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n <= 0) {
    sprintf(text, "client: connection closed after %d echoed bytes", c->client_bytes);
    note(c, text);
    event_del(&c->client_read);
    close(fd);
    return;
  }
  c->client_bytes += (int)n;
  buf[n] = '\0';
  if (c->pings_left > 0 && strchr(buf, '\n')) event_add(&c->client_write, NULL);
  if (c->pings_left == 0 && !strcmp(c->name, "ping-pong") && c->client_bytes == 21) {
    shutdown(fd, SHUT_WR);
    note(c, "client: all pongs back, write side shut");
  }
}

int main(void) {
  compat_begin();
  event_init();
  static const char *names[CLIENTS] = {"ping-pong", "burst", "silent"};
  for (int i = 0; i < CLIENTS; ++i) {
    struct conn *c = &conns[i];
    int pair[2];
    require(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0, "socketpair");
    c->name = names[i];
    c->server_fd = pair[0];
    c->client_fd = pair[1];
    c->pings_left = i == 0 ? 3 : 0;
    struct timeval tv;
    event_set(&c->server_read, c->server_fd, EV_READ | EV_PERSIST, on_server_read, c);
    event_add(&c->server_read, evt_ms(&tv, IDLE_MS));
    event_set(&c->server_write, c->server_fd, EV_WRITE, on_server_write, c);
    event_set(&c->client_read, c->client_fd, EV_READ | EV_PERSIST, on_client_read, c);
    event_add(&c->client_read, NULL);
    event_set(&c->client_write, c->client_fd, EV_WRITE, on_client_write, c);
    if (i < 2) event_add(&c->client_write, NULL);
  }
  printf("dispatch returns %d\n", event_dispatch());
  for (int i = 0; i < CLIENTS; ++i) {
    struct conn *c = &conns[i];
    printf("== %s: server read %d bytes, client got %d back\n%s", c->name, c->server_bytes,
           c->client_bytes, c->story);
  }
  return 0;
}
