/* Special files as io watchers: eventfd (read and write), timerfd, signalfd, inotify, a
 * listening TCP socket with three pending connections, both ends of a pipe whose other end is
 * closed (with EV_READ and with EV_WRITE), a pty master whose slave closes, a directory (epoll
 * refuses it with EPERM), an epoll fd holding a readable pipe, and a TCP socket that was never
 * connected (EV_READ|EV_WRITE). Each callback traces revents and
 * consumes one unit of readiness (one read or one accept); a watcher stops after four calls, a
 * guard timer ends each case. Each case runs in its own child with a check watcher tracing the
 * iterations. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>

#include "compat.h"

enum kind {
  EVENTFD_READ,
  EVENTFD_WRITE,
  TIMERFD,
  SIGNALFD,
  INOTIFY,
  LISTENER,
  PIPE_HUP_READ,
  PIPE_HUP_WRITE,
  PIPE_ERR_READ,
  PIPE_ERR_WRITE,
  PTY,
  DIRECTORY,
  EPOLL_FD,
  UNCONNECTED_TCP
};
static const char *const kind_names[] = {"eventfd-read",
                                         "eventfd-write",
                                         "timerfd",
                                         "signalfd",
                                         "inotify",
                                         "listener",
                                         "pipe-writer-gone-read",
                                         "pipe-writer-gone-write",
                                         "pipe-reader-gone-read",
                                         "pipe-reader-gone-write",
                                         "pty-master",
                                         "directory",
                                         "epoll-fd",
                                         "unconnected-tcp"};

static enum kind kind;
static int calls, aux = -1, pty_slave = -1;
static char dir[64];

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char buf[512];
  ssize_t n;
  if (kind == LISTENER) {
    int c = accept(w->fd, NULL, NULL);
    printf("  accept %s\n", c >= 0 ? "succeeded" : errno == EAGAIN ? "EAGAIN" : "failed");
  } else if (kind == EVENTFD_WRITE) {
    uint64_t one = 1;
    printf("  write returned %zd\n", write(w->fd, &one, sizeof one));
  } else if (kind == PIPE_ERR_WRITE) {
    n = write(w->fd, "x", 1);
    printf("  write returned %zd%s\n", n, n < 0 && errno == EPIPE ? " EPIPE" : "");
  } else if (kind == EPOLL_FD) {
    struct epoll_event event;
    printf("  epoll_wait returned %d\n", epoll_wait(w->fd, &event, 1, 0));
    if (calls == 1) {
      printf("  read %zd from the pipe inside\n", read(aux, buf, sizeof buf));
    }
  } else {
    n = read(w->fd, buf, sizeof buf);
    if (n < 0)
      printf("  read failed: %s\n", errno == EAGAIN   ? "EAGAIN"
                                    : errno == EIO    ? "EIO"
                                    : errno == EBADF  ? "EBADF"
                                    : errno == EINVAL ? "EINVAL"
                                                      : "other");
    else if (kind == SIGNALFD && n == sizeof(struct signalfd_siginfo))
      printf("  read a siginfo for %s\n",
             ((struct signalfd_siginfo *)buf)->ssi_signo == SIGUSR1 ? "SIGUSR1" : "another signal");
    else if (kind == INOTIFY && n > 0)
      printf("  read an event for '%s'\n", ((struct inotify_event *)buf)->name);
    else if ((kind == EVENTFD_READ || kind == TIMERFD) && n == 8)
      printf("  read count %llu\n", (unsigned long long)*(uint64_t *)buf);
    else
      printf("  read %zd\n", n);
    if (kind == PTY && n > 0 && pty_slave >= 0) {
      close(pty_slave);
      pty_slave = -1;
      printf("  closed the slave\n");
    }
  }
  if (++calls == 4) {
    ev_io_stop(loop, w);
    printf("  stopped\n");
  }
}

static ev_io watcher;

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show_state(&watcher);
  ev_io_stop(loop, &watcher);
  stop_tracing_iterations(loop);
}

static int make_fd(int *events) {
  int fd, p[2];
  *events = EV_READ;
  switch (kind) {
    case EVENTFD_READ:
      fd = eventfd(0, EFD_NONBLOCK);
      require(fd >= 0, "eventfd");
      require(write(fd, &(uint64_t){3}, 8) == 8, "write");
      return fd;
    case EVENTFD_WRITE:
      *events = EV_WRITE;
      fd = eventfd(0, EFD_NONBLOCK);
      require(fd >= 0, "eventfd");
      return fd;
    case TIMERFD: {
      fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
      require(fd >= 0, "timerfd_create");
      struct itimerspec spec = {.it_value = {0, 1}};
      require(timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL) == 0, "timerfd_settime");
      return fd;
    }
    case SIGNALFD: {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGUSR1);
      require(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "sigprocmask");
      fd = signalfd(-1, &set, SFD_NONBLOCK);
      require(fd >= 0, "signalfd");
      require(raise(SIGUSR1) == 0, "raise");
      return fd;
    }
    case INOTIFY: {
      strcpy(dir, "/tmp/fdx_inotify.XXXXXX");
      require(mkdtemp(dir) != NULL, "mkdtemp");
      fd = inotify_init1(IN_NONBLOCK);
      require(fd >= 0, "inotify_init1");
      require(inotify_add_watch(fd, dir, IN_CREATE) >= 0, "inotify_add_watch");
      char path[96];
      snprintf(path, sizeof path, "%s/created", dir);
      int f = open(path, O_CREAT | O_WRONLY, 0600);
      require(f >= 0, "open");
      close(f);
      unlink(path);
      return fd;
    }
    case LISTENER: {
      fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      require(fd >= 0, "socket");
      struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
      socklen_t len = sizeof addr;
      require(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0, "bind");
      require(listen(fd, 8) == 0, "listen");
      require(getsockname(fd, (struct sockaddr *)&addr, &len) == 0, "getsockname");
      for (int i = 0; i < 3; ++i) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        require(c >= 0 && connect(c, (struct sockaddr *)&addr, sizeof addr) == 0, "connect");
      }
      return fd;
    }
    case PIPE_HUP_READ:
    case PIPE_HUP_WRITE:
      require(pipe2(p, O_NONBLOCK) == 0, "pipe");
      require(write(p[1], "x", 1) == 1, "write");
      close(p[1]);
      if (kind == PIPE_HUP_WRITE) *events = EV_WRITE;
      return p[0];
    case PIPE_ERR_READ:
    case PIPE_ERR_WRITE:
      require(pipe2(p, O_NONBLOCK) == 0, "pipe");
      close(p[0]);
      if (kind == PIPE_ERR_WRITE) *events = EV_WRITE;
      return p[1];
    case PTY: {
      fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
      if (fd < 0) return -1;
      require(grantpt(fd) == 0 && unlockpt(fd) == 0, "grantpt");
      pty_slave = open(ptsname(fd), O_RDWR | O_NOCTTY);
      require(pty_slave >= 0, "open slave");
      require(write(pty_slave, "x", 1) == 1, "write");
      return fd;
    }
    case DIRECTORY:
      fd = open("/", O_RDONLY | O_DIRECTORY);
      require(fd >= 0, "open");
      return fd;
    case EPOLL_FD: {
      /* an epoll set holding a readable pipe is itself readable */
      fd = epoll_create1(0);
      require(fd >= 0 && pipe(p) == 0, "epoll_create1");
      require(write(p[1], "x", 1) == 1, "write");
      struct epoll_event event = {.events = EPOLLIN};
      require(epoll_ctl(fd, EPOLL_CTL_ADD, p[0], &event) == 0, "epoll_ctl");
      aux = p[0];
      return fd;
    }
    case UNCONNECTED_TCP:
      *events = EV_READ | EV_WRITE;
      fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      require(fd >= 0, "socket");
      return fd;
  }
  return -1;
}

static void run_case(const void *arg) {
  kind = *(const enum kind *)arg;
  signal(SIGPIPE, SIG_IGN);
  struct ev_loop *loop = ev_default_loop(0);
  ev_timer guard;
  ev_timer_init(&guard, on_guard, 0.2, 0.);
  guard.data = "guard";
  ev_timer_start(loop, &guard);
  int events, fd = make_fd(&events);
  if (fd < 0) {
    printf("  not available here\n");
    return;
  }
  ev_io_init(&watcher, on_io, fd, events);
  watcher.data = "watcher";
  ev_io_start(loop, &watcher);
  trace_iterations(loop);
  int result = ev_run(loop, 0);
  printf("  run returned %d after %u iterations\n", result, ev_iteration(loop));
  if (kind == INOTIFY) rmdir(dir);
}

int main(void) {
  compat_begin();
  for (enum kind k = EVENTFD_READ; k <= UNCONNECTED_TCP; ++k)
    run_isolated(kind_names[k], run_case, &k);
  return 0;
}
