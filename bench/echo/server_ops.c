/* Benchmark server on evring's completion I/O (evring_op, docs/ops.md) instead of readiness:
   one multishot accept; per connection a receive into its buffer, the reply sent with
   EVRING_SEND_ALL, the next receive; a close op at the end. Built with -DBENCH_OPS_POOLED, a
   connection owns no buffer: one multishot receive takes data into the loop's buffer pool, and
   each reply goes out with a send op of its own, its pool buffer given back once sent. The
   clients keep one message in flight per connection and never half-close, so a close cancelling
   a send loses nothing they wait for. */
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "../common/ev_backend_flag.h"
#include "server_adapter.h"

#define RECEIVE_BYTES 16384 /* as session_serve_readable reads for the readiness servers */
#define POOL_BUFFERS 4096   /* more than two per connection at 1024 connections */
#define POOL_BUFFER_BYTES 4096

#ifdef BENCH_OPS_POOLED
static const bool pooled = true;
#else
static const bool pooled = false;
#endif

struct connection {
  evring_op rx, tx, close;
  struct session session;
  int fd;
  int ops;          /* ops started whose final callback has not run: freed at 0 */
  bool close_after; /* the reply being sent is the last */
  bool closing;
  char buffer[]; /* unpooled only */
};

/* A reply sent from a pool buffer (or from the session's static page), pooled only. */
struct chunk {
  evring_op tx;
  void *buffer; /* to give back once sent, or NULL */
  bool close_after;
  struct chunk *next_free;
};

static struct ev_loop *loop;
static enum session_mode serving_mode;
static evring_op acceptor;
static struct chunk *free_chunks;

static void start(struct connection *connection, evring_op *op) {
  op->data = connection;
  ++connection->ops;
  evring_op_start(loop, op);
}

/* The last call of every callback: a connection goes with its last op. Each callback starts
   the connection's next op before this, so only the close op's end, or the last one to end
   after it, frees it. */
static void ended(struct connection *connection, const evring_op *op) {
  if (!op->more && --connection->ops == 0) free(connection);
}

static void on_closed(struct ev_loop *l, evring_op *op, int revents) {
  (void)l;
  (void)revents;
  ended(op->data, op);
}

static void close_connection(struct connection *connection) {
  if (connection->closing) return;
  connection->closing = true;
  evring_close_init(&connection->close, on_closed, connection->fd);
  start(connection, &connection->close);
}

/* ---- a buffer per connection ------------------------------------------------------------- */

static void on_sent(struct ev_loop *l, evring_op *op, int revents) {
  (void)l;
  (void)revents;
  struct connection *connection = op->data;
  if (op->result < 0 || connection->close_after)
    close_connection(connection);
  else if (!connection->closing)
    start(connection, &connection->rx);
  ended(connection, op);
}

static void on_received(struct ev_loop *l, evring_op *op, int revents) {
  (void)l;
  (void)revents;
  struct connection *connection = op->data;
  if (op->result <= 0) {
    close_connection(connection);
  } else if (!connection->closing) {
    struct session_reply reply =
        session_consume(&connection->session, connection->buffer, (size_t)op->result);
    connection->close_after = reply.close_after;
    if (reply.length) {
      evring_send_init(&connection->tx, on_sent, connection->fd, reply.data, reply.length,
                       EVRING_SEND_ALL);
      start(connection, &connection->tx);
    } else {
      start(connection, &connection->rx); /* the rest of the request */
    }
  }
  ended(connection, op);
}

/* ---- pooled multishot receive ------------------------------------------------------------ */

static void on_chunk_sent(struct ev_loop *l, evring_op *op, int revents) {
  (void)l;
  (void)revents;
  struct chunk *chunk = (struct chunk *)op;
  struct connection *connection = op->data;
  if (chunk->buffer) evring_buffer_release(loop, chunk->buffer);
  chunk->next_free = free_chunks;
  free_chunks = chunk;
  if (op->result < 0 || chunk->close_after) close_connection(connection);
  ended(connection, op);
}

static void send_chunk(struct connection *connection, struct session_reply reply, void *buffer) {
  struct chunk *chunk = free_chunks;
  if (chunk)
    free_chunks = chunk->next_free;
  else if (!(chunk = malloc(sizeof *chunk)))
    abort();
  chunk->buffer = buffer;
  chunk->close_after = reply.close_after;
  evring_send_init(&chunk->tx, on_chunk_sent, connection->fd, reply.data, reply.length,
                   EVRING_SEND_ALL);
  start(connection, &chunk->tx);
}

static void on_pooled_received(struct ev_loop *l, evring_op *op, int revents) {
  (void)l;
  (void)revents;
  struct connection *connection = op->data;
  if (op->result > 0 && !connection->closing) {
    struct session_reply reply =
        session_consume(&connection->session, op->buffer, (size_t)op->result);
    bool reply_in_buffer = reply.length && reply.data == op->buffer;
    if (reply.length) send_chunk(connection, reply, reply_in_buffer ? op->buffer : NULL);
    if (!reply_in_buffer) evring_buffer_release(loop, op->buffer);
  } else if (op->result > 0) {
    evring_buffer_release(loop, op->buffer);
  } else { /* EOF, an error, or cancelled by the close: the receive has ended */
    close_connection(connection);
  }
  ended(connection, op);
}

/* ---- accepting --------------------------------------------------------------------------- */

static void adopt(int fd) {
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on); /* as listener_accept does */
  struct connection *connection = calloc(1, sizeof *connection + (pooled ? 0 : RECEIVE_BYTES));
  if (!connection) abort();
  connection->fd = fd;
  session_init(&connection->session, serving_mode);
  if (pooled)
    evring_recv_init(&connection->rx, on_pooled_received, fd, NULL, 0,
                     EVRING_POOLED | EVRING_MULTISHOT);
  else
    evring_recv_init(&connection->rx, on_received, fd, connection->buffer, RECEIVE_BYTES, 0);
  start(connection, &connection->rx);
}

static void on_accepted(struct ev_loop *l, evring_op *op, int revents) {
  (void)revents;
  if (op->result >= 0) adopt((int)op->result);
  if (op->more) return;
  if (op->result >= 0 || op->result == -ECONNABORTED || op->result == -EINTR) {
    evring_op_start(l, op);
    return;
  }
  fprintf(stderr, "accept: error %zd\n", -op->result);
  ev_break(l, EVBREAK_ALL);
}

const char *adapter_serve(int listen_fd, const char *backend, enum session_mode mode) {
  unsigned backend_flag = bench_backend_flag(backend);
  if (!backend_flag) return "unknown backend name";
  loop = ev_loop_new(backend_flag | EVFLAG_NOENV);
  if (!loop || ev_backend(loop) != backend_flag) return "backend not available";
  if (pooled && evring_buffer_pool(loop, POOL_BUFFERS, POOL_BUFFER_BYTES) != 0)
    return "evring_buffer_pool failed";
  serving_mode = mode;
  evring_accept_init(&acceptor, on_accepted, listen_fd, EVRING_MULTISHOT);
  evring_op_start(loop, &acceptor);
  ev_run(loop, 0);
  return NULL;
}
