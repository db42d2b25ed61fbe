/* The timer benchmark: start, re-arm (again), stop, and let expire --count timers (1,000,000 by
   default), timing each phase. Every contender gets the same pseudo-random intervals, so the heaps
   see the same order of work. Prints one JSON line. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../common/bench_clock.h"
#include "../common/cli.h"
#include "timer_adapter.h"

#define EXIT_SKIP 77

static long fired;
static unsigned char *fired_once;

void timer_bench_fired(int index) {
  fired++;
  fired_once[index]++;
}

/* xorshift64: the same sequence on every run and every contender. */
static double next_unit(uint64_t *state) {
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return (double)(*state >> 11) / (double)(1ULL << 53);
}

static double elapsed_ms(int64_t since_ns) {
  return (double)(bench_now_ns() - since_ns) / 1e6;
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {{"backend", required_argument, 0, 'b'},
                                           {"count", required_argument, 0, 'n'},
                                           {"timeout", required_argument, 0, 'T'},
                                           {0, 0, 0, 0}};
  const char *backend = "epoll";
  int count = 1000000;
  long timeout_s = 120;
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'b':
        backend = optarg;
        break;
      case 'n':
        count = (int)bench_parse_long("--count", optarg, 1, 100000000);
        break;
      case 'T':
        timeout_s = bench_parse_long("--timeout", optarg, 1, 86400);
        break;
      default:
        fprintf(stderr, "usage: timer-bench [--backend NAME] [--count N]\n");
        return 2;
    }
  }
  alarm((unsigned)timeout_s);
  fired_once = calloc((size_t)count, 1);
  if (!fired_once) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  const char *failure = timers_init(backend, count);
  if (failure) {
    fprintf(stderr, "skip: %s\n", failure);
    return EXIT_SKIP;
  }
  uint64_t random_state = 0x9e3779b97f4a7c15ULL;

  /* Far-future timers: the first three phases measure pure bookkeeping, nothing fires. */
  int64_t phase = bench_now_ns();
  for (int i = 0; i < count; i++) timers_start(i, 100.0 + 100.0 * next_unit(&random_state));
  double start_ms = elapsed_ms(phase);

  phase = bench_now_ns();
  for (int i = 0; i < count; i++) timers_again(i, 100.0 + 100.0 * next_unit(&random_state));
  double again_ms = elapsed_ms(phase);

  phase = bench_now_ns();
  for (int i = 0; i < count; i++) timers_stop(i);
  double stop_ms = elapsed_ms(phase);

  /* Due within 1 ms: starting a million takes far longer, so expiry is processing, not waiting. */
  for (int i = 0; i < count; i++) timers_start(i, 0.001 * next_unit(&random_state));
  phase = bench_now_ns();
  while (fired < count) timers_run_once();
  double expire_ms = elapsed_ms(phase);

  long missed_or_repeated = 0;
  for (int i = 0; i < count; i++) missed_or_repeated += fired_once[i] != 1;
  if (missed_or_repeated) {
    fprintf(stderr, "%ld timers did not fire exactly once\n", missed_or_repeated);
    return 1;
  }
  printf(
      "{\"backend\":\"%s\",\"engine\":\"%s\",\"count\":%d,\"start_ms\":%.3f,\"again_ms\":%.3f,"
      "\"stop_ms\":%.3f,\"expire_ms\":%.3f}\n",
      backend, timers_describe(), count, start_ms, again_ms, stop_ms, expire_ms);
  return 0;
}
