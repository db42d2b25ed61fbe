/* Reduced from app_line_server: in one callback, an established connection (its watcher
 * armed long ago, not ready) receives data, and a watcher is started for a newly accepted
 * connection whose data is already there. Both are ready in the next iteration. On epoll the
 * kernel reports the established fd first (it became ready first, the new fd only when it
 * was added before the wait), so libev invokes the new connection's callback first (last
 * queued first). The order is compared per backend, and on 4/128 evring's io_uring must
 * print what libev's epoll prints. */
#include <sys/socket.h>

#include "compat.h"

static int old_pair[2], new_pair[2];
static ev_io old_conn, new_conn;
static ev_idle kick;

static void on_read(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  ev_io_stop(loop, w);
}

static void kick_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  ev_idle_stop(loop, w);
  require(write(old_pair[1], "o", 1) == 1, "write");
  printf("  data for the established connection\n");
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, new_pair) == 0, "socketpair");
  require(write(new_pair[1], "n", 1) == 1, "write");
  ev_io_init(&new_conn, on_read, new_pair[0], EV_READ);
  new_conn.data = "new connection";
  ev_io_start(loop, &new_conn);
  printf("  new connection accepted with its data already there\n");
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, old_pair) == 0, "socketpair");
  ev_io_init(&old_conn, on_read, old_pair[0], EV_READ);
  old_conn.data = "established connection";
  ev_io_start(loop, &old_conn);
  ev_idle_init(&kick, kick_cb);
  kick.data = "kick";
  ev_idle_start(loop, &kick);
  printf("run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
