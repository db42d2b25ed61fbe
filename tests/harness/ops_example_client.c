/* The client run-ops-examples.sh drives the completion-I/O example servers with.
 *
 *   ops_example_client echo PORT   several connections, interleaved messages of many sizes, each
 *                                  echo compared byte for byte
 *   ops_example_client http PORT   keep-alive, pipelining, HTTP/1.0 with and without keep-alive,
 *                                  HEAD, and the error statuses, each response checked
 *
 * Then it keeps one connection open, prints "holding", and expects the server (stopped by the
 * script with SIGTERM) to close it. Every read has a 10 s timeout. Exits 0 when all matched. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

enum { ECHO_CONNECTIONS = 8, ECHO_ROUNDS = 100, MAX_MESSAGE = 20000 };

static int port;
static int failures;

static void check(int ok, const char *what) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  failures += !ok;
}

static int connect_to_server(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct timeval timeout = {10, 0};
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0 ||
      connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
    perror("connecting to the server");
    exit(1);
  }
  return fd;
}

static int send_all(int fd, const char *data, size_t length) {
  while (length) {
    ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
    if (n <= 0) return -1;
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

/* Reads exactly `length` bytes; -1 on EOF, error or timeout. */
static int receive_exactly(int fd, char *data, size_t length) {
  while (length) {
    ssize_t n = recv(fd, data, length, 0);
    if (n <= 0) return -1;
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

/* True when the server closes the connection (EOF or reset) within the timeout. */
static int sees_close(int fd) {
  char byte;
  ssize_t n = recv(fd, &byte, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* ---- echo ---------------------------------------------------------------------------------- */

static size_t message_size(int round, int connection) {
  static const size_t sizes[] = {1, 64, 1000, 4096, 4097, 16384, MAX_MESSAGE};
  return sizes[(size_t)(round + connection) % (sizeof sizes / sizeof sizes[0])];
}

static void fill(char *data, size_t size, int round, int connection) {
  for (size_t i = 0; i < size; ++i)
    data[i] = (char)('a' + (size_t)(round * 7 + connection + i) % 26);
}

static void run_echo(void) {
  static char sent[MAX_MESSAGE], received[MAX_MESSAGE];
  int fds[ECHO_CONNECTIONS];
  for (int c = 0; c < ECHO_CONNECTIONS; ++c) fds[c] = connect_to_server();
  int matched = 0;
  for (int round = 0; round < ECHO_ROUNDS; ++round) {
    /* Every connection has its message in flight before the first echo is read. */
    for (int c = 0; c < ECHO_CONNECTIONS; ++c) {
      fill(sent, message_size(round, c), round, c);
      if (send_all(fds[c], sent, message_size(round, c)) < 0) break;
    }
    for (int c = 0; c < ECHO_CONNECTIONS; ++c) {
      size_t size = message_size(round, c);
      fill(sent, size, round, c);
      matched += receive_exactly(fds[c], received, size) == 0 && memcmp(sent, received, size) == 0;
    }
  }
  char text[96];
  snprintf(text, sizeof text, "%d of %d echoes matched", matched, ECHO_CONNECTIONS * ECHO_ROUNDS);
  check(matched == ECHO_CONNECTIONS * ECHO_ROUNDS, text);
  /* Half-close: what was sent before EOF still comes back, then the server closes. */
  fill(sent, 4096, 0, 0);
  shutdown(fds[0], SHUT_WR);
  check(sees_close(fds[0]), "EOF from the client closes the connection");
  if (send_all(fds[1], sent, 4096) == 0) shutdown(fds[1], SHUT_WR);
  check(receive_exactly(fds[1], received, 4096) == 0 && memcmp(sent, received, 4096) == 0 &&
            sees_close(fds[1]),
        "data sent before a half-close is echoed, then the connection closes");
  for (int c = 0; c < ECHO_CONNECTIONS; ++c) close(fds[c]);
}

/* ---- http ---------------------------------------------------------------------------------- */

struct response {
  int status;
  char connection[32]; /* the Connection header */
  char body[64];
};

/* Reads one response (head, then Content-Length bytes unless `head_only`); status 0 on
 * failure. */
static struct response read_response(int fd, int head_only) {
  struct response response = {0, "", ""};
  char head[1024];
  size_t length = 0;
  while (length < 4 || memcmp(head + length - 4, "\r\n\r\n", 4) != 0) {
    if (length == sizeof head - 1 || recv(fd, head + length, 1, 0) != 1) return response;
    ++length;
  }
  head[length] = '\0';
  long body_length = -1;
  char *field = strcasestr(head, "\r\nContent-Length:");
  if (field) body_length = strtol(field + 17, NULL, 10);
  if ((field = strcasestr(head, "\r\nConnection:")))
    sscanf(field + 13, " %31[^\r]", response.connection);
  if (body_length < 0 || body_length >= (long)sizeof response.body) return response;
  if (!head_only && receive_exactly(fd, response.body, (size_t)body_length) < 0) return response;
  sscanf(head, "HTTP/1.1 %d", &response.status);
  return response;
}

static int is_hello(struct response r, const char *connection) {
  return r.status == 200 && strcmp(r.body, "Hello, world\n") == 0 &&
         strcasecmp(r.connection, connection) == 0;
}

static void run_http(void) {
  int fd = connect_to_server();
  const char *get11 = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  int kept = 1;
  for (int i = 0; i < 3; ++i) {
    send_all(fd, get11, strlen(get11));
    kept &= is_hello(read_response(fd, 0), "keep-alive");
  }
  check(kept, "HTTP/1.1: three requests on one connection, kept alive");

  char pipelined[256];
  snprintf(pipelined, sizeof pipelined, "%s%s", get11, get11);
  send_all(fd, pipelined, strlen(pipelined));
  struct response first = read_response(fd, 0), second = read_response(fd, 0);
  check(is_hello(first, "keep-alive") && is_hello(second, "keep-alive"),
        "HTTP/1.1: two pipelined requests, answered in order");

  const char *head = "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  send_all(fd, head, strlen(head));
  struct response head_response = read_response(fd, 1);
  check(head_response.status == 200 && head_response.body[0] == '\0', "HEAD: headers only");

  const char *last = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
  send_all(fd, last, strlen(last));
  check(is_hello(read_response(fd, 0), "close") && sees_close(fd),
        "HTTP/1.1 with Connection: close: answered, then closed");
  close(fd);

  fd = connect_to_server();
  const char *get10 = "GET / HTTP/1.0\r\n\r\n";
  send_all(fd, get10, strlen(get10));
  check(is_hello(read_response(fd, 0), "close") && sees_close(fd),
        "HTTP/1.0: answered, then closed");
  close(fd);

  fd = connect_to_server();
  const char *get10_kept = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
  kept = 1;
  for (int i = 0; i < 2; ++i) {
    send_all(fd, get10_kept, strlen(get10_kept));
    kept &= is_hello(read_response(fd, 0), "keep-alive");
  }
  check(kept, "HTTP/1.0 with Connection: Keep-Alive (ab -k): kept alive");
  close(fd);

  static const struct {
    const char *request;
    int status;
  } bad[] = {{"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 413},
             {"DELETE / HTTP/1.1\r\n\r\n", 405},
             {"nonsense\r\n\r\n", 400}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    fd = connect_to_server();
    send_all(fd, bad[i].request, strlen(bad[i].request));
    struct response response = read_response(fd, 0);
    char text[64];
    snprintf(text, sizeof text, "bad request answered %d, then closed", bad[i].status);
    check(response.status == bad[i].status && sees_close(fd), text);
    close(fd);
  }
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "echo") && strcmp(argv[1], "http")) ||
      !(port = atoi(argv[2]))) {
    fprintf(stderr, "usage: %s echo|http PORT\n", argv[0]);
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(argv[1], "echo") == 0)
    run_echo();
  else
    run_http();
  int idle = connect_to_server();
  printf("holding\n");
  check(sees_close(idle), "an open connection is closed when the server stops");
  return failures ? 1 : 0;
}
