/* Graceful shutdown of a small server. SIGHUP (raised with kill(getpid()) from a startup idle
 * watcher, together with a client request on a pipe) reloads the configuration and then
 * drains in a nested ev_run: that nested run first invokes what the outer iteration still had
 * pending (at depth 2). In the nested run a client request raises SIGTERM, whose watcher
 * breaks out of all runs with EVBREAK_ALL. The main program then calls ev_run again (the break
 * is forgotten), a SIGINT raised before it is delivered, and its watcher stops everything
 * except an ev_unref'ed housekeeping timer and an ev_unref'ed SIGQUIT watcher, so ev_run
 * returns. The housekeeping timer's runs depend on time and are not traced. */
#include <signal.h>

#include "compat.h"

static ev_signal sighup, sigterm, sigint, sigquit;
static ev_idle startup;
static ev_io client;
static ev_timer housekeeping;
static int req[2];
static int requests;

static void client_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  require(read(w->fd, &c, 1) == 1, "read");
  ++requests;
  printf("  request %c, pending %d\n", c, ev_pending_count(loop));
  if (c == 'T') {
    printf("  client asks for termination\n");
    require(kill(getpid(), SIGTERM) == 0, "kill");
  }
}

static void startup_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  ev_idle_stop(loop, w);
  require(write(req[1], "a", 1) == 1, "write");
  require(kill(getpid(), SIGHUP) == 0, "kill");
  printf("  request and SIGHUP sent\n");
}

static void sighup_cb(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
  printf("  reloading, pending %d\n", ev_pending_count(loop));
  require(write(req[1], "bT", 2) == 2, "write");
  printf("  draining in a nested run\n");
  int r = ev_run(loop, 0);
  printf("  nested run returned %d at depth %u, iteration %u\n", r, ev_depth(loop),
         ev_iteration(loop));
}

static void sigterm_cb(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
  printf("  breaking out of all runs, pending %d\n", ev_pending_count(loop));
  ev_break(loop, EVBREAK_ALL);
}

static void sigint_cb(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
  printf("  stopping the server\n");
  ev_io_stop(loop, &client);
  ev_signal_stop(loop, &sighup);
  ev_signal_stop(loop, &sigterm);
  ev_signal_stop(loop, w);
}

static void housekeeping_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop, (void)w, (void)revents;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  require(pipe(req) == 0, "pipe");
  ev_signal_init(&sighup, sighup_cb, SIGHUP);
  ev_signal_init(&sigterm, sigterm_cb, SIGTERM);
  ev_signal_init(&sigint, sigint_cb, SIGINT);
  ev_signal_init(&sigquit, TRACE_CB(ev_signal), SIGQUIT);
  ev_idle_init(&startup, startup_cb);
  ev_io_init(&client, client_cb, req[0], EV_READ);
  ev_timer_init(&housekeeping, housekeeping_cb, 0.01, 0.01);
  sighup.data = "SIGHUP";
  sigterm.data = "SIGTERM";
  sigint.data = "SIGINT";
  sigquit.data = "SIGQUIT";
  startup.data = "startup";
  housekeeping.data = "housekeeping";
  client.data = "client";
  ev_signal_start(loop, &sighup);
  ev_signal_start(loop, &sigterm);
  ev_signal_start(loop, &sigint);
  ev_signal_start(loop, &sigquit);
  ev_unref(loop);
  ev_timer_start(loop, &housekeeping);
  ev_unref(loop);
  ev_idle_start(loop, &startup);
  ev_io_start(loop, &client);

  int r = ev_run(loop, 0);
  printf("outer run returned %d at depth %u, iteration %u, requests %d\n", r, ev_depth(loop),
         ev_iteration(loop), requests);
  raise(SIGINT);
  printf("SIGINT raised before running again\n");
  r = ev_run(loop, 0);
  printf("second run returned %d, iteration %u, requests %d\n", r, ev_iteration(loop), requests);
  show_state(&sigquit);
  show_state(&housekeeping);
  ev_ref(loop);
  ev_ref(loop);
  ev_signal_stop(loop, &sigquit);
  ev_timer_stop(loop, &housekeeping);
  printf("final run returned %d\n", ev_run(loop, 0));
  return 0;
}
