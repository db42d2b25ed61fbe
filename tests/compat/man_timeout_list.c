/* "Be smart about timeouts", method 4: many connections with the same constant timeout (60 ms)
 * kept in a doubly linked list in order of expiry, and one ev_timer for the head of the list.
 * Activity moves a connection to the tail and, when it was the head, re-arms the timer for the
 * new head; the timer callback times out every expired connection from the head on and re-arms
 * for the next (method 3 style, so an early wake-up only re-arms). Four connections start
 * together, activity at 20 ms (b, d) and 40 ms (a) leaves them expiring at 60 ms (c), 80 ms
 * (b and d, in list order) and 100 ms (a). Printed untimed, in the order things happen. */
#include "compat.h"

enum { N = 4 };
static const ev_tstamp timeout = 0.06;

struct connection {
  const char *name;
  ev_tstamp last_activity;
  struct connection *prev, *next;
};

static struct connection connections[N] = {
    {.name = "a"}, {.name = "b"}, {.name = "c"}, {.name = "d"}};
static struct connection *head, *tail;
static ev_timer timer, script;
static int step;

static void unlink_connection(struct connection *c) {
  if (c->prev)
    c->prev->next = c->next;
  else
    head = c->next;
  if (c->next)
    c->next->prev = c->prev;
  else
    tail = c->prev;
  c->prev = c->next = NULL;
}

static void append_connection(struct connection *c) {
  c->prev = tail;
  c->next = NULL;
  if (tail)
    tail->next = c;
  else
    head = c;
  tail = c;
}

static void print_list(void) {
  printf("  list:");
  for (struct connection *c = head; c; c = c->next) printf(" %s", c->name);
  printf("%s\n", head ? "" : " (empty)");
}

/* Arms the one timer for the head of the list, or stops it when the list is empty. */
static void arm_for_head(struct ev_loop *loop) {
  ev_timer_stop(loop, &timer);
  if (!head) return;
  ev_tstamp after = head->last_activity + timeout - ev_now(loop);
  ev_timer_set(&timer, after > 0. ? after : 0., 0.);
  ev_timer_start(loop, &timer);
}

/* Not traced: a wake-up a hair early (clock rounding) only re-arms, so it is not shown. */
static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)w;
  (void)revents;
  while (head && head->last_activity + timeout - ev_now(loop) < 0.) {
    struct connection *c = head;
    unlink_connection(c);
    printf("connection %s timed out\n", c->name);
  }
  arm_for_head(loop);
}

static void activity(struct ev_loop *loop, struct connection *c) {
  int was_head = c == head;
  unlink_connection(c);
  c->last_activity = ev_now(loop);
  append_connection(c);
  printf("  activity on %s%s\n", c->name, was_head ? ", was the head: timer re-armed" : "");
  if (was_head) arm_for_head(loop);
}

static void script_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  if (++step == 1) {
    activity(loop, &connections[1]);
    activity(loop, &connections[3]);
  } else {
    activity(loop, &connections[0]);
    ev_timer_stop(loop, w);
  }
  print_list();
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  ev_init(&timer, timer_cb);
  timer.data = "timeout-timer";
  for (int i = 0; i < N; ++i) {
    connections[i].last_activity = ev_now(loop);
    append_connection(&connections[i]);
  }
  arm_for_head(loop);
  print_list();
  ev_timer_init(&script, script_cb, 0.02, 0.02);
  script.data = "script";
  ev_timer_start(loop, &script);
  printf("run returned %d\n", ev_run(loop, 0));
  print_list();
  return 0;
}
