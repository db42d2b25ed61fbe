/* The loop benchmark needs tens of thousands of fds; the soft limit is usually far below the hard
 * one. */
#ifndef BENCH_FD_LIMIT_H
#define BENCH_FD_LIMIT_H

/* Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the limit now in force. */
long bench_raise_fd_limit(void);

#endif
