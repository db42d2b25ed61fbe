#include "session.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define HELLO_HEAD "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
static const char hello_close[] = HELLO_HEAD "Connection: close\r\n\r\nHello, world\n";
static const char hello_keep_alive[] = HELLO_HEAD "Connection: keep-alive\r\n\r\nHello, world\n";

static const char header_end[] = "\r\n\r\n";
static const char keep_alive[] = "keep-alive"; /* matched without regard to case */

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
  session->keep_alive_matched = 0;
  session->keep_alive = false;
}

/* Advances a matcher over one byte. For both patterns, what survives a mismatch is at most the
   mismatching byte itself, when it starts the pattern. */
static unsigned advance(unsigned matched, const char *pattern, char c) {
  if (c == pattern[matched]) return matched + 1;
  return c == pattern[0] ? 1 : 0;
}

/* True once the request's blank line has arrived; notes on the way whether the request asked
   for keep-alive. The matchers survive reads that split the request. */
static bool request_complete(struct session *session, const char *input, size_t length) {
  for (size_t i = 0; i < length; i++) {
    char lower = (char)tolower((unsigned char)input[i]);
    session->keep_alive_matched = advance(session->keep_alive_matched, keep_alive, lower);
    if (session->keep_alive_matched == sizeof keep_alive - 1) session->keep_alive = true;
    session->header_end_matched = advance(session->header_end_matched, header_end, input[i]);
    if (session->header_end_matched == sizeof header_end - 1) return true;
  }
  return false;
}

struct session_reply session_consume(struct session *session, const char *input, size_t length) {
  struct session_reply reply = {NULL, 0, false};
  if (session->mode == SESSION_ECHO) {
    reply.data = input;
    reply.length = length;
  } else if (request_complete(session, input, length)) {
    bool kept = session->keep_alive;
    reply.data = kept ? hello_keep_alive : hello_close;
    reply.length = kept ? sizeof hello_keep_alive - 1 : sizeof hello_close - 1;
    reply.close_after = !kept;
    session_init(session, session->mode); /* the next request on a kept connection */
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
