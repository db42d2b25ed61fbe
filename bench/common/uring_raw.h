/* A minimal io_uring built from the bare syscalls (io_uring_setup/io_uring_enter and mmap of the
   rings), with no liburing: the raw floor must show what the kernel interface costs by itself. */
#ifndef BENCH_URING_RAW_H
#define BENCH_URING_RAW_H

#include <linux/io_uring.h>
#include <stddef.h>

struct uring {
  int fd;
  unsigned setup_flags;
  unsigned sq_entries;
  unsigned sq_tail; /* ours; published to *sq_ktail on enter */
  unsigned *sq_khead, *sq_ktail, *sq_mask, *sq_array;
  struct io_uring_sqe *sqes;
  unsigned *cq_khead, *cq_ktail, *cq_mask;
  struct io_uring_cqe *cqes;
  void *ring_map;
  size_t ring_map_size;
  size_t sqes_map_size;
};

/* Opens a ring, preferring the setup flags that make completions cheapest on this kernel.
   Returns NULL on success, or why io_uring is unusable here. */
const char *uring_open(struct uring *ring, unsigned sq_entries, unsigned cq_entries);
void uring_close(struct uring *ring);

/* Names the setup flags the kernel accepted, for the benchmark's report. */
const char *uring_describe_flags(const struct uring *ring);

/* Returns NULL if a multishot poll (IORING_POLL_ADD_MULTI) works on this kernel, else why not. */
const char *uring_probe_multishot_poll(void);

/* The next free SQE, zeroed. Submits first if the queue is full. */
struct io_uring_sqe *uring_get_sqe(struct uring *ring);

/* One io_uring_enter: submits everything queued and collects completions, waiting for at least
   min_complete of them. Returns the syscall result. */
int uring_enter(struct uring *ring, unsigned min_complete);

/* Hands each completion now in the CQ to on_cqe, then releases them to the kernel. */
unsigned uring_reap(struct uring *ring, void (*on_cqe)(const struct io_uring_cqe *cqe, void *ctx),
                    void *ctx);

#endif
