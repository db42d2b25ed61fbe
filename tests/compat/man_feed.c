/* Feeding events. "AVOIDING FINISHING BEFORE RETURNING": a request whose result is known at once
 * still returns before its callback runs, by reusing a stopped watcher with ev_set_cb and
 * ev_feed_event (watcher, 0); the callback then runs from ev_run with revents 0. ev_feed_event
 * with EV_CUSTOM on a watcher that was never started, and ev_clear_pending taking a fed event
 * back. ev_feed_fd_event: a READ fed to an fd reaches only its read watchers, a READ|WRITE both
 * kinds, an fd without watchers nothing. The pipes are idle, so only fed events happen. */
#include "compat.h"

struct request {
  ev_timer w; /* any stopped watcher will do */
  int result;
};

static void request_done(struct ev_loop *loop, ev_timer *w, int revents) {
  struct request *request = (struct request *)w;
  trace(loop, w, revents);
  printf("  result %d\n", request->result);
}

static struct request *start_new_request(struct ev_loop *loop, struct request *request,
                                         int cached) {
  request->result = cached;
  ev_set_cb(&request->w, request_done);
  ev_feed_event(loop, &request->w, 0);
  printf("  start_new_request: callback deferred, pending %d, active %d\n",
         !!ev_is_pending(&request->w), !!ev_is_active(&request->w));
  return request;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("avoiding finishing before returning\n");
  struct request request;
  ev_init(&request.w, TRACE_CB(ev_timer));
  request.w.data = "request";
  struct request *started = start_new_request(loop, &request, 42);
  printf("  request returned to the caller: %d\n", started == &request);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("EV_CUSTOM on a watcher that was never started\n");
  ev_idle custom;
  ev_idle_init(&custom, TRACE_CB(ev_idle));
  custom.data = "custom";
  ev_feed_event(loop, &custom, EV_CUSTOM);
  printf("  pending count %d\n", ev_pending_count(loop));
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_feed_event(loop, &custom, EV_CUSTOM);
  printf("  fed again, ev_clear_pending returns %s\n",
         revents_text(ev_clear_pending(loop, &custom)));
  printf("run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  printf("ev_feed_fd_event\n");
  int a[2], b[2];
  require(pipe(a) == 0 && pipe(b) == 0, "pipe");
  ev_io reader, reader2, writer;
  ev_io_init(&reader, TRACE_CB(ev_io), a[0], EV_READ);
  reader.data = "reader";
  ev_io_init(&reader2, TRACE_CB(ev_io), a[0], EV_READ | EV_WRITE);
  reader2.data = "reader-and-writer";
  ev_io_init(&writer, TRACE_CB(ev_io), a[0], EV_WRITE);
  writer.data = "writer";
  ev_io_start(loop, &reader);
  ev_io_start(loop, &reader2);
  ev_io_start(loop, &writer);
  printf("  feed READ\n");
  ev_feed_fd_event(loop, a[0], EV_READ);
  ev_run(loop, EVRUN_NOWAIT);
  printf("  feed READ|WRITE\n");
  ev_feed_fd_event(loop, a[0], EV_READ | EV_WRITE);
  ev_run(loop, EVRUN_NOWAIT);
  printf("  feed READ to an fd nobody watches\n");
  ev_feed_fd_event(loop, b[0], EV_READ);
  printf("  pending count %d\n", ev_pending_count(loop));
  ev_run(loop, EVRUN_NOWAIT);
  ev_io_stop(loop, &reader);
  ev_io_stop(loop, &reader2);
  ev_io_stop(loop, &writer);
  printf("all stopped: run returned %d\n", ev_run(loop, 0));
  return 0;
}
