/*
 * echo_ops: an echo server written with completion I/O (evring_op, docs/ops.md) instead of
 * readiness watchers: the loop receives, sends, accepts and closes, and calls back with the
 * outcome. On io_uring the kernel does the work in the ring; on the other backends evring does
 * it when the socket is ready, so the program is the same everywhere.
 *
 *   echo_ops [-p port] [-b select|poll|epoll|io_uring] [-P]
 *
 * Without -P every connection owns a buffer and runs one op at a time: receive, send it all
 * back, receive again. With -P a connection owns no buffer: one multishot receive takes data
 * into pool buffers as it arrives, each chunk is echoed by a send op of its own straight from
 * its pool buffer, and the buffer goes back to the pool once sent. Sends on one fd run in the
 * order they were started, so the echo keeps the byte order. Ctrl-C or SIGTERM stops it.
 */
#include "ops_server.h"

#include <stdlib.h>

struct echo_conn {
  struct ops_conn base; /* first: the skeleton allocates and frees the whole struct */
  evring_op rx;
  evring_op tx;  /* without -P */
  int peer_done; /* -P: the client sent EOF; close once the last chunk is echoed */
  int chunks;    /* -P: chunks being sent */
  char buf[];    /* without -P: the connection's buffer */
};

enum { BUFFER_BYTES = 16384, POOL_BUFFERS = 1024, POOL_BUFFER_BYTES = 4096 };

/* ---- one buffer per connection: receive, send, receive ... --------------------------------- */

static void on_received(struct ev_loop *loop, evring_op *op, int revents);

static void on_sent(struct ev_loop *loop, evring_op *op, int revents) {
  struct echo_conn *c = op->data;
  if (op->result < 0)
    ops_conn_close(loop, &c->base);
  else if (!c->base.closing)
    ops_conn_start(loop, &c->base, &c->rx); /* the receive is set up as before */
  ops_conn_ended(loop, &c->base, op);
}

static void on_received(struct ev_loop *loop, evring_op *op, int revents) {
  struct echo_conn *c = op->data;
  if (op->result <= 0) { /* EOF, an error, or cancelled by the close */
    ops_conn_close(loop, &c->base);
  } else if (!c->base.closing) {
    evring_send_init(&c->tx, on_sent, c->base.fd, c->buf, op->result, EVRING_SEND_ALL);
    ops_conn_start(loop, &c->base, &c->tx);
  }
  ops_conn_ended(loop, &c->base, op);
}

/* ---- pooled multishot receive, a send per chunk -------------------------------------------- */

/* A send op for one received chunk; its data is the pool buffer. */
struct chunk {
  evring_op tx;
  struct chunk *next_free;
};

static struct chunk *free_chunks; /* at most one per pool buffer is ever made */

static void on_chunk_sent(struct ev_loop *loop, evring_op *op, int revents) {
  struct echo_conn *c = op->data;
  struct chunk *chunk = (struct chunk *)op;
  evring_buffer_release(loop, op->buf);
  chunk->next_free = free_chunks;
  free_chunks = chunk;
  --c->chunks;
  if (op->result < 0 || (c->peer_done && !c->chunks)) ops_conn_close(loop, &c->base);
  ops_conn_ended(loop, &c->base, op);
}

static void echo_chunk(struct ev_loop *loop, struct echo_conn *c, void *buffer, size_t length) {
  struct chunk *chunk = free_chunks;
  if (chunk)
    free_chunks = chunk->next_free;
  else if (!(chunk = malloc(sizeof *chunk))) {
    evring_buffer_release(loop, buffer);
    ops_conn_close(loop, &c->base);
    return;
  }
  evring_send_init(&chunk->tx, on_chunk_sent, c->base.fd, buffer, length, EVRING_SEND_ALL);
  ++c->chunks;
  ops_conn_start(loop, &c->base, &chunk->tx);
}

static void on_pooled_received(struct ev_loop *loop, evring_op *op, int revents) {
  struct echo_conn *c = op->data;
  if (op->result > 0) {
    if (c->base.closing)
      evring_buffer_release(loop, op->buffer);
    else
      echo_chunk(loop, c, op->buffer, (size_t)op->result);
  } else if (op->result == 0 && c->chunks) {
    c->peer_done = 1; /* echo what is still being sent, then close */
  } else {
    ops_conn_close(loop, &c->base);
  }
  ops_conn_ended(loop, &c->base, op);
}

/* ---- the protocol -------------------------------------------------------------------------- */

static void start(struct ev_loop *loop, struct ops_conn *conn) {
  struct echo_conn *c = (struct echo_conn *)conn;
  if (ops_pooled)
    evring_recv_init(&c->rx, on_pooled_received, conn->fd, NULL, 0,
                     EVRING_POOLED | EVRING_MULTISHOT);
  else
    evring_recv_init(&c->rx, on_received, conn->fd, c->buf, BUFFER_BYTES, 0);
  ops_conn_start(loop, conn, &c->rx);
}

int main(int argc, char **argv) {
  static const struct ops_protocol echo = {
      .name = "echo_ops",
      .conn_size = sizeof(struct echo_conn),
      .unpooled_buffer = BUFFER_BYTES,
      .pool_buffers = POOL_BUFFERS,
      .pool_buffer_size = POOL_BUFFER_BYTES,
      .start = start,
  };
  return ops_server_main(argc, argv, &echo);
}
