/* The load client of the soak (tests/soak/run.sh, docs/soak.md): keeps C connections to a server
 * on 127.0.0.1 busy for a given time, each in ping-pong, and counts every request that did not
 * get the right answer.
 *
 *   soak_client echo|http PORT SECONDS [CONNECTIONS [REQUESTS_PER_CONNECTION]]
 *   soak_client h2load-log <LOG
 *
 * echo: each request is a message of 1 to 4096 bytes whose pattern depends on the connection and
 * the request; the echo must come back byte for byte. http: each request is an HTTP/1.1 GET with
 * "Connection: keep-alive"; the answer must be a 200 with the body "Hello, world\n".
 * Connections are churned: after REQUESTS_PER_CONNECTION requests (default 200) a connection ends
 * and a new one takes its place. The echo client ends it with a half-close and waits for the
 * server's EOF; the http client's last request says "Connection: close" and waits for the
 * server's close after the answer. Both are server-side closes the server must do right.
 *
 * h2load-log reads h2load's --log-file (one request a line: start, status, microseconds) and
 * reports it the same way, counting every status other than 2xx as an error: h2load itself
 * prints no percentiles, and its log is too long to keep.
 *
 * Latencies go into a log-linear histogram (memory does not grow with the run). A request with
 * no progress for 10 s is an error (its connection is replaced). The last line is
 *   soak_client: mode=M requests=N errors=E connections=K p50_us=A p99_us=B max_us=C seconds=S
 * followed by one "error: ..." line per distinct kind of error. Exits 0 when errors=0 and at
 * least one request was answered. Bounded by alarm() in case the loop itself hangs. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_MESSAGE = 4096, MAX_CONNECTIONS = 1000, STALL_SECONDS = 10 };

/* The histogram: values in microseconds; below 64 one bucket per microsecond, then 32 buckets
 * per power of two (3% resolution) up to 2^40 us. */
enum { SUB_BITS = 5, SUB = 1 << SUB_BITS, LINEAR = 2 * SUB, BUCKETS = LINEAR + 40 * SUB };

enum kind { MODE_ECHO, MODE_HTTP };

/* What a connection is doing. */
enum conn_state {
  CONNECTING, /* non-blocking connect under way */
  AWAITING,   /* a request is out, its answer is being read */
  CLOSING,    /* the last exchange is done or the half-close is sent: waiting for EOF */
};

struct conn {
  int fd;
  int id;
  enum conn_state state;
  long requests; /* answered on this connection */
  long serial;   /* across all the connection's incarnations: varies the messages */
  int last;      /* this request is the connection's last (http: Connection: close) */
  size_t expected, received;
  int64_t sent_ns, progress_ns;
  char reply[MAX_MESSAGE + 512];
};

static enum kind mode;
static int port, connections = 16;
static long per_connection = 200;
static int epoll_fd;
static long answered, errors, opened;
static uint64_t histogram[BUCKETS];
static int64_t max_us;

/* Distinct kinds of error, with their counts, for the report. */
static struct {
  const char *what;
  long count;
} error_kinds[16];

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void note_error(const char *what) {
  ++errors;
  for (size_t i = 0; i < sizeof error_kinds / sizeof error_kinds[0]; ++i) {
    if (!error_kinds[i].what) error_kinds[i].what = what;
    if (error_kinds[i].what == what) {
      ++error_kinds[i].count;
      return;
    }
  }
}

static int bucket_of(int64_t us) {
  if (us < LINEAR) return (int)us;
  int exponent = 63 - __builtin_clzll((unsigned long long)us); /* >= SUB_BITS + 1 */
  int sub = (int)((us >> (exponent - SUB_BITS)) & (SUB - 1));
  int bucket = LINEAR + (exponent - SUB_BITS - 1) * SUB + sub;
  return bucket < BUCKETS ? bucket : BUCKETS - 1;
}

/* The upper end of a bucket: percentiles are never reported lower than they were. */
static int64_t bucket_top(int bucket) {
  if (bucket < LINEAR) return bucket;
  int exponent = (bucket - LINEAR) / SUB + SUB_BITS + 1;
  int64_t sub = (bucket - LINEAR) % SUB;
  return ((SUB + sub + 1) << (exponent - SUB_BITS)) - 1;
}

static void record(int64_t ns) {
  int64_t us = ns / 1000;
  ++histogram[bucket_of(us)];
  if (us > max_us) max_us = us;
}

static int64_t percentile(double fraction) {
  uint64_t rank = (uint64_t)(fraction * (double)answered), seen = 0;
  for (int b = 0; b < BUCKETS; ++b)
    if ((seen += histogram[b]) > rank) return bucket_top(b) < max_us ? bucket_top(b) : max_us;
  return max_us;
}

/* ---- requests ------------------------------------------------------------------------------ */

