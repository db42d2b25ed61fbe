/* The completion-I/O floor server: the work of server_ops.c (one multishot accept; per
   connection a receive, the reply sent, the next receive; a close at the end) as bare io_uring
   requests on the ring of common/uring_raw.c, with no library. One io_uring_enter per iteration
   submits what the last completions queued and waits for the next. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "../common/uring_raw.h"
#include "server_adapter.h"

#define RECEIVE_BYTES 16384 /* as session_serve_readable reads for the readiness servers */
#define SQ_ENTRIES 1024
#define CQ_ENTRIES 8192

/* What a completion is for, in the low bits of its user_data (connections are 8-aligned). */
enum request { ACCEPT, RECEIVE, SEND, CLOSE, REQUEST_MASK = 3 };

struct connection {
  int fd;
  struct session session;
  struct session_reply reply;
  size_t sent;
  char buffer[RECEIVE_BYTES];
};

static struct uring ring;
static int listen_fd;
static enum session_mode serving_mode;
static const char *unsupported;

static struct io_uring_sqe *queue(uint8_t opcode, int fd, const void *data, size_t length,
                                  struct connection *connection, enum request request) {
  struct io_uring_sqe *sqe = uring_get_sqe(&ring);
  sqe->opcode = opcode;
  sqe->fd = fd;
  sqe->addr = (uintptr_t)data;
  sqe->len = (unsigned)length;
  sqe->user_data = (uintptr_t)connection | request;
  return sqe;
}

static void queue_accept(void) {
  struct io_uring_sqe *sqe = queue(IORING_OP_ACCEPT, listen_fd, NULL, 0, NULL, ACCEPT);
  sqe->ioprio = IORING_ACCEPT_MULTISHOT;
  sqe->accept_flags = SOCK_CLOEXEC;
}

static void queue_receive(struct connection *connection) {
  queue(IORING_OP_RECV, connection->fd, connection->buffer, RECEIVE_BYTES, connection, RECEIVE);
}

static void queue_send(struct connection *connection) {
  struct io_uring_sqe *sqe =
      queue(IORING_OP_SEND, connection->fd, connection->reply.data + connection->sent,
            connection->reply.length - connection->sent, connection, SEND);
  sqe->msg_flags = MSG_NOSIGNAL;
}

static void queue_close(struct connection *connection) {
  queue(IORING_OP_CLOSE, connection->fd, NULL, 0, connection, CLOSE);
}

static void adopt(int fd) {
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on); /* as listener_accept does */
  struct connection *connection = malloc(sizeof *connection);
  if (!connection) abort();
  connection->fd = fd;
  session_init(&connection->session, serving_mode);
  queue_receive(connection);
}

static void received(struct connection *connection, int result) {
  if (result <= 0) {
    queue_close(connection);
    return;
  }
  connection->reply = session_consume(&connection->session, connection->buffer, (size_t)result);
  connection->sent = 0;
  if (connection->reply.length)
    queue_send(connection);
  else
    queue_receive(connection); /* the rest of the request */
}

static void sent(struct connection *connection, int result) {
  if (result < 0) {
    queue_close(connection);
    return;
  }
  connection->sent += (size_t)result;
  if (connection->sent < connection->reply.length)
    queue_send(connection);
  else if (connection->reply.close_after)
    queue_close(connection);
  else
    queue_receive(connection);
}

static void on_cqe(const struct io_uring_cqe *cqe, void *ctx) {
  (void)ctx;
  struct connection *connection = (struct connection *)(uintptr_t)(cqe->user_data & ~REQUEST_MASK);
  switch ((enum request)(cqe->user_data & REQUEST_MASK)) {
    case ACCEPT:
      if (cqe->res >= 0) adopt(cqe->res);
      if (cqe->res == -EINVAL) unsupported = "the kernel refuses multishot accept (< 5.19?)";
      if (!(cqe->flags & IORING_CQE_F_MORE) && !unsupported) queue_accept();
      break;
    case RECEIVE:
      received(connection, cqe->res);
      break;
    case SEND:
      sent(connection, cqe->res);
      break;
    case CLOSE:
      free(connection);
      break;
    default:
      break;
  }
}

const char *adapter_serve(int fd, const char *backend, enum session_mode mode) {
  (void)backend;
  const char *failure = uring_open(&ring, SQ_ENTRIES, CQ_ENTRIES);
  if (failure) return failure;
  listen_fd = fd;
  serving_mode = mode;
  queue_accept();
  for (;;) {
    if (uring_enter(&ring, 1) < 0 && errno != EINTR) return NULL;
    uring_reap(&ring, on_cqe, NULL);
    if (unsupported) return unsupported;
  }
}
