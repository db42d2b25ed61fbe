/* LD_PRELOAD shim emulating a sandboxed kernel seen on a CI runner: select(2) does not fail with
 * EBADF for an fd number that is not open, it leaves that fd's bits as the caller set them (so
 * the fd looks ready) and does not count it in its result. Used by run.sh's "1:select_skips_closed"
 * backend so that evring is compared with libev on such a kernel too. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <sys/select.h>

typedef int select_fn(int, fd_set *, fd_set *, fd_set *, struct timeval *);

enum { BITS = 8 * sizeof(unsigned long) };

static int is_set(const fd_set *set, int fd) {
  return set && (((const unsigned long *)set)[fd / BITS] >> (fd % BITS)) & 1;
}

static void clear(fd_set *set, int fd) {
  if (set) ((unsigned long *)set)[fd / BITS] &= ~(1UL << (fd % BITS));
}

static void mark(fd_set *set, int fd) {
  if (set) ((unsigned long *)set)[fd / BITS] |= 1UL << (fd % BITS);
}

int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
           struct timeval *timeout) {
  static select_fn *real_select;
  if (!real_select) real_select = (select_fn *)dlsym(RTLD_NEXT, "select");
  /* Bounded by the callers here: the compat programs watch fewer than 1024 fds. */
  enum { MAX = 1024 };
  char closed_read[MAX], closed_write[MAX];
  memset(closed_read, 0, sizeof closed_read);
  memset(closed_write, 0, sizeof closed_write);
  for (int fd = 0; fd < nfds && fd < MAX; ++fd) {
    if (!is_set(readfds, fd) && !is_set(writefds, fd)) continue;
    if (fcntl(fd, F_GETFD) != -1) continue;
    closed_read[fd] = (char)is_set(readfds, fd);
    closed_write[fd] = (char)is_set(writefds, fd);
    clear(readfds, fd);
    clear(writefds, fd);
  }
  int result = real_select(nfds, readfds, writefds, exceptfds, timeout);
  if (result < 0) return result;
  for (int fd = 0; fd < nfds && fd < MAX; ++fd) {
    if (closed_read[fd]) mark(readfds, fd);
    if (closed_write[fd]) mark(writefds, fd);
  }
  return result;
}
