/* The raw io_uring floors, on bare syscalls: one io_uring_enter per iteration that both submits
   and collects. Backend "multishot": each fd gets one IORING_POLL_ADD_MULTI poll that stays armed.
   Backend "oneshot": a plain POLL_ADD re-armed after every completion, which is what a
   level-triggered, libev-style loop must do. In both, a completion without IORING_CQE_F_MORE
   means the poll is no longer armed, so it is re-armed for the next enter. */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/uring_raw.h"
#include "floor_timers.h"
#include "loop_adapter.h"

#define SQ_ENTRIES 4096
#define CQ_ENTRIES 32768

static struct uring ring;
static const int *fds;
static int fd_count;
static bool use_timers, multishot, registered;

static void arm_poll(int index) {
  struct io_uring_sqe *sqe = uring_get_sqe(&ring);
  sqe->opcode = IORING_OP_POLL_ADD;
  sqe->fd = fds[index];
  sqe->poll32_events = POLLIN;
  sqe->len = multishot ? IORING_POLL_ADD_MULTI : 0;
  sqe->user_data = (uint64_t)index;
}

const char *adapter_init(const char *backend, const int *read_fds, int count, bool with_timers) {
  if (strcmp(backend, "multishot") == 0) {
    multishot = true;
    const char *unsupported = uring_probe_multishot_poll();
    if (unsupported) return unsupported;
  } else if (strcmp(backend, "oneshot") != 0) {
    return "backend must be multishot or oneshot";
  }
  const char *failure = uring_open(&ring, SQ_ENTRIES, CQ_ENTRIES);
  if (failure) return failure;
  if (!floor_timers_init(count)) return "out of memory";
  fds = read_fds;
  fd_count = count;
  use_timers = with_timers;
  return NULL;
}

const char *adapter_describe(void) {
  static char text[80];
  snprintf(text, sizeof text, "raw io_uring %s poll, %s", multishot ? "multishot" : "oneshot",
           uring_describe_flags(&ring));
  return text;
}

void adapter_setup_watchers(void) {
  if (!registered) {
    for (int i = 0; i < fd_count; i++) arm_poll(i);
    registered = true;
  }
  if (use_timers) floor_timers_restart_all();
}

static void on_completion(const struct io_uring_cqe *cqe, void *ctx) {
  (void)ctx;
  int index = (int)cqe->user_data;
  if (cqe->res < 0) {
    fprintf(stderr, "poll on fd index %d failed: %s\n", index, strerror(-cqe->res));
    exit(1);
  }
  if (!(cqe->flags & IORING_CQE_F_MORE)) arm_poll(index);
  bench_on_readable(index);
}

void adapter_run_once(void) {
  if (uring_enter(&ring, 0) < 0) {
    perror("io_uring_enter");
    exit(1);
  }
  if (use_timers) floor_timers_update_now();
  uring_reap(&ring, on_completion, NULL);
  if (use_timers) floor_timers_expire();
}

void adapter_timer_again(int index) {
  floor_timers_again(index);
}
