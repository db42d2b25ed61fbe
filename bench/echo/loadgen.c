/* Load client for the echo benchmark: C connections to 127.0.0.1:port, each in ping-pong (send a
   message, wait for all of it to come back, send the next). Stops after --requests round trips or
   --seconds, whichever comes first, and prints one JSON line: throughput and latency percentiles.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/bench_clock.h"
#include "../common/cli.h"
#include "../common/fd_limit.h"

#define MAX_MESSAGE 4096

struct options {
  int port, connections, message_size;
  long requests;
  double seconds;
};

struct client {
  int fd;
  int received; /* bytes of the current reply so far */
  int64_t sent_at_ns;
};

static struct options opt = {0, 10, 64, 100000, 10.0};
static char message[MAX_MESSAGE];
static int64_t *latencies_ns;
static long issued, completed;

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen --port P [--connections C] [--requests R] [--size BYTES] "
          "[--seconds S]\n");
  exit(2);
}

static void parse_options(int argc, char **argv) {
  static const struct option longopts[] = {
      {"port", required_argument, 0, 'p'},     {"connections", required_argument, 0, 'c'},
      {"requests", required_argument, 0, 'n'}, {"size", required_argument, 0, 's'},
      {"seconds", required_argument, 0, 't'},  {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'p':
        opt.port = (int)bench_parse_long("--port", optarg, 1, 65535);
        break;
      case 'c':
        opt.connections = (int)bench_parse_long("--connections", optarg, 1, 10000);
        break;
      case 'n':
        opt.requests = bench_parse_long("--requests", optarg, 1, 100000000);
        break;
      case 's':
        opt.message_size = (int)bench_parse_long("--size", optarg, 1, MAX_MESSAGE);
        break;
      case 't':
        opt.seconds = (double)bench_parse_long("--seconds", optarg, 1, 3600);
        break;
      default:
        usage();
    }
  }
  if (optind != argc || opt.port == 0) usage();
}

static void fail(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int connect_client(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) fail("connect");
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

static void send_request(struct client *client) {
  client->received = 0;
  client->sent_at_ns = bench_now_ns();
  if (write(client->fd, message, (size_t)opt.message_size) != opt.message_size) fail("write");
  issued++;
}

static void on_readable(struct client *client) {
  char reply[MAX_MESSAGE];
  ssize_t n = read(client->fd, reply, sizeof reply);
  if (n == 0) {
    errno = ECONNRESET;
    fail("server closed the connection");
  }
  if (n < 0) {
    if (errno == EINTR) return;
    fail("read");
  }
  client->received += (int)n;
  if (client->received < opt.message_size) return;
  if (client->received > opt.message_size) {
    errno = EPROTO;
    fail("more bytes came back than were sent");
  }
  latencies_ns[completed++] = bench_now_ns() - client->sent_at_ns;
  if (issued < opt.requests) send_request(client);
}

static int compare_int64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static double percentile_us(double fraction) {
  if (completed == 0) return 0.0;
  long index = (long)(fraction * (double)(completed - 1) + 0.5);
  return (double)latencies_ns[index] / 1e3;
}

int main(int argc, char **argv) {
  parse_options(argc, argv);
  if (bench_raise_fd_limit() < opt.connections + 16) {
    fprintf(stderr, "loadgen: the fd limit is below %d connections\n", opt.connections);
    return 1;
  }
  alarm((unsigned)opt.seconds + 30); /* --seconds is checked between events; this bounds a hang */
  memset(message, 'x', sizeof message);
  latencies_ns = malloc(sizeof *latencies_ns * (size_t)opt.requests);
  struct client *clients = calloc((size_t)opt.connections, sizeof *clients);
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (!latencies_ns || !clients || epoll_fd < 0) fail("setup");
  for (int i = 0; i < opt.connections; i++) {
    clients[i].fd = connect_client();
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = &clients[i]};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, clients[i].fd, &event) != 0) fail("epoll_ctl");
  }
  int64_t start_ns = bench_now_ns();
  int64_t deadline_ns = start_ns + (int64_t)(opt.seconds * 1e9);
  for (int i = 0; i < opt.connections && issued < opt.requests; i++) send_request(&clients[i]);
  bool out_of_time = false;
  struct epoll_event ready[256];
  while (completed < issued && !out_of_time) {
    int n = epoll_wait(epoll_fd, ready, 256, 100);
    if (n < 0 && errno != EINTR) fail("epoll_wait");
    for (int i = 0; i < n; i++) on_readable(ready[i].data.ptr);
    out_of_time = bench_now_ns() > deadline_ns;
  }
  double elapsed = (double)(bench_now_ns() - start_ns) / 1e9;
  qsort(latencies_ns, (size_t)completed, sizeof *latencies_ns, compare_int64);
  printf(
      "{\"connections\":%d,\"size\":%d,\"requests\":%ld,\"seconds\":%.6f,\"rps\":%.1f,"
      "\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"out_of_time\":%s}\n",
      opt.connections, opt.message_size, completed, elapsed, (double)completed / elapsed,
      percentile_us(0.50), percentile_us(0.99), percentile_us(1.0), out_of_time ? "true" : "false");
  return 0;
}
