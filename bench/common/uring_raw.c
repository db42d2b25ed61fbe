#include "uring_raw.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_io_uring_setup(unsigned entries, struct io_uring_params *params) {
  return (int)syscall(__NR_io_uring_setup, entries, params);
}

static int sys_io_uring_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags) {
  return (int)syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, NULL, 0);
}

/* Best first: deferred task work runs completions only inside our one enter per iteration. */
static const unsigned preferred_setup_flags[] = {
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
    0,
};

static const char *map_rings(struct uring *ring, const struct io_uring_params *params) {
  if (!(params->features & IORING_FEAT_SINGLE_MMAP)) return "kernel lacks IORING_FEAT_SINGLE_MMAP";
  size_t sq_size = params->sq_off.array + params->sq_entries * sizeof(unsigned);
  size_t cq_size = params->cq_off.cqes + params->cq_entries * sizeof(struct io_uring_cqe);
  ring->ring_map_size = sq_size > cq_size ? sq_size : cq_size;
  ring->ring_map = mmap(NULL, ring->ring_map_size, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_POPULATE, ring->fd, IORING_OFF_SQ_RING);
  if (ring->ring_map == MAP_FAILED) return "mmap of the rings failed";
  ring->sqes_map_size = params->sq_entries * sizeof(struct io_uring_sqe);
  ring->sqes = mmap(NULL, ring->sqes_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                    ring->fd, IORING_OFF_SQES);
  if (ring->sqes == MAP_FAILED) {
    munmap(ring->ring_map, ring->ring_map_size);
    return "mmap of the SQEs failed";
  }
  char *base = ring->ring_map;
  ring->sq_khead = (unsigned *)(base + params->sq_off.head);
  ring->sq_ktail = (unsigned *)(base + params->sq_off.tail);
  ring->sq_mask = (unsigned *)(base + params->sq_off.ring_mask);
  ring->sq_array = (unsigned *)(base + params->sq_off.array);
  ring->cq_khead = (unsigned *)(base + params->cq_off.head);
  ring->cq_ktail = (unsigned *)(base + params->cq_off.tail);
  ring->cq_mask = (unsigned *)(base + params->cq_off.ring_mask);
  ring->cqes = (struct io_uring_cqe *)(base + params->cq_off.cqes);
  ring->sq_entries = params->sq_entries;
  ring->sq_tail = *ring->sq_ktail;
  return NULL;
}

const char *uring_open(struct uring *ring, unsigned sq_entries, unsigned cq_entries) {
  memset(ring, 0, sizeof *ring);
  int last_errno = 0;
  for (size_t i = 0; i < sizeof preferred_setup_flags / sizeof *preferred_setup_flags; i++) {
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    params.flags = preferred_setup_flags[i] | IORING_SETUP_CQSIZE;
    params.cq_entries = cq_entries;
    ring->fd = sys_io_uring_setup(sq_entries, &params);
    if (ring->fd < 0) {
      last_errno = errno;
      if (last_errno == EINVAL) continue; /* an older kernel: try fewer flags */
      break;
    }
    ring->setup_flags = params.flags;
    const char *failure = map_rings(ring, &params);
    if (failure) close(ring->fd);
    return failure;
  }
  static char reason[96];
  snprintf(reason, sizeof reason, "io_uring_setup failed: %s", strerror(last_errno));
  return reason;
}

void uring_close(struct uring *ring) {
  munmap(ring->sqes, ring->sqes_map_size);
  munmap(ring->ring_map, ring->ring_map_size);
  close(ring->fd);
}

const char *uring_describe_flags(const struct uring *ring) {
  if (ring->setup_flags & IORING_SETUP_DEFER_TASKRUN) return "single_issuer+defer_taskrun";
  if (ring->setup_flags & IORING_SETUP_COOP_TASKRUN) return "coop_taskrun";
  return "default";
}

struct io_uring_sqe *uring_get_sqe(struct uring *ring) {
  if (ring->sq_tail - __atomic_load_n(ring->sq_khead, __ATOMIC_ACQUIRE) == ring->sq_entries) {
    uring_enter(ring, 0);
  }
  unsigned index = ring->sq_tail & *ring->sq_mask;
  ring->sq_array[index] = index;
  ring->sq_tail++;
  struct io_uring_sqe *sqe = &ring->sqes[index];
  memset(sqe, 0, sizeof *sqe);
  return sqe;
}

int uring_enter(struct uring *ring, unsigned min_complete) {
  __atomic_store_n(ring->sq_ktail, ring->sq_tail, __ATOMIC_RELEASE);
  unsigned to_submit = ring->sq_tail - __atomic_load_n(ring->sq_khead, __ATOMIC_ACQUIRE);
  return sys_io_uring_enter(ring->fd, to_submit, min_complete, IORING_ENTER_GETEVENTS);
}

unsigned uring_reap(struct uring *ring, void (*on_cqe)(const struct io_uring_cqe *cqe, void *ctx),
                    void *ctx) {
  unsigned head = *ring->cq_khead;
  unsigned tail = __atomic_load_n(ring->cq_ktail, __ATOMIC_ACQUIRE);
  for (unsigned at = head; at != tail; at++) on_cqe(&ring->cqes[at & *ring->cq_mask], ctx);
  __atomic_store_n(ring->cq_khead, tail, __ATOMIC_RELEASE);
  return tail - head;
}

static void keep_first_cqe(const struct io_uring_cqe *cqe, void *ctx) {
  struct io_uring_cqe *first = ctx;
  if (first->user_data == 0) *first = *cqe;
}

const char *uring_probe_multishot_poll(void) {
  struct uring ring;
  const char *failure = uring_open(&ring, 4, 8);
  if (failure) return failure;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    uring_close(&ring);
    return "pipe2 failed";
  }
  if (write(fds[1], "x", 1) != 1) failure = "write to the probe pipe failed";
  struct io_uring_sqe *sqe = uring_get_sqe(&ring);
  sqe->opcode = IORING_OP_POLL_ADD;
  sqe->fd = fds[0];
  sqe->poll32_events = POLLIN;
  sqe->len = IORING_POLL_ADD_MULTI;
  sqe->user_data = 1;
  struct io_uring_cqe first = {0};
  if (!failure && uring_enter(&ring, 1) < 0) failure = "io_uring_enter failed";
  if (!failure) uring_reap(&ring, keep_first_cqe, &first);
  if (!failure && first.user_data != 1) failure = "no completion for the probe poll";
  if (!failure && first.res < 0) failure = "IORING_POLL_ADD_MULTI rejected (kernel < 5.13?)";
  if (!failure && !(first.flags & IORING_CQE_F_MORE)) failure = "poll did not stay armed";
  /* Closing the ring cancels the probe poll, so nothing outlives this function. */
  uring_close(&ring);
  close(fds[0]);
  close(fds[1]);
  return failure;
}