static size_t message_size(const struct conn *c) {
  static const size_t sizes[] = {1, 17, 64, 200, 1000, 1460, 4096};
  return sizes[(size_t)(c->serial + c->id) % (sizeof sizes / sizeof sizes[0])];
}

static char message_byte(const struct conn *c, size_t i) {
  return (char)('a' + (size_t)(c->serial * 7 + c->id * 3 + i) % 26);
}

static const char http_request[] =
    "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n";
static const char http_last_request[] =
    "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
static const char http_body[] = "Hello, world\n";

static void drop(struct conn *c, const char *error);
static int reopen = 1; /* 0 once the time is up: no new request, no new connection */

/* Writes the whole request; requests are small enough for an empty socket buffer. */
static int send_all(struct conn *c, const char *data, size_t length) {
  while (length) {
    ssize_t n = send(c->fd, data, length, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

static void send_request(struct conn *c) {
  c->state = AWAITING;
  c->received = 0;
  c->last = c->requests + 1 >= per_connection;
  c->sent_ns = c->progress_ns = now_ns();
  int failed;
  if (mode == MODE_ECHO) {
    char message[MAX_MESSAGE];
    c->expected = message_size(c);
    for (size_t i = 0; i < c->expected; ++i) message[i] = message_byte(c, i);
    failed = send_all(c, message, c->expected);
  } else {
    const char *request = c->last ? http_last_request : http_request;
    failed = send_all(c, request, strlen(request));
  }
  if (failed) drop(c, "send failed");
}

/* The end of a connection's life: the echo client half-closes and waits for the server's EOF. */
static void finish_connection(struct conn *c) {
  if (mode == MODE_ECHO && shutdown(c->fd, SHUT_WR) < 0) {
    drop(c, "shutdown failed");
    return;
  }
  c->state = CLOSING;
  c->progress_ns = now_ns();
}

static void answered_one(struct conn *c) {
  record(now_ns() - c->sent_ns);
  ++answered;
  ++c->requests;
  ++c->serial;
  if (!reopen)
    drop(c, NULL);
  else if (c->requests >= per_connection)
    finish_connection(c);
  else
    send_request(c);
}

/* An HTTP answer is complete in c->reply: 1 when it is right, 0 if wrong, -1 if incomplete. */
static int http_answer(struct conn *c) {
  char *head_end = memmem(c->reply, c->received, "\r\n\r\n", 4);
  if (!head_end) return c->received == sizeof c->reply ? 0 : -1;
  size_t head = (size_t)(head_end - c->reply) + 4;
  c->reply[head - 1] = '\0'; /* the head as a string (its last byte is a '\n') */
  const char *length_field = strcasestr(c->reply, "\r\nContent-Length:");
  long length = length_field ? strtol(length_field + 17, NULL, 10) : -1;
  c->reply[head - 1] = '\n';
  if (length != (long)sizeof http_body - 1) return 0;
  if (c->received < head + (size_t)length) return -1;
  if (c->received > head + (size_t)length) return 0; /* nothing was pipelined */
  return (strncmp(c->reply, "HTTP/1.1 200 ", 13) == 0 ||
          strncmp(c->reply, "HTTP/1.0 200 ", 13) == 0) &&
         memcmp(c->reply + head, http_body, (size_t)length) == 0;
}

static void on_readable(struct conn *c) {
  size_t room = c->state == CLOSING ? sizeof c->reply : sizeof c->reply - c->received;
  char *into = c->state == CLOSING ? c->reply : c->reply + c->received;
  ssize_t n = recv(c->fd, into, room, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (c->state == CLOSING) {
    if (n == 0)
      drop(c, NULL); /* the server closed, as it should */
    else
      drop(c, n < 0 ? "error instead of the server's close" : "data instead of the server's close");
    return;
  }
  if (n <= 0) {
    drop(c, n == 0 ? "the server closed the connection early" : "recv failed");
    return;
  }
  c->received += (size_t)n;
  c->progress_ns = now_ns();
  if (mode == MODE_ECHO) {
    if (c->received > c->expected) {
      drop(c, "more bytes came back than were sent");
      return;
    }
    for (size_t i = c->received - (size_t)n; i < c->received; ++i) {
      if (c->reply[i] != message_byte(c, i)) {
        drop(c, "the echo differs from the message");
        return;
      }
    }
    if (c->received == c->expected) answered_one(c);
  } else {
    int verdict = http_answer(c);
    if (verdict == 0)
      drop(c, "wrong HTTP answer");
    else if (verdict == 1)
      answered_one(c);
  }
}

/* ---- connections --------------------------------------------------------------------------- */

static struct conn conns[MAX_CONNECTIONS];

static void open_connection(struct conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->requests = 0;
  c->state = CONNECTING;
  c->progress_ns = now_ns();
  if (c->fd < 0) {
    note_error("socket failed");
    return; /* retried by the stall check */
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ++opened;
  if (connect(c->fd, (struct sockaddr *)&address, sizeof address) < 0 && errno != EINPROGRESS) {
    drop(c, "connect failed");
    return;
  }
  struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event) < 0) drop(c, "epoll_ctl failed");
}

/* Closes the connection (an error if `error` is not NULL) and opens the next one. */
static void drop(struct conn *c, const char *error) {
  if (error) note_error(error);
  if (c->fd >= 0) close(c->fd); /* also leaves the epoll set */
  c->fd = -1;
  if (reopen) open_connection(c);
}

static void on_writable(struct conn *c) {
  int error = 0;
  socklen_t length = sizeof error;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error) {
    drop(c, "connect failed");
    return;
  }
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event) < 0) {
    drop(c, "epoll_ctl failed");
    return;
  }
  send_request(c);
}

