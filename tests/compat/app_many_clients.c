/* A busy server: 600 socketpair connections (1200 fds, so fd numbers go past FD_SETSIZE),
 * every server end watched. Some connections are closed (watcher stopped, both ends closed),
 * new ones accepted into the freed numbers, and then a scattered set of clients all send in
 * the same iteration. The order of the callbacks in that iteration is backend specific
 * (select: fd order, poll: its array order, which closes reshuffle, epoll: readiness order)
 * and is printed as connection ids; so is every connection served afterwards. */
#include <sys/resource.h>
#include <sys/socket.h>

#include "compat.h"

#define CONNS 600

static int server_fd[CONNS], client_fd[CONNS];
static ev_io watchers[CONNS];
static int served;

static void server_cb(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop;
  require(revents == EV_READ, "revents");
  int id = (int)(w - watchers);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  print_column(id);
  ++served;
}

static void open_conn(struct ev_loop *loop, int id) {
  int s[2];
  require(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
  server_fd[id] = s[0];
  client_fd[id] = s[1];
  ev_io_init(&watchers[id], server_cb, s[0], EV_READ);
  ev_io_start(loop, &watchers[id]);
}

static void close_conn(struct ev_loop *loop, int id) {
  ev_io_stop(loop, &watchers[id]);
  close(server_fd[id]);
  close(client_fd[id]);
}

static void send_from(int id) {
  require(write(client_fd[id], "x", 1) == 1, "write");
}

int main(void) {
  compat_begin();
  struct rlimit limit;
  require(getrlimit(RLIMIT_NOFILE, &limit) == 0, "getrlimit");
  if (limit.rlim_cur < 4096) {
    limit.rlim_cur = limit.rlim_max < 4096 ? limit.rlim_max : 4096;
    require(setrlimit(RLIMIT_NOFILE, &limit) == 0, "setrlimit");
  }
  require(limit.rlim_cur >= 1400, "enough fds");
  struct ev_loop *loop = ev_default_loop(0);
  for (int id = 0; id < CONNS; ++id) open_conn(loop, id);
  printf("highest server fd beyond 1024: %d\n", server_fd[CONNS - 1] > 1024);
  ev_run(loop, EVRUN_NOWAIT);

  printf("first burst: every 37th client, descending\n");
  for (int id = CONNS - 1; id >= 0; id -= 37) send_from(id);
  ev_run(loop, EVRUN_NOWAIT);
  end_columns();

  printf("closing every 7th connection from 3 on, and 590..599\n");
  for (int id = 3; id < CONNS; id += 7) close_conn(loop, id);
  for (int id = 590; id < CONNS; ++id)
    if ((id - 3) % 7) close_conn(loop, id);
  ev_run(loop, EVRUN_NOWAIT);
  printf("accepting into 10, 17, 24 (closed slots) again\n");
  for (int id = 10; id <= 24; id += 7) open_conn(loop, id);

  printf("second burst: ascending over a scattered set\n");
  for (int id = 0; id < 590; id += 11)
    if ((id - 3) % 7 || id == 10 || id == 17 || id == 24) send_from(id);
  send_from(17);
  send_from(24);
  ev_run(loop, EVRUN_NOWAIT);
  end_columns();
  printf("the rest\n");
  while (served && ev_run(loop, EVRUN_NOWAIT) && ev_pending_count(loop) == 0 && served < 1000) {
    static int last = -1;
    if (last == served) break;
    last = served;
  }
  end_columns();
  printf("served %d, iterations %u\n", served, ev_iteration(loop));
  return 0;
}
