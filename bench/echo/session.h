/* What a benchmark server says back, independent of the event library that calls it: "echo"
   returns every byte; "http" answers each request with a fixed "hello" page, then closes, as an
   HTTP/1.0 server does for ab without -k, or keeps the connection when the request said
   keep-alive (ab -k). Requests come one at a time (ab does not pipeline): bytes after a
   request's blank line in the same read are ignored. */
#ifndef BENCH_SESSION_H
#define BENCH_SESSION_H

#include <stdbool.h>
#include <stddef.h>

enum session_mode { SESSION_ECHO, SESSION_HTTP };

struct session {
  enum session_mode mode;
  unsigned header_end_matched; /* how much of "\r\n\r\n" the request has ended with so far */
  unsigned keep_alive_matched; /* how much of "keep-alive" the last bytes were */
  bool keep_alive;             /* the request asked for keep-alive */
};

struct session_reply {
  const char *data;
  size_t length;
  bool close_after;
};

/* Parses "echo" or "http"; false for anything else. */
bool session_parse_mode(const char *name, enum session_mode *mode);

void session_init(struct session *session, enum session_mode mode);

/* Feeds received bytes; the reply may point into input. */
struct session_reply session_consume(struct session *session, const char *input, size_t length);

enum session_verdict { SESSION_KEEP, SESSION_CLOSE };

/* Reads what fd has, writes the reply, and says whether the connection lives on. A client keeps
   at most one small message in flight, so a reply always fits the socket buffer: a short write is
   treated as a broken connection rather than queued. */
enum session_verdict session_serve_readable(int fd, struct session *session);

#endif