static int parse_count(const char *text, long min, long max, long *value) {
  char *end;
  *value = strtol(text, &end, 10);
  return *end == '\0' && end != text && *value >= min && *value <= max;
}

/* Prints the report line and the kinds of error; the exit status. */
static int report(const char *mode_name, double elapsed) {
  printf(
      "soak_client: mode=%s requests=%ld errors=%ld connections=%ld p50_us=%lld p99_us=%lld "
      "max_us=%lld seconds=%.1f\n",
      mode_name, answered, errors, opened, (long long)percentile(0.50), (long long)percentile(0.99),
      (long long)max_us, elapsed);
  for (size_t i = 0; i < sizeof error_kinds / sizeof error_kinds[0] && error_kinds[i].what; ++i)
    printf("error: %s (%ld times)\n", error_kinds[i].what, error_kinds[i].count);
  return errors == 0 && answered > 0 ? 0 : 1;
}

static int read_h2load_log(void) {
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char *field = strchr(line, '\t');
    long status = field ? strtol(field + 1, &field, 10) : -1;
    long long us = field && *field == '\t' ? strtoll(field + 1, NULL, 10) : -1;
    if (status < 200 || status > 299 || us < 0) {
      note_error(status == -1 ? "h2load: a failed stream" : "h2load: not a 2xx answer");
      continue;
    }
    record(us * 1000);
    ++answered;
  }
  return report("h2load-log", 0.);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "h2load-log") == 0) return read_h2load_log();
  long port_value, seconds, count = connections, per = per_connection;
  if (argc < 4 || argc > 6 || (strcmp(argv[1], "echo") && strcmp(argv[1], "http")) ||
      !parse_count(argv[2], 1, 65535, &port_value) || !parse_count(argv[3], 1, 86400, &seconds) ||
      (argc > 4 && !parse_count(argv[4], 1, MAX_CONNECTIONS, &count)) ||
      (argc > 5 && !parse_count(argv[5], 1, 1000000000, &per))) {
    fprintf(stderr,
            "usage: %s echo|http PORT SECONDS [CONNECTIONS [REQUESTS_PER_CONNECTION]]\n"
            "       %s h2load-log <LOG\n",
            argv[0], argv[0]);
    return 2;
  }
  mode = strcmp(argv[1], "echo") == 0 ? MODE_ECHO : MODE_HTTP;
  port = (int)port_value;
  connections = (int)count;
  per_connection = per;
  alarm((unsigned)seconds + 60); /* the run ends by itself; this bounds a hang of the client */
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    perror("epoll_create1");
    return 1;
  }
  for (int i = 0; i < connections; ++i) {
    conns[i].id = i;
    conns[i].fd = -1;
    open_connection(&conns[i]);
  }
  int64_t start = now_ns(), deadline = start + (int64_t)seconds * 1000000000;
  struct epoll_event ready[64];
  int64_t now = start;
  /* Until the time is up; then the requests in flight are still answered (bounded by the
   * stall check), and no connection is opened again. */
  for (int open = connections; open > 0;) {
    int n = epoll_wait(epoll_fd, ready, 64, 100);
    if (n < 0 && errno != EINTR) {
      perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      struct conn *c = ready[i].data.ptr;
      if (c->fd < 0) continue;
      if (c->state == CONNECTING)
        on_writable(c);
      else
        on_readable(c);
    }
    now = now_ns();
    if (now >= deadline) reopen = 0;
    open = 0;
    for (int i = 0; i < connections; ++i) {
      struct conn *c = &conns[i];
      if (c->fd >= 0 && now - c->progress_ns > (int64_t)STALL_SECONDS * 1000000000)
        drop(c, c->state == CONNECTING ? "connect stalled" : "no answer for 10 s");
      else if (c->fd < 0 && reopen)
        open_connection(c); /* socket() failed earlier */
      /* Past the deadline, a connection between requests is closed at once. */
      if (!reopen && c->fd >= 0 && c->state != AWAITING) drop(c, NULL);
      open += c->fd >= 0;
    }
  }
  return report(argv[1], (double)(now - start) / 1e9);
}
