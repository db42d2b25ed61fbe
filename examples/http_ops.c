/*
 * http_ops: an HTTP/1.1 "hello" server written with completion I/O (evring_op, docs/ops.md).
 * Every GET answers "Hello, world"; HEAD answers its headers. Connections are kept alive as
 * HTTP/1.1 says (HTTP/1.1 unless "Connection: close", HTTP/1.0 only with "Connection:
 * keep-alive"), pipelined requests are answered in order, and bad requests get an error status
 * and a close.
 *
 *   http_ops [-p port] [-b select|poll|epoll|io_uring] [-P]
 *
 * Without -P a connection receives into its request buffer only while it has no complete
 * request to answer. With -P a multishot receive runs all along and its pool buffers are copied
 * into the request buffer and given back at once. Ctrl-C or SIGTERM stops it.
 */
#define _GNU_SOURCE
#include "ops_server.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { REQUEST_MAX = 8192, RESPONSE_MAX = 256, POOL_BUFFERS = 1024, POOL_BUFFER_BYTES = 4096 };

struct http_conn {
  struct ops_conn base; /* first: the skeleton allocates and frees the whole struct */
  evring_op rx, tx;
  int sending;     /* tx is active: the next request waits for it */
  int close_after; /* the response being sent is the last one */
  int peer_done;   /* the client sent EOF */
  int overflow;    /* -P: more arrived than the request buffer holds */
  size_t in_len;   /* bytes in `in` */
  char out[RESPONSE_MAX];
  char in[REQUEST_MAX];
};

struct request {
  int status; /* 200, or the error to answer */
  int head;   /* HEAD: no body */
  int keep_alive;
};

/* ---- parsing ------------------------------------------------------------------------------- */

/* The length of the request head (through its blank line), or 0 while it is incomplete. */
static size_t head_length(const char *in, size_t length) {
  const char *end = memmem(in, length, "\r\n\r\n", 4);
  return end ? (size_t)(end - in) + 4 : 0;
}

static int has_token(const char *value, size_t length, const char *token) {
  size_t n = strlen(token);
  for (size_t i = 0; i + n <= length; ++i)
    if (strncasecmp(value + i, token, n) == 0) return 1;
  return 0;
}

/* The value of the header on this line if it is `name`, without leading blanks; else NULL. */
static const char *header_value(const char *line, size_t length, const char *name) {
  size_t n = strlen(name);
  if (length <= n || line[n] != ':' || strncasecmp(line, name, n) != 0) return NULL;
  const char *value = line + n + 1;
  while (value < line + length && (*value == ' ' || *value == '\t')) ++value;
  return value;
}

static int is_word(const char *text, size_t length, const char *word) {
  return length == strlen(word) && memcmp(text, word, length) == 0;
}

/* Reads the request line and the headers that matter here: Connection, and anything that
 * announces a body (this server takes none). `length` ends with the blank line. */
static struct request parse(const char *in, size_t length) {
  struct request request = {400, 0, 0};
  const char *line_end = memmem(in, length, "\r\n", 2);
  const char *method_end = memchr(in, ' ', (size_t)(line_end - in));
  const char *target = method_end ? method_end + 1 : NULL;
  const char *target_end = target ? memchr(target, ' ', (size_t)(line_end - target)) : NULL;
  const char *version = target_end ? target_end + 1 : NULL;
  if (!version || *target != '/' || line_end - version != 8 || memcmp(version, "HTTP/1.", 7) ||
      (version[7] != '0' && version[7] != '1'))
    return request;
  request.keep_alive = version[7] == '1';
  for (const char *line = line_end + 2; line < in + length - 2;) {
    const char *end = memmem(line, (size_t)(in + length - line), "\r\n", 2);
    size_t n = (size_t)(end - line);
    const char *value;
    if ((value = header_value(line, n, "Connection"))) {
      if (has_token(value, (size_t)(end - value), "close")) request.keep_alive = 0;
      if (has_token(value, (size_t)(end - value), "keep-alive")) request.keep_alive = 1;
    } else if (header_value(line, n, "Transfer-Encoding") ||
               ((value = header_value(line, n, "Content-Length")) &&
                !is_word(value, (size_t)(end - value), "0"))) {
      request.status = 413;
      return request;
    }
    line = end + 2;
  }
  size_t method_length = (size_t)(method_end - in);
  request.head = is_word(in, method_length, "HEAD");
  request.status = request.head || is_word(in, method_length, "GET") ? 200 : 405;
  return request;
}

