// ev++.h: a watcher object's destructor stops it. A watcher going out of scope while active
// leaves nothing for run() to wait for; one destroyed while an event is pending gets no
// callback; a heap watcher deleted from its own callback, and a connection object that deletes
// itself (and the watchers it holds) from one of their callbacks, end cleanly.
#include <ev++.h>

#include "compat.h"

static int fds[2];

static void on_event(ev::io &w, int revents) {
  printf("  %s %s\n", label_of(&w), revents_text(revents));
}

static void delete_self(ev::timer &w, int revents) {
  printf("  %s %s, deleting itself\n", label_of(&w), revents_text(revents));
  delete &w;
}

struct Connection {
  ev::io reader;
  ev::timer timeout;
  const char *name;

  explicit Connection(const char *connection_name) : name(connection_name) {
    reader.set<Connection, &Connection::on_read>(this);
    timeout.set<Connection, &Connection::on_timeout>(this);
    reader.start(fds[0], ev::READ);
    timeout.start(0.01);
  }
  ~Connection() { printf("  %s destroyed\n", name); }

  void on_read(ev::io &, int revents) { printf("  %s read %s\n", name, revents_text(revents)); }
  void on_timeout(ev::timer &w, int revents) {
    printf("  %s timeout %s, reader active %d, closing\n", name, revents_text(revents),
           reader.is_active());
    (void)w;
    delete this;
  }
};

int main() {
  compat_begin();
  ev::default_loop loop;
  require(pipe(fds) == 0, "pipe");

  printf("active watcher out of scope\n");
  {
    ev::io w;
    w.set<on_event>((void *)"scoped");
    w.start(fds[0], ev::READ);
    printf("  active %d\n", w.is_active());
  }
  loop.run();
  printf("  run returned\n");

  printf("destroyed with an event pending\n");
  ev::io survivor;
  survivor.set<on_event>((void *)"survivor");
  survivor.start(fds[1], ev::WRITE);
  {
    ev::io doomed;
    doomed.set<on_event>((void *)"doomed");
    doomed.start(fds[1], ev::WRITE);
    doomed.feed_event(ev::WRITE);
    survivor.feed_event(ev::WRITE);
    printf("  pending: doomed %d survivor %d\n", doomed.is_pending(), survivor.is_pending());
  }
  printf("  pending count %u\n", ev_pending_count(loop));
  loop.run(ev::NOWAIT);
  survivor.stop();

  printf("heap watcher deleted in its own callback\n");
  ev::timer *heap = new ev::timer;
  heap->set<delete_self>((void *)"heap");
  heap->start(0.01);
  loop.run();
  printf("  run returned\n");

  printf("connection deleting itself\n");
  new Connection("conn");
  loop.run();
  printf("  run returned\n");
  return 0;
}
