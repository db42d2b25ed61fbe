/* The loop benchmark, after libevent's bench.c as used on libev's benchmark page: N fd pairs
   each with a read watcher, A of them made readable, and every callback passing one byte on to the
   next pair until W writes are spent. Per round it measures setup (restart every watcher and let
   the loop apply that) and event processing (iterate without blocking until every byte written
   has been read). Prints one JSON object per line: the configuration, then one per round. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include "../common/bench_clock.h"
#include "../common/cli.h"
#include "../common/fd_limit.h"
#include "loop_adapter.h"

#define EXIT_SKIP 77
#define EXIT_STALLED 3
#define STALL_LIMIT_NS 2000000000LL

struct options {
  int pairs, active, writes, rounds, warmup, timeout_s, budget_ms;
  bool timers, pipes;
  const char *backend;
};

static struct options opt = {100, 1, 1000, 5, 1, 60, 0, false, false, "default"};
static int *read_fds, *write_fds;

/* Per-round tallies, touched by the callbacks. */
static long bytes_sent, bytes_received, writes_left, callbacks, timeouts;

void bench_on_readable(int index) {
  char buf[64]; /* a pair never holds more than a few bytes, so one read drains it */
  ssize_t n = read(read_fds[index], buf, sizeof buf);
  if (n > 0) bytes_received += n;
  callbacks++;
  if (opt.timers) adapter_timer_again(index);
  if (writes_left > 0) {
    int next = index + 1 == opt.pairs ? 0 : index + 1;
    if (write(write_fds[next], "e", 1) == 1) bytes_sent++;
    writes_left--;
  }
}

void bench_on_timeout(int index) {
  (void)index;
  timeouts++;
}

/* Spread so timers interleave in the heap, and long enough never to expire during a run. */
double bench_timer_repeat(int index) {
  return 10.0 + (index % 997) * 0.01;
}

static void usage(void) {
  fprintf(stderr,
          "usage: loop-bench [--backend NAME] [--pairs N] [--active A] [--writes W]\n"
          "                  [--rounds R] [--warmup K] [--budget-ms MS] [--timers] [--pipes]\n"
          "                  [--timeout S]\n");
  exit(2);
}

static void parse_options(int argc, char **argv) {
  static const struct option longopts[] = {{"backend", required_argument, 0, 'b'},
                                           {"pairs", required_argument, 0, 'n'},
                                           {"active", required_argument, 0, 'a'},
                                           {"writes", required_argument, 0, 'w'},
                                           {"rounds", required_argument, 0, 'r'},
                                           {"warmup", required_argument, 0, 'k'},
                                           {"timers", no_argument, 0, 't'},
                                           {"pipes", no_argument, 0, 'p'},
                                           {"timeout", required_argument, 0, 'T'},
                                           {"budget-ms", required_argument, 0, 'B'},
                                           {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'b':
        opt.backend = optarg;
        break;
      case 'n':
        opt.pairs = (int)bench_parse_long("--pairs", optarg, 1, 1 << 20);
        break;
      case 'a':
        opt.active = (int)bench_parse_long("--active", optarg, 1, 1 << 20);
        break;
      case 'w':
        opt.writes = (int)bench_parse_long("--writes", optarg, 0, 1 << 30);
        break;
      case 'r':
        opt.rounds = (int)bench_parse_long("--rounds", optarg, 1, 1 << 20);
        break;
      case 'k':
        opt.warmup = (int)bench_parse_long("--warmup", optarg, 0, 1 << 20);
        break;
      case 't':
        opt.timers = true;
        break;
      case 'p':
        opt.pipes = true;
        break;
      case 'T':
        opt.timeout_s = (int)bench_parse_long("--timeout", optarg, 1, 86400);
        break;
      case 'B':
        opt.budget_ms = (int)bench_parse_long("--budget-ms", optarg, 0, 86400000);
        break;
      default:
        usage();
    }
  }
  if (optind != argc || opt.active > opt.pairs) usage();
}

