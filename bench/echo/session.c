#include "session.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char hello_response[] =
    "HTTP/1.0 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "Connection: close\r\n"
    "\r\n"
    "Hello, world\n";

static const char header_end[] = "\r\n\r\n";

bool session_parse_mode(const char *name, enum session_mode *mode) {
  if (strcmp(name, "echo") == 0)
    *mode = SESSION_ECHO;
  else if (strcmp(name, "http") == 0)
    *mode = SESSION_HTTP;
  else
    return false;
  return true;
}

void session_init(struct session *session, enum session_mode mode) {
  session->mode = mode;
  session->header_end_matched = 0;
}

/* True once the request's blank line has arrived; the matcher survives reads that split it. */
static bool request_complete(struct session *session, const char *input, size_t length) {
  for (size_t i = 0; i < length; i++) {
    if (input[i] == header_end[session->header_end_matched]) {
      if (++session->header_end_matched == sizeof header_end - 1) return true;
    } else {
      session->header_end_matched = input[i] == header_end[0] ? 1 : 0;
    }
  }
  return false;
}

struct session_reply session_consume(struct session *session, const char *input, size_t length) {
  struct session_reply reply = {NULL, 0, false};
  if (session->mode == SESSION_ECHO) {
    reply.data = input;
    reply.length = length;
  } else if (request_complete(session, input, length)) {
    reply.data = hello_response;
    reply.length = sizeof hello_response - 1;
    reply.close_after = true;
  }
  return reply;
}

enum session_verdict session_serve_readable(int fd, struct session *session) {
  char buffer[16384];
  ssize_t received = read(fd, buffer, sizeof buffer);
  if (received == 0) return SESSION_CLOSE;
  if (received < 0) return errno == EAGAIN || errno == EINTR ? SESSION_KEEP : SESSION_CLOSE;
  struct session_reply reply = session_consume(session, buffer, (size_t)received);
  if (reply.length && write(fd, reply.data, reply.length) != (ssize_t)reply.length) {
    return SESSION_CLOSE;
  }
  return reply.close_after ? SESSION_CLOSE : SESSION_KEEP;
}
