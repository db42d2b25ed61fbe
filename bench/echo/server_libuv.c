/* Benchmark server on libuv 1.44, written the way libuv is meant to be used for TCP: uv_tcp_t
   streams with uv_read_start, replying with uv_try_write. */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "server_adapter.h"

struct connection {
  uv_tcp_t stream; /* first, so the handle pointer is the connection pointer */
  struct session session;
};

static uv_loop_t loop;
static enum session_mode serving_mode;
static char read_buffer[16384]; /* one loop thread, and each read is consumed before the next */

static void release(uv_handle_t *handle) {
  free(handle);
}

static void allocate(uv_handle_t *handle, size_t suggested, uv_buf_t *buffer) {
  (void)handle;
  (void)suggested;
  *buffer = uv_buf_init(read_buffer, sizeof read_buffer);
}

static void on_read(uv_stream_t *stream, ssize_t received, const uv_buf_t *buffer) {
  struct connection *connection = (struct connection *)stream;
  if (received == 0) return; /* libuv's "nothing this time" */
  if (received < 0) {
    uv_close((uv_handle_t *)stream, release);
    return;
  }
  struct session_reply reply =
      session_consume(&connection->session, buffer->base, (size_t)received);
  bool broken = false;
  if (reply.length) {
    uv_buf_t out = uv_buf_init((char *)reply.data, (unsigned)reply.length);
    broken = uv_try_write(stream, &out, 1) != (int)reply.length;
  }
  if (broken || reply.close_after) uv_close((uv_handle_t *)stream, release);
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0) return;
  struct connection *connection = malloc(sizeof *connection);
  if (!connection) return;
  uv_tcp_init(&loop, &connection->stream);
  if (uv_accept(server, (uv_stream_t *)&connection->stream) != 0) {
    uv_close((uv_handle_t *)&connection->stream, release);
    return;
  }
  uv_tcp_nodelay(&connection->stream, 1);
  session_init(&connection->session, serving_mode);
  uv_read_start((uv_stream_t *)&connection->stream, allocate, on_read);
}

const char *adapter_serve(int listen_fd, const char *backend, enum session_mode mode) {
  if (strcmp(backend, "epoll") != 0) return "libuv only runs on epoll here";
  if (uv_loop_init(&loop) != 0) return "uv_loop_init failed";
  serving_mode = mode;
  uv_tcp_t server;
  uv_tcp_init(&loop, &server);
  if (uv_tcp_open(&server, listen_fd) != 0) return "uv_tcp_open failed";
  if (uv_listen((uv_stream_t *)&server, 1024, on_connection) != 0) return "uv_listen failed";
  uv_run(&loop, UV_RUN_DEFAULT);
  return NULL;
}