static size_t compose(char *out, const struct request *request) {
  const char *reason = request->status == 200   ? "OK"
                       : request->status == 405 ? "Method Not Allowed"
                       : request->status == 413 ? "Payload Too Large"
                       : request->status == 431 ? "Request Header Fields Too Large"
                                                : "Bad Request";
  char error_body[64];
  snprintf(error_body, sizeof error_body, "%d %s\n", request->status, reason);
  const char *body = request->status == 200 ? "Hello, world\n" : error_body;
  int n = snprintf(out, RESPONSE_MAX,
                   "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                   "Connection: %s\r\n\r\n%s",
                   request->status, reason, strlen(body),
                   request->keep_alive ? "keep-alive" : "close", request->head ? "" : body);
  return (size_t)n;
}

/* ---- serving ------------------------------------------------------------------------------- */

static void on_sent(struct ev_loop *loop, evring_op *op, int revents);

static void respond(struct ev_loop *loop, struct http_conn *c, struct request request) {
  if (request.status != 200) request.keep_alive = 0; /* the stream may be out of step */
  c->close_after = !request.keep_alive;
  c->sending = 1;
  evring_send_init(&c->tx, on_sent, c->base.fd, c->out, compose(c->out, &request), EVRING_SEND_ALL);
  ops_conn_start(loop, &c->base, &c->tx);
}

/* The connection has no response in flight: answer the next complete request, or wait for
 * more of it. */
static void serve_next(struct ev_loop *loop, struct http_conn *c) {
  size_t head = head_length(c->in, c->in_len);
  if (head) {
    struct request request = parse(c->in, head);
    memmove(c->in, c->in + head, c->in_len - head);
    c->in_len -= head;
    respond(loop, c, request);
  } else if (c->overflow || c->in_len == REQUEST_MAX) {
    respond(loop, c, (struct request){431, 0, 0});
  } else if (c->peer_done) {
    ops_conn_close(loop, &c->base);
  } else if (!ops_pooled) {
    c->rx.buf = c->in + c->in_len;
    c->rx.len = REQUEST_MAX - c->in_len;
    ops_conn_start(loop, &c->base, &c->rx);
  } /* -P: the multishot receive is running (or waits for a pool buffer) */
}

static void on_sent(struct ev_loop *loop, evring_op *op, int revents) {
  struct http_conn *c = op->data;
  c->sending = 0;
  if (op->result < 0 || c->close_after)
    ops_conn_close(loop, &c->base);
  else if (!c->base.closing)
    serve_next(loop, c);
  ops_conn_ended(loop, &c->base, op);
}

static void on_received(struct ev_loop *loop, evring_op *op, int revents) {
  struct http_conn *c = op->data;
  if (op->result <= 0) { /* EOF, an error, or cancelled by the close */
    ops_conn_close(loop, &c->base);
  } else if (!c->base.closing) {
    c->in_len += (size_t)op->result;
    serve_next(loop, c);
  }
  ops_conn_ended(loop, &c->base, op);
}

static void on_pooled_received(struct ev_loop *loop, evring_op *op, int revents) {
  struct http_conn *c = op->data;
  if (op->result > 0) {
    size_t n = (size_t)op->result;
    if (n > REQUEST_MAX - c->in_len)
      c->overflow = 1;
    else if (!c->overflow)
      memcpy(c->in + c->in_len, op->buffer, n);
    c->in_len += c->overflow ? 0 : n;
    evring_buffer_release(loop, op->buffer);
  } else if (op->result == 0) {
    c->peer_done = 1; /* answer what came complete, then close */
  } else {
    ops_conn_close(loop, &c->base);
  }
  if (!c->sending && !c->base.closing) serve_next(loop, c);
  ops_conn_ended(loop, &c->base, op);
}

static void start(struct ev_loop *loop, struct ops_conn *conn) {
  struct http_conn *c = (struct http_conn *)conn;
  if (ops_pooled) {
    evring_recv_init(&c->rx, on_pooled_received, conn->fd, NULL, 0,
                     EVRING_POOLED | EVRING_MULTISHOT);
    ops_conn_start(loop, conn, &c->rx);
  } else {
    evring_recv_init(&c->rx, on_received, conn->fd, c->in, REQUEST_MAX, 0);
    serve_next(loop, c);
  }
}

int main(int argc, char **argv) {
  static const struct ops_protocol http = {
      .name = "http_ops",
      .conn_size = sizeof(struct http_conn),
      .pool_buffers = POOL_BUFFERS,
      .pool_buffer_size = POOL_BUFFER_BYTES,
      .start = start,
  };
  return ops_server_main(argc, argv, &http);
}
