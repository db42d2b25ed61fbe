/* ev_async and threads. Sends to a watcher that is not started (ev_async_pending, then start),
 * to a stopped-while-sent watcher, many sends from four threads before the loop runs (they
 * coalesce into one callback), sends from the callback to itself, and four threads sending
 * while the loop runs: only whether every send was eventually seen is printed, never how many
 * callbacks it took. */
#include <pthread.h>

#include "compat.h"

enum { THREADS = 4, SENDS = 2000 };
static struct ev_loop *loop;
static ev_async async;
static int callbacks, resend;
static volatile int sent_total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int seen_total, stop_when_all;

static void on_async(struct ev_loop *l, ev_async *w, int revents) {
  ++callbacks;
  if (resend) {
    trace(l, w, revents);
    --resend;
    ev_async_send(l, w);
    printf("  resent, pending %d\n", !!ev_async_pending(w));
  }
  pthread_mutex_lock(&lock);
  seen_total = sent_total;
  pthread_mutex_unlock(&lock);
  if (stop_when_all && seen_total == THREADS * SENDS) ev_async_stop(l, w);
}

static void *sender(void *arg) {
  (void)arg;
  for (int i = 0; i < SENDS; ++i) {
    pthread_mutex_lock(&lock);
    ++sent_total;
    pthread_mutex_unlock(&lock);
    ev_async_send(loop, &async);
  }
  return NULL;
}

static void run_threads(void) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; ++i)
    require(pthread_create(&t[i], NULL, sender, NULL) == 0, "thread");
  for (int i = 0; i < THREADS; ++i) pthread_join(t[i], NULL);
}

static void report(const char *what, int ret) {
  printf("%s: run returned %d, callbacks %d, active %d, pending %d\n", what, ret, callbacks,
         !!ev_is_active(&async), !!ev_async_pending(&async));
  callbacks = 0;
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  ev_async_init(&async, on_async);
  async.data = "async";
  printf("fresh: pending %d\n", !!ev_async_pending(&async));
  ev_async_send(loop, &async);
  printf("sent unstarted: pending %d\n", !!ev_async_pending(&async));
  ev_async_start(loop, &async);
  printf("started: pending %d\n", !!ev_async_pending(&async));
  report("after start", ev_run(loop, EVRUN_NOWAIT));

  ev_async_send(loop, &async);
  ev_async_stop(loop, &async);
  printf("sent then stopped: pending %d\n", !!ev_async_pending(&async));
  ev_async_start(loop, &async);
  report("restarted", ev_run(loop, EVRUN_NOWAIT));

  ev_async_send(loop, &async);
  ev_async_send(loop, &async);
  report("two sends", ev_run(loop, EVRUN_NOWAIT));

  run_threads();
  report("threads before run", ev_run(loop, EVRUN_NOWAIT));
  report("nothing", ev_run(loop, EVRUN_NOWAIT));

  resend = 3;
  ev_async_send(loop, &async);
  for (int i = 0; i < 5; ++i) report("resending", ev_run(loop, EVRUN_NOWAIT));

  sent_total = 0;
  seen_total = 0;
  stop_when_all = 1;
  callbacks = 0;
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; ++i)
    require(pthread_create(&t[i], NULL, sender, NULL) == 0, "thread");
  int ret = ev_run(loop, 0);
  for (int i = 0; i < THREADS; ++i) pthread_join(t[i], NULL);
  printf("threads while running: run returned %d, all seen %d, some callback %d, active %d\n", ret,
         seen_total == THREADS * SENDS, callbacks > 0, !!ev_is_active(&async));
  return 0;
}
