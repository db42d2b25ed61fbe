/*
 * ops_server: what the completion-I/O example servers (echo_ops.c, http_ops.c) share. It reads
 * the command line, listens on 127.0.0.1, accepts with one multishot accept op, closes
 * connections with a close op, raises the fd limit to the hard one, and stops cleanly on SIGINT
 * or SIGTERM. Each server brings its protocol: what a new connection does.
 *
 *   SERVER [-p port] [-b select|poll|epoll|io_uring] [-P]
 *
 * -p 0 (the default) takes any free port; once listening the server prints "port=N" on stdout.
 * -b forces a backend (and ignores LIBEV_FLAGS / EVRING_BACKEND). -P makes receives pooled and
 * multishot: the data lands in the loop's buffer pool instead of a buffer per connection.
 */
#ifndef EXAMPLES_OPS_SERVER_H
#define EXAMPLES_OPS_SERVER_H

#include <ev.h>
#include <stddef.h>

/* The part of a connection the skeleton owns; a protocol's connection struct starts with it.
 * A connection lives until it is closed and every op started on it has had its final callback:
 * a close op cancels the fd's other ops, but their callbacks may run after the close's own. */
struct ops_conn {
  int fd;
  int holds;   /* ops started (the close included) whose final callback has not run */
  int closing; /* the close op was started: start nothing more on the fd */
  int closed;  /* the close op has ended */
  evring_op close;
  struct ops_conn *prev, *next; /* the open connections, for the stop on a signal */
};

struct ops_protocol {
  const char *name;
  size_t conn_size;        /* the protocol's connection struct */
  size_t unpooled_buffer;  /* bytes added at its end when receives are not pooled (no -P) */
  unsigned pool_buffers;   /* -P: the pool, a power of two ... */
  size_t pool_buffer_size; /* ... of buffers of this size */
  void (*start)(struct ev_loop *loop, struct ops_conn *conn); /* a new connection */
};

/* -P was given: receives are EVRING_POOLED | EVRING_MULTISHOT. */
extern int ops_pooled;

/* Starts one of the connection's ops (op->data = conn); the connection stays until the op's
 * final callback calls ops_conn_ended. */
void ops_conn_start(struct ev_loop *loop, struct ops_conn *conn, evring_op *op);
/* The last call of every op callback of a connection: after a final result (!op->more) the
 * connection may be gone when it returns. */
void ops_conn_ended(struct ev_loop *loop, struct ops_conn *conn, const evring_op *op);
/* Closes the connection's fd with a close op, which first cancels its other ops (their
 * callbacks still run, with -ECANCELED or the result that came first). */
void ops_conn_close(struct ev_loop *loop, struct ops_conn *conn);

/* Runs the server; returns the process's exit status. */
int ops_server_main(int argc, char **argv, const struct ops_protocol *protocol);

#endif
