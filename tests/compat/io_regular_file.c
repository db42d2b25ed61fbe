/* Regular files and /dev/null are always "ready": watching them for reading must deliver the
 * content and then EOF, and /dev/null must accept writes, on every backend. */
#include <fcntl.h>

#include "compat.h"

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char buf[5];
  ssize_t n = read(w->fd, buf, sizeof buf);
  require(n >= 0, "read");
  if (n > 0) {
    printf("  read %zd: '%.*s'\n", n, (int)n, buf);
    return;
  }
  printf("  EOF\n");
  ev_io_stop(loop, w);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  printf("  write returned %zd\n", write(w->fd, "gone", 4));
  ev_io_stop(loop, w);
}

static void watch(struct ev_loop *loop, int fd, int events, const char *label) {
  ev_io w;
  ev_io_init(&w, events == EV_READ ? on_readable : on_writable, fd, events);
  w.data = (void *)label;
  ev_io_start(loop, &w);
  unsigned before = ev_iteration(loop);
  int result = ev_run(loop, 0);
  printf("%s: run returned %d after %u iterations\n", label, result, ev_iteration(loop) - before);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);

  FILE *file = tmpfile();
  require(file != NULL, "tmpfile");
  int fd = fileno(file);
  require(write(fd, "first line\nsecond\n", 18) == 18, "write");
  require(lseek(fd, 0, SEEK_SET) == 0, "lseek");
  watch(loop, fd, EV_READ, "regular-file");
  fclose(file);

  int null_fd = open("/dev/null", O_RDWR);
  require(null_fd >= 0, "open /dev/null");
  watch(loop, null_fd, EV_READ, "dev-null-read");
  watch(loop, null_fd, EV_WRITE, "dev-null-write");
  close(null_fd);
  return 0;
}
