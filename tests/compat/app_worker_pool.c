/* A worker-thread pool: four threads compute results and post them to a mutex-protected
 * queue, calling ev_async_send after each; the loop's async callback drains the queue. How
 * many sends coalesce into one callback depends on timing, so only totals are printed. Before
 * the pool starts, the program checks what happens to a send made while the watcher was not
 * yet started (and while it was stopped), the way a pool that posts results before the main
 * loop is ready would. */
#include <pthread.h>

#include "compat.h"

#define WORKERS 4
#define JOBS 250

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int queue[WORKERS * JOBS];
static int queued, drained;
static long sum;
static int per_worker[WORKERS];
static ev_async results, early;
static struct ev_loop *loop;

static void *worker(void *arg) {
  int id = (int)(long)arg;
  for (int i = 0; i < JOBS; ++i) {
    pthread_mutex_lock(&lock);
    queue[queued++] = id * 1000 + i;
    pthread_mutex_unlock(&lock);
    ev_async_send(loop, &results);
  }
  return NULL;
}

static void results_cb(struct ev_loop *l, ev_async *w, int revents) {
  (void)revents;
  pthread_mutex_lock(&lock);
  while (drained < queued) {
    int r = queue[drained++];
    ++per_worker[r / 1000];
    sum += r % 1000;
  }
  int done = drained == WORKERS * JOBS;
  pthread_mutex_unlock(&lock);
  if (done) {
    printf("all results in\n");
    ev_async_stop(l, w);
  }
}

static void early_cb(struct ev_loop *l, ev_async *w, int revents) {
  trace(l, w, revents);
  printf("  async pending flag in callback %d\n", !!ev_async_pending(w));
}

int main(void) {
  compat_begin();
  loop = EV_DEFAULT;
  ev_async_init(&early, early_cb);
  early.data = "early";

  printf("send before start\n");
  ev_async_send(loop, &early);
  printf("  pending flag %d, active %d\n", !!ev_async_pending(&early), !!ev_is_active(&early));
  ev_async_start(loop, &early);
  printf("  after start: pending flag %d\n", !!ev_async_pending(&early));
  ev_run(loop, EVRUN_NOWAIT);
  printf("  after a nowait run: pending flag %d\n", !!ev_async_pending(&early));

  printf("send, stop, start\n");
  ev_async_send(loop, &early);
  ev_async_stop(loop, &early);
  ev_async_start(loop, &early);
  printf("  pending flag %d\n", !!ev_async_pending(&early));
  ev_run(loop, EVRUN_NOWAIT);

  printf("send, then two nowait runs\n");
  ev_async_send(loop, &early);
  ev_async_send(loop, &early);
  ev_run(loop, EVRUN_NOWAIT);
  ev_run(loop, EVRUN_NOWAIT);
  ev_async_stop(loop, &early);
  printf("iterations so far %u\n", ev_iteration(loop));

  ev_async_init(&results, results_cb);
  ev_async_start(loop, &results);
  pthread_t threads[WORKERS];
  for (long i = 0; i < WORKERS; ++i)
    require(pthread_create(&threads[i], NULL, worker, (void *)i) == 0, "pthread_create");
  int r = ev_run(loop, 0);
  for (int i = 0; i < WORKERS; ++i) pthread_join(threads[i], NULL);
  printf("run returned %d\n", r);
  for (int i = 0; i < WORKERS; ++i) printf("worker %d: %d results\n", i, per_worker[i]);
  printf("sum %ld\n", sum);
  return 0;
}
