/* The raw epoll floor: the least a level-triggered epoll loop can do for this benchmark. Each fd
   is registered once; restarting a watcher with the same fd and events needs no kernel call, so
   setup only restarts the timers. One epoll_wait per iteration. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "floor_timers.h"
#include "loop_adapter.h"

static int epoll_fd = -1;
static struct epoll_event *ready;
static const int *fds;
static int fd_count;
static bool use_timers, registered;

const char *adapter_init(const char *backend, const int *read_fds, int count, bool with_timers) {
  (void)backend;
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return "epoll_create1 failed";
  ready = calloc((size_t)count, sizeof *ready);
  if (!ready || !floor_timers_init(count)) return "out of memory";
  fds = read_fds;
  fd_count = count;
  use_timers = with_timers;
  return NULL;
}

const char *adapter_describe(void) {
  return "raw epoll, level-triggered";
}

void adapter_setup_watchers(void) {
  if (!registered) {
    for (int i = 0; i < fd_count; i++) {
      struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
      if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fds[i], &event) != 0) {
        perror("epoll_ctl");
        exit(1);
      }
    }
    registered = true;
  }
  if (use_timers) floor_timers_restart_all();
}

void adapter_run_once(void) {
  int n = epoll_wait(epoll_fd, ready, fd_count, 0);
  if (use_timers) floor_timers_update_now();
  for (int i = 0; i < n; i++) bench_on_readable((int)ready[i].data.u32);
  if (use_timers) floor_timers_expire();
}

void adapter_timer_again(int index) {
  floor_timers_again(index);
}
