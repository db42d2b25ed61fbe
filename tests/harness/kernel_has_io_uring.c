/* Tells run-catch.sh whether this kernel lets a process create an io_uring, independently of
 * evring (a broken io_uring backend must fail its tests, not be skipped). Exits 0 if it does,
 * otherwise prints the reason and exits 1. */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  struct io_uring_params params;
  memset(&params, 0, sizeof params);
  long fd = syscall(__NR_io_uring_setup, 4, &params);
  if (fd < 0) {
    int err = errno;
    printf("the kernel refuses io_uring_setup: %s%s\n", strerror(err),
           err == EPERM ? " (see sysctl kernel.io_uring_disabled)" : "");
    return 1;
  }
  close((int)fd);
  return 0;
}
