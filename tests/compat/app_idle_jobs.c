/* Idle-driven background work in a job server. A request reader (priority 0) takes one byte per
 * callback from a pipe, so a burst of requests is re-reported over several iterations; normal
 * jobs go to a background idle watcher (priority -1) and urgent ones ('U') to an urgent idle
 * watcher (priority 1), each started by the reader and stopped when its queue is empty. Idle
 * watchers run only when nothing of their priority or higher is pending, and only the highest
 * priority with active idle watchers runs. A check watcher "flushes" the results made in the
 * iteration by feeding an event to a stopped notifier watcher, which runs in the same
 * iteration; a prepare watcher reports the queues before each poll. */
#include "compat.h"

static int req[2];
static ev_io reader;
static ev_idle background, urgent;
static ev_prepare planner;
static ev_check flusher;
static ev_timer notifier; /* never started, only fed */
static char normal_jobs[32], urgent_jobs[32];
static int normal_count, urgent_count, done_since_flush;

static void add(char *q, int *n, char job) {
  q[(*n)++] = job;
  q[*n] = '\0';
}
static char take(char *q, int *n) {
  char job = q[0];
  memmove(q, q + 1, (size_t)*n);
  --*n;
  return job;
}

static void reader_cb(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  char c;
  ssize_t n = read(w->fd, &c, 1);
  if (n == 0) {
    printf("  requests closed\n");
    ev_io_stop(loop, w);
    return;
  }
  require(n == 1, "read");
  if (c == 'U') {
    add(urgent_jobs, &urgent_count, c);
    if (!ev_is_active(&urgent)) ev_idle_start(loop, &urgent);
  } else {
    add(normal_jobs, &normal_count, c);
    if (!ev_is_active(&background)) ev_idle_start(loop, &background);
  }
  printf("  job %c queued, pending %d\n", c, ev_pending_count(loop));
}

static void background_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  char job = take(normal_jobs, &normal_count);
  ++done_since_flush;
  printf("  did job %c\n", job);
  if (job == 'b') {
    printf("  job b submits two more requests\n");
    require(write(req[1], "dU", 2) == 2, "write");
  }
  if (job == 'd') {
    printf("  last job: closing the request pipe\n");
    close(req[1]);
  }
  if (!normal_count) ev_idle_stop(loop, w);
}

static void urgent_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  char job = take(urgent_jobs, &urgent_count);
  ++done_since_flush;
  printf("  did urgent job %c, pending %d\n", job, ev_pending_count(loop));
  if (!urgent_count) ev_idle_stop(loop, w);
}

static void planner_cb(struct ev_loop *loop, ev_prepare *w, int revents) {
  trace(loop, w, revents);
  printf("  queues: normal \"%s\" urgent \"%s\"\n", normal_jobs, urgent_jobs);
}

static void flusher_cb(struct ev_loop *loop, ev_check *w, int revents) {
  trace(loop, w, revents);
  if (done_since_flush) {
    printf("  flushing %d results\n", done_since_flush);
    done_since_flush = 0;
    ev_feed_event(loop, &notifier, EV_CUSTOM);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  require(pipe(req) == 0, "pipe");
  ev_io_init(&reader, reader_cb, req[0], EV_READ);
  ev_idle_init(&background, background_cb);
  ev_idle_init(&urgent, urgent_cb);
  ev_prepare_init(&planner, planner_cb);
  ev_check_init(&flusher, flusher_cb);
  ev_timer_init(&notifier, TRACE_CB(ev_timer), 0., 0.);
  ev_set_priority(&background, -1);
  ev_set_priority(&urgent, 1);
  reader.data = "reader";
  background.data = "background";
  urgent.data = "urgent";
  planner.data = "planner";
  flusher.data = "flusher";
  notifier.data = "notifier";
  ev_io_start(loop, &reader);
  ev_prepare_start(loop, &planner);
  ev_check_start(loop, &flusher);
  ev_unref(loop);
  ev_unref(loop);
  require(write(req[1], "aUbU", 4) == 4, "write");
  int r = ev_run(loop, 0);
  ev_ref(loop);
  ev_ref(loop);
  printf("run returned %d, iterations %u\n", r, ev_iteration(loop));
  return 0;
}
