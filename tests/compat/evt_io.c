/* io events: without EV_PERSIST an event fires once and is deleted before its callback runs;
 * with EV_PERSIST it fires in every iteration while the fd stays ready and stays added; an event
 * for READ|WRITE reports what is ready; EV_ET is accepted and changes nothing; adding an added
 * event changes nothing; event_del stops a persistent event. */
#include "evt.h"

static int data[2], spare[2];
static struct event once_read, persist_read, both, edge, writer;
static int persist_calls;

static void on_once_read(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  evt_show("once-read in callback", &once_read);
}

static void on_persist_read(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  evt_show("persist-read in callback", &persist_read);
  if (++persist_calls == 3) {
    printf("  event_del returns %d\n", event_del(&persist_read));
    evt_show("persist-read deleted", &persist_read);
  }
}

int main(void) {
  compat_begin();
  event_init();
  evt_pipe(data, "data-r", "data-w");
  evt_pipe(spare, "spare-r", "spare-w");

  event_set(&once_read, data[0], EV_READ, on_once_read, "once-read");
  printf("add returns %d\n", event_add(&once_read, NULL));
  evt_show("once-read added", &once_read);
  evt_fill(data[1]);
  for (int i = 0; i < 2; ++i) printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  evt_show("once-read after", &once_read);

  event_set(&persist_read, data[0], EV_READ | EV_PERSIST, on_persist_read, "persist-read");
  printf("add returns %d\n", event_add(&persist_read, NULL));
  printf("add again returns %d\n", event_add(&persist_read, NULL));
  evt_show("persist-read added twice", &persist_read);
  printf("dispatch returns %d\n", event_dispatch());
  evt_drain(data[0]);

  /* spare-w is writable at once; spare-r becomes readable too once a byte is in. */
  evt_fill(spare[1]);
  event_set(&both, spare[1], EV_READ | EV_WRITE, evt_trace, "write-end-read-write");
  event_add(&both, NULL);
  event_set(&edge, spare[0], EV_READ | EV_ET, evt_trace, "read-end-et");
  event_add(&edge, NULL);
  evt_show("read-end-et", &edge);
  printf("dispatch returns %d\n", event_dispatch());

  event_set(&writer, spare[1], EV_WRITE | EV_PERSIST, evt_trace, "writer-nonblocking");
  event_add(&writer, NULL);
  printf("loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));
  printf("loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));
  printf("event_del returns %d\n", event_del(&writer));
  printf("loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));
  return 0;
}