static void open_pairs(void) {
  long limit = bench_raise_fd_limit();
  read_fds = malloc(sizeof *read_fds * opt.pairs);
  write_fds = malloc(sizeof *write_fds * opt.pairs);
  if (!read_fds || !write_fds) exit(1);
  for (int i = 0; i < opt.pairs; i++) {
    int fds[2];
    int rc = opt.pipes ? pipe2(fds, O_NONBLOCK | O_CLOEXEC)
                       : socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds);
    if (rc != 0) {
      fprintf(stderr, "could not open pair %d of %d (fd limit %ld): %m\n", i, opt.pairs, limit);
      exit(1);
    }
    read_fds[i] = fds[0];
    write_fds[i] = fds[1];
  }
}

struct round_result {
  int64_t setup_ns, event_ns;
  long iterations;
};

/* A loop that lost an event would spin here forever; clock reads happen only on empty iterations,
   which a healthy loop rarely has. Returns when the stall began. */
static int64_t check_stall(int64_t stalled_since) {
  int64_t now = bench_now_ns();
  if (!stalled_since) return now;
  if (now - stalled_since > STALL_LIMIT_NS) {
    fprintf(stderr, "stalled: %ld of %ld bytes read, no event for 2 s\n", bytes_received,
            bytes_sent);
    exit(EXIT_STALLED);
  }
  return stalled_since;
}

static struct round_result run_round(void) {
  struct round_result result = {0, 0, 0};
  int64_t setup_start = bench_now_ns();
  adapter_setup_watchers();
  adapter_run_once();
  result.setup_ns = bench_now_ns() - setup_start;

  bytes_sent = bytes_received = callbacks = timeouts = 0;
  int spacing = opt.pairs / opt.active;
  for (int i = 0; i < opt.active; i++) {
    if (write(write_fds[i * spacing], "e", 1) == 1) bytes_sent++;
  }
  writes_left = opt.writes;

  int64_t events_start = bench_now_ns();
  int64_t stalled_since = 0;
  do {
    long received_before = bytes_received;
    adapter_run_once();
    result.iterations++;
    if (bytes_received == received_before)
      stalled_since = check_stall(stalled_since);
    else
      stalled_since = 0;
  } while (bytes_received != bytes_sent);
  result.event_ns = bench_now_ns() - events_start;
  return result;
}

int main(int argc, char **argv) {
  parse_options(argc, argv);
  alarm((unsigned)opt.timeout_s); /* a contender that loses an event must not hang the suite */
  open_pairs();
  const char *failure = adapter_init(opt.backend, read_fds, opt.pairs, opt.timers);
  if (failure) {
    fprintf(stderr, "skip: %s\n", failure);
    return EXIT_SKIP;
  }
  printf(
      "{\"type\":\"config\",\"backend\":\"%s\",\"engine\":\"%s\",\"pairs\":%d,\"active\":%d,"
      "\"writes\":%d,\"timers\":%d,\"transport\":\"%s\"}\n",
      opt.backend, adapter_describe(), opt.pairs, opt.active, opt.writes, opt.timers,
      opt.pipes ? "pipe" : "socketpair");
  /* --budget-ms caps the measured rounds' total time, so slow contenders (select over thousands of
     fds) stop early instead of stretching the suite; at least one round is always measured. */
  int64_t measuring_since = 0;
  for (int round = -opt.warmup; round < opt.rounds; round++) {
    if (round == 0) measuring_since = bench_now_ns();
    if (round > 0 && opt.budget_ms &&
        bench_now_ns() - measuring_since > opt.budget_ms * 1000000LL) {
      break;
    }
    struct round_result r = run_round();
    printf(
        "{\"type\":\"round\",\"round\":%d,\"warmup\":%d,\"setup_us\":%.3f,\"event_us\":%.3f,"
        "\"callbacks\":%ld,\"bytes\":%ld,\"iterations\":%ld,\"timeouts\":%ld}\n",
        round, round < 0, r.setup_ns / 1e3, r.event_ns / 1e3, callbacks, bytes_received,
        r.iterations, timeouts);
  }
  return 0;
}
