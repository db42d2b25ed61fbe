/* The ev_async "Queueing" examples. From a thread: a second pthread puts five items (and then a
 * quit marker) into a mutex-protected queue, calling ev_async_send after each, while the loop is
 * blocked; the async callback drains the queue under the mutex. The thread only starts sending
 * once a timer in the loop told it to through a pipe, and is joined at the end. How many sends
 * coalesce into one callback is timing, so only the items, in order, are printed. From a signal
 * handler: a SIGUSR1 handler installed with sigaction (no libev signal watcher) queues an item
 * and calls ev_async_send; the callback blocks SIGUSR1 while it drains. The three signals are
 * raised from one callback, so they are seen in a single async callback. */
#include "compat.h"
#include <pthread.h>
#include <signal.h>

enum { QUEUE_SIZE = 16, QUIT = -1 };
static int queue[QUEUE_SIZE], queue_head, queue_tail;
static ev_async mysig;
static pthread_mutex_t mymutex = PTHREAD_MUTEX_INITIALIZER;
static int go_pipe[2];

static void queue_put(int item) {
  queue[queue_tail++ % QUEUE_SIZE] = item;
}

static int queue_get(int *item) {
  if (queue_head == queue_tail) return 0;
  *item = queue[queue_head++ % QUEUE_SIZE];
  return 1;
}

static void *otherthread(void *arg) {
  struct ev_loop *loop = arg;
  char go;
  require(read(go_pipe[0], &go, 1) == 1, "read");
  for (int item = 1; item <= 6; ++item) {
    // only need to lock the actual queueing operation
    pthread_mutex_lock(&mymutex);
    queue_put(item <= 5 ? item : QUIT);
    pthread_mutex_unlock(&mymutex);
    ev_async_send(loop, &mysig);
  }
  return NULL;
}

/* Not traced: how many sends one callback covers depends on the thread's timing. */
static void thread_cb(struct ev_loop *loop, ev_async *w, int revents) {
  (void)revents;
  int data;
  pthread_mutex_lock(&mymutex);
  while (queue_get(&data)) {
    if (data == QUIT) {
      printf("  quit\n");
      ev_async_stop(loop, w);
    } else {
      printf("  item %d\n", data);
    }
  }
  pthread_mutex_unlock(&mymutex);
}

static void go_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  require(write(go_pipe[1], "g", 1) == 1, "write");
}

static int next_signal_item = 100;
static unsigned raise_iteration;

static void sigusr1_handler(int signum) {
  (void)signum;
  // no locking etc.
  queue_put(next_signal_item++);
  ev_async_send(EV_DEFAULT, &mysig);
}

static void signal_cb(struct ev_loop *loop, ev_async *w, int revents) {
  trace_untimed(w, revents);
  printf("  in the iteration after the raise: %d\n", ev_iteration(loop) == raise_iteration + 1);
  int data;
  sigset_t block, prev;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &prev);
  while (queue_get(&data)) {
    printf("  item %d\n", data);
  }
  if (!sigismember(&prev, SIGUSR1)) sigprocmask(SIG_UNBLOCK, &block, 0);
  if (next_signal_item == 103) {
    printf("  all three items seen\n");
    ev_async_stop(loop, w);
  }
}

static void raise_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  raise_iteration = ev_iteration(loop);
  for (int i = 0; i < 3; ++i) require(kill(getpid(), SIGUSR1) == 0, "kill");
  printf("  raised SIGUSR1 three times, async pending %d\n", !!ev_async_pending(&mysig));
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("queueing from a thread\n");
  require(pipe(go_pipe) == 0, "pipe");
  ev_async_init(&mysig, thread_cb);
  mysig.data = "mysig";
  ev_async_start(loop, &mysig);
  ev_timer go;
  ev_timer_init(&go, go_cb, 0.01, 0.);
  go.data = "go";
  ev_timer_start(loop, &go);
  pthread_t thread;
  require(pthread_create(&thread, NULL, otherthread, loop) == 0, "pthread_create");
  printf("run returned %d\n", ev_run(loop, 0));
  require(pthread_join(thread, NULL) == 0, "pthread_join");
  printf("thread joined\n");

  printf("queueing from a signal handler\n");
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = sigusr1_handler;
  sigemptyset(&action.sa_mask);
  require(sigaction(SIGUSR1, &action, NULL) == 0, "sigaction");
  ev_async_init(&mysig, signal_cb);
  mysig.data = "mysig";
  ev_async_start(loop, &mysig);
  ev_timer raise_timer;
  ev_timer_init(&raise_timer, raise_cb, 0.01, 0.);
  raise_timer.data = "raise";
  ev_timer_start(loop, &raise_timer);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
