/* The THREAD LOCKING EXAMPLE: a loop runs in its own thread under a mutex (released around the
 * blocking wait through ev_set_loop_release_cb), its userdata (ev_set_userdata) holds the lock,
 * the condition variable and an async watcher, and ev_set_invoke_pending_cb hands every batch of
 * pending watchers to the main thread, which calls ev_invoke_pending under the lock and signals
 * back. The main thread starts a timer under the lock and wakes the loop with ev_async_send;
 * the timer callback breaks the loop and the thread is joined. The "magic way" to wake the main
 * thread is a pipe. Only callbacks and what the main thread sees are printed. */
#include "compat.h"
#include <pthread.h>

typedef struct {
  pthread_mutex_t lock; /* global loop lock */
  ev_async async_w;
  pthread_t tid;
  pthread_cond_t invoke_cv;
  int wake_pipe[2];
} userdata;

static int finished;

static void async_cb(struct ev_loop *loop, ev_async *w, int revents) {
  // just used for the side effects
  trace(loop, w, revents);
}

static void l_release(struct ev_loop *loop) {
  userdata *u = ev_userdata(loop);
  pthread_mutex_unlock(&u->lock);
}

static void l_acquire(struct ev_loop *loop) {
  userdata *u = ev_userdata(loop);
  pthread_mutex_lock(&u->lock);
}

static void *l_run(void *thr_arg) {
  struct ev_loop *loop = (struct ev_loop *)thr_arg;
  l_acquire(loop);
  ev_run(loop, 0);
  l_release(loop);
  return 0;
}

static void l_invoke(struct ev_loop *loop) {
  userdata *u = ev_userdata(loop);
  while (ev_pending_count(loop)) {
    require(write(u->wake_pipe[1], "w", 1) == 1, "write");
    pthread_cond_wait(&u->invoke_cv, &u->lock);
  }
}

static void real_invoke_pending(struct ev_loop *loop) {
  userdata *u = ev_userdata(loop);
  pthread_mutex_lock(&u->lock);
  ev_invoke_pending(loop);
  pthread_cond_signal(&u->invoke_cv);
  pthread_mutex_unlock(&u->lock);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  printf("  callback runs in the main thread: %d\n",
         !pthread_equal(pthread_self(), ((userdata *)ev_userdata(loop))->tid));
  finished = 1;
  ev_async_stop(loop, &((userdata *)ev_userdata(loop))->async_w);
  ev_break(loop, EVBREAK_ALL);
}

static void prepare_loop(struct ev_loop *loop) {
  // for simplicity, we use a static userdata struct.
  static userdata u;
  ev_async_init(&u.async_w, async_cb);
  u.async_w.data = "async_w";
  ev_async_start(loop, &u.async_w);
  pthread_mutex_init(&u.lock, 0);
  pthread_cond_init(&u.invoke_cv, 0);
  require(pipe(u.wake_pipe) == 0, "pipe");
  // now associate this with the loop
  ev_set_userdata(loop, &u);
  ev_set_invoke_pending_cb(loop, l_invoke);
  ev_set_loop_release_cb(loop, l_release, l_acquire);
  // then create the thread running ev_run
  require(pthread_create(&u.tid, 0, l_run, loop) == 0, "pthread_create");
}

/* Waits for the loop thread to ask, then runs the pending watchers on its behalf. */
static void serve_one_request(struct ev_loop *loop) {
  userdata *u = ev_userdata(loop);
  char byte;
  require(read(u->wake_pipe[0], &byte, 1) == 1, "read");
  printf("main thread: invoking pending watchers\n");
  real_invoke_pending(loop);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  printf("userdata before ev_set_userdata is null: %d\n", ev_userdata(loop) == NULL);
  prepare_loop(loop);
  userdata *u = ev_userdata(loop);

  ev_timer timeout_watcher;
  ev_timer_init(&timeout_watcher, timeout_cb, 0.1, 0.);
  timeout_watcher.data = "timeout_watcher";
  pthread_mutex_lock(&u->lock);
  ev_timer_start(loop, &timeout_watcher);
  ev_async_send(loop, &u->async_w);
  pthread_mutex_unlock(&u->lock);
  printf("main thread: timer started, loop woken\n");

  while (!finished) serve_one_request(loop);
  require(pthread_join(u->tid, NULL) == 0, "pthread_join");
  printf("loop thread joined, depth %u\n", ev_depth(loop));
  ev_loop_destroy(loop);
  return 0;
}
