/* soak_server: the soak's own server (tests/soak/run.sh, docs/soak.md). It keeps one loop busy
 * with everything a long-lived libev program does to its watchers, checks each outcome, and
 * counts what went wrong:
 *  - lanes: socketpairs on which a message goes back and forth; each io watcher is started for
 *    one message and stopped after it, and moved to the other end (ev_io_set) for the next;
 *  - transient pairs: socketpairs opened, watched, and closed every few milliseconds (fd numbers
 *    are reused at once), some closed before any event;
 *  - timers re-armed with new timeouts (ev_timer_set, ev_timer_again, stopped before they fire);
 *    none may fire early;
 *  - periodics, some of them restarted with a new interval or given a reschedule callback; none
 *    may fire early or stall;
 *  - signals (SIGUSR1, SIGUSR2) sent by a thread, and ev_async sent by two threads (one waits
 *    for each to be seen, the other sends bursts and waits for the last one): none may be lost;
 *  - a fork every few seconds: the child calls ev_loop_fork, stops the parent's watchers, runs
 *    a little work of its own (a timer, a pipe, an ev_async) and exits; the parent's ev_child
 *    watcher checks its exit status.
 *
 *   soak_server [-b select|poll|epoll|io_uring] [-t max-seconds] [-f fork-interval-seconds]
 *
 * It runs until SIGTERM or SIGINT (or -t seconds, default 86400), then stops and drains (the
 * signals and asyncs in flight must all arrive, the last child must be reaped), and prints
 *   soak_server: backend=B seconds=S lane_messages=N ... errors=E
 * and an "error: ..." line per kind of error. Exits 0 when E is 0.
 *
 * Every watcher lives in static storage: nothing is freed while a watcher in it could be active.
 * A transient pair's fds are closed only after both of its watchers are stopped. */
#define _GNU_SOURCE
#include <ev.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { LANES = 8, TRANSIENTS = 4, TIMERS = 64, PERIODICS = 4, ASYNC_BURST = 16 };

static const double EARLY_TOLERANCE = 1e-3; /* ev_now (wall clock) against timers (monotonic) */
/* The deadlines count ticks of a repeating timer, not seconds: on a loaded machine a process
 * can stand still for seconds (with the load average above 100 on two CPUs, this server's timers
 * were once all 20 s late; fork() took up to 2.6 s here, 1 s in a program that only forks), and
 * a repeating timer fires once after such a pause, not once per interval missed. So a deadline
 * is met only by a loop that kept running and still did not see the event. */
enum {
  TRANSIENT_TICKS = 2000, /* transient churn ticks (5 ms) before a pair's byte is overdue */
  PERIODIC_TICKS = 10,    /* watchdog ticks (1 s) without a periodic firing */
  DRAIN_TICKS = 1000,     /* drain ticks (10 ms) */
  CHILD_TICKS = 20,       /* the child's deadline ticks (0.5 s) */
};
/* A thread's wait for the loop to see its signal or async; wall-clock seconds, since the thread
 * cannot see the loop run. The exact check is the count at the drain. */
static const double HANDSHAKE_TIMEOUT = 60.;

/* ---- counting ------------------------------------------------------------------------------ */

static atomic_long errors;
static struct {
  const char *what;
  atomic_long count;
} error_kinds[32];
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;

/* Counts an error of kind `what` (a string literal); callable from any thread. */
static void note_error(const char *what) {
  atomic_fetch_add(&errors, 1);
  pthread_mutex_lock(&error_lock);
  for (size_t i = 0; i < sizeof error_kinds / sizeof error_kinds[0]; ++i) {
    if (!error_kinds[i].what) error_kinds[i].what = what;
    if (error_kinds[i].what == what) {
      atomic_fetch_add(&error_kinds[i].count, 1);
      break;
    }
  }
  pthread_mutex_unlock(&error_lock);
}

static uint64_t random_state = 88172645463325252ull;

/* xorshift64: the loop thread's own random numbers. */
static double random_between(double low, double high) {
  random_state ^= random_state << 13;
  random_state ^= random_state >> 7;
  random_state ^= random_state << 17;
  return low + (high - low) * (double)(random_state >> 11) / (double)(1ull << 53);
}

/* ---- lanes: a message back and forth, each io watcher started for one message ------------- */

struct lane {
  int fds[2];
  ev_io writer, reader;
  ev_timer pause; /* between a message's arrival and the next one's sending */
  uint64_t sent, received;
};

static struct lane lanes[LANES];
static long lane_messages;

static void lane_writable(struct ev_loop *loop, ev_io *w, int revents) {
  struct lane *lane = w->data;
  uint64_t message = lane->sent;
  ssize_t n = write(w->fd, &message, sizeof message);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return; /* spurious: keep waiting */
  ev_io_stop(loop, w);
  if (n != sizeof message) {
    note_error("lane: write failed");
    return; /* the lane stops */
  }
  ++lane->sent;
  /* The message is read at the other end. */
  int from = w->fd == lane->fds[0] ? 0 : 1;
  ev_io_set(&lane->reader, lane->fds[1 - from], EV_READ);
  ev_io_start(loop, &lane->reader);
}

static void lane_readable(struct ev_loop *loop, ev_io *w, int revents) {
  struct lane *lane = w->data;
  uint64_t message;
  ssize_t n = read(w->fd, &message, sizeof message);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  ev_io_stop(loop, w);
  if (n != sizeof message || message != lane->received) {
    note_error("lane: wrong or missing message");
    return;
  }
  ++lane->received;
  ++lane_messages;
  ev_timer_set(&lane->pause, random_between(0.0005, 0.003), 0.);
  ev_timer_start(loop, &lane->pause);
}

static void lane_resume(struct ev_loop *loop, ev_timer *w, int revents) {
  struct lane *lane = w->data;
  /* Each message goes the other way round: the watcher moves to the other end. */
  ev_io_set(&lane->writer, lane->fds[lane->sent & 1], EV_WRITE);
  ev_io_start(loop, &lane->writer);
}

static int lanes_open(struct ev_loop *loop) {
  for (int i = 0; i < LANES; ++i) {
    struct lane *lane = &lanes[i];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, lane->fds) < 0)
      return -1;
    ev_io_init(&lane->writer, lane_writable, lane->fds[0], EV_WRITE);
    ev_io_init(&lane->reader, lane_readable, lane->fds[1], EV_READ);
    ev_timer_init(&lane->pause, lane_resume, 0., 0.);
    lane->writer.data = lane->reader.data = lane->pause.data = lane;
    ev_io_start(loop, &lane->writer);
  }
  return 0;
}

static void lanes_stop(struct ev_loop *loop) {
  for (int i = 0; i < LANES; ++i) {
    ev_io_stop(loop, &lanes[i].writer);
    ev_io_stop(loop, &lanes[i].reader);
    ev_timer_stop(loop, &lanes[i].pause);
  }
}

static void lanes_close(void) {
  for (int i = 0; i < LANES; ++i) {
    close(lanes[i].fds[0]);
    close(lanes[i].fds[1]);
  }
}

/* ---- transient pairs: opened, watched and closed, fd numbers reused at once ---------------- */

struct transient {
  int fds[2]; /* -1 when the slot is free */
  ev_io reader, writer;
  long opened_tick;
};

static struct transient transients[TRANSIENTS];
static ev_timer transient_churn;
static long transient_pairs, transient_unused, transient_ticks;

static void transient_close(struct ev_loop *loop, struct transient *t) {
  /* Both watchers are stopped before the fds close, so no backend watches a closed fd. */
  ev_io_stop(loop, &t->reader);
  ev_io_stop(loop, &t->writer);
  close(t->fds[0]);
  close(t->fds[1]);
  t->fds[0] = t->fds[1] = -1;
}

static void transient_writable(struct ev_loop *loop, ev_io *w, int revents) {
  struct transient *t = w->data;
  if (write(w->fd, "x", 1) != 1) {
    note_error("transient: write failed");
    transient_close(loop, t);
    return;
  }
  ev_io_stop(loop, w);
}

static void transient_readable(struct ev_loop *loop, ev_io *w, int revents) {
  struct transient *t = w->data;
  char byte;
  ssize_t n = read(w->fd, &byte, 1);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n != 1 || byte != 'x') note_error("transient: wrong or missing byte");
  ++transient_pairs;
  transient_close(loop, t);
}

static void transient_tick(struct ev_loop *loop, ev_timer *w, int revents) {
  ++transient_ticks;
  for (int i = 0; i < TRANSIENTS; ++i) {
    struct transient *t = &transients[i];
    if (t->fds[0] >= 0) {
      if (transient_ticks - t->opened_tick > TRANSIENT_TICKS) {
        note_error("transient: no byte within 2000 ticks");
        transient_close(loop, t);
      }
      continue;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, t->fds) < 0) {
      note_error("transient: socketpair failed");
      t->fds[0] = t->fds[1] = -1;
      continue;
    }
    t->opened_tick = transient_ticks;
    ev_io_set(&t->reader, t->fds[0], EV_READ);
    ev_io_set(&t->writer, t->fds[1], EV_WRITE);
    ev_io_start(loop, &t->reader);
    ev_io_start(loop, &t->writer);
    /* One in four is closed before the loop sees it: started and stopped unseen. */
    if (random_between(0., 1.) < 0.25) {
      ++transient_unused;
      transient_close(loop, t);
    }
  }
}

static void transients_init(struct ev_loop *loop) {
  for (int i = 0; i < TRANSIENTS; ++i) {
    struct transient *t = &transients[i];
    t->fds[0] = t->fds[1] = -1;
    ev_io_init(&t->reader, transient_readable, -1, EV_READ);
    ev_io_init(&t->writer, transient_writable, -1, EV_WRITE);
    t->reader.data = t->writer.data = t;
  }
  ev_timer_init(&transient_churn, transient_tick, 0.005, 0.005);
  ev_timer_start(loop, &transient_churn);
}

static void transients_stop(struct ev_loop *loop) {
  ev_timer_stop(loop, &transient_churn);
  for (int i = 0; i < TRANSIENTS; ++i)
    if (transients[i].fds[0] >= 0) transient_close(loop, &transients[i]);
}

/* ---- timers: re-armed, restarted, stopped; never early -------------------------------------- */

struct soak_timer {
  ev_timer timer;
  ev_tstamp due; /* the earliest time it may fire */
};

static struct soak_timer timers[TIMERS];
static ev_timer timer_meddler; /* restarts or stops a random timer before it fires */
static long timers_fired, timers_meddled;
static double timer_max_late;

/* Arms the timer anew, one of three ways. */
static void timer_arm(struct ev_loop *loop, struct soak_timer *t) {
  double choice = random_between(0., 3.);
  if (choice < 1.) { /* a one-shot timer */
    double after = random_between(0.001, 0.05);
    ev_timer_stop(loop, &t->timer);
    ev_timer_set(&t->timer, after, 0.);
    ev_timer_start(loop, &t->timer);
    t->due = ev_now(loop) + after;
  } else if (choice < 2.) { /* ev_timer_again with a new repeat */
    t->timer.repeat = random_between(0.001, 0.05);
    ev_timer_again(loop, &t->timer);
    t->due = ev_now(loop) + t->timer.repeat;
  } else { /* ev_timer_again, repeat kept */
    if (t->timer.repeat == 0.) t->timer.repeat = 0.02;
    ev_timer_again(loop, &t->timer);
    t->due = ev_now(loop) + t->timer.repeat;
  }
}

static void timer_fired(struct ev_loop *loop, ev_timer *w, int revents) {
  struct soak_timer *t = w->data;
  ev_tstamp now = ev_now(loop);
  if (now < t->due - EARLY_TOLERANCE) note_error("timer: fired early");
  if (now - t->due > timer_max_late) timer_max_late = now - t->due;
  ++timers_fired;
  if (ev_is_active(w) && random_between(0., 1.) < 0.5) {
    /* A repeating timer left to repeat: its next expiry is one interval after this one. */
    t->due = (t->due + w->repeat > now ? t->due + w->repeat : now);
    return;
  }
  timer_arm(loop, t);
}

static void timer_meddle(struct ev_loop *loop, ev_timer *w, int revents) {
  struct soak_timer *t = &timers[(int)random_between(0., TIMERS) % TIMERS];
  ++timers_meddled;
  if (random_between(0., 1.) < 0.3) {
    ev_timer_stop(loop, &t->timer); /* stopped; re-armed at the next meddling with it */
    t->timer.repeat = 0.;
    ev_timer_set(&t->timer, 0., 0.);
    t->due = ev_now(loop);
  } else {
    timer_arm(loop, t);
  }
}

static void timers_start(struct ev_loop *loop) {
  for (int i = 0; i < TIMERS; ++i) {
    ev_init(&timers[i].timer, timer_fired);
    timers[i].timer.data = &timers[i];
    timer_arm(loop, &timers[i]);
  }
  ev_timer_init(&timer_meddler, timer_meddle, 0.007, 0.007);
  ev_timer_start(loop, &timer_meddler);
}

static void timers_stop(struct ev_loop *loop) {
  ev_timer_stop(loop, &timer_meddler);
  for (int i = 0; i < TIMERS; ++i) ev_timer_stop(loop, &timers[i].timer);
}

/* ---- periodics: restarted with new intervals; never early, never stalled ------------------- */

struct soak_periodic {
  ev_periodic periodic;
  ev_tstamp due;
  int idle_ticks; /* watchdog ticks since it last fired */
  long fired;
};

static struct soak_periodic periodics[PERIODICS];
static ev_timer periodic_watchdog;
static long periodics_fired, periodics_restarted;

static ev_tstamp reschedule_soon(ev_periodic *w, ev_tstamp now) {
  return now + 0.03;
}

static void periodic_begin(struct ev_loop *loop, struct soak_periodic *p, int index) {
  if (index == 0)
    ev_periodic_set(&p->periodic, 0., 0., reschedule_soon); /* every 30 ms, its own schedule */
  else
    ev_periodic_set(&p->periodic, random_between(0., 0.1), random_between(0.02, 0.2), 0);
  ev_periodic_start(loop, &p->periodic);
  p->due = ev_periodic_at(&p->periodic);
}

static void periodic_fired(struct ev_loop *loop, ev_periodic *w, int revents) {
  struct soak_periodic *p = w->data;
  ev_tstamp now = ev_now(loop);
  if (now < p->due - EARLY_TOLERANCE) note_error("periodic: fired early");
  p->idle_ticks = 0;
  ++p->fired;
  ++periodics_fired;
  if (p->fired % 20 == 0) {
    ++periodics_restarted;
    ev_periodic_stop(loop, w);
    periodic_begin(loop, p, (int)(p - periodics));
  } else {
    p->due = ev_periodic_at(w); /* already moved on to the next expiry */
  }
}

static void periodic_check(struct ev_loop *loop, ev_timer *w, int revents) {
  for (int i = 0; i < PERIODICS; ++i) {
    if (++periodics[i].idle_ticks > PERIODIC_TICKS) {
      note_error("periodic: stalled");
      periodics[i].idle_ticks = 0;
    }
  }
}

static void periodics_start(struct ev_loop *loop) {
  for (int i = 0; i < PERIODICS; ++i) {
    ev_init(&periodics[i].periodic, periodic_fired);
    periodics[i].periodic.data = &periodics[i];
    periodic_begin(loop, &periodics[i], i);
  }
  ev_timer_init(&periodic_watchdog, periodic_check, 1., 1.);
  ev_timer_start(loop, &periodic_watchdog);
}

static void periodics_stop(struct ev_loop *loop) {
  ev_timer_stop(loop, &periodic_watchdog);
  for (int i = 0; i < PERIODICS; ++i) ev_periodic_stop(loop, &periodics[i].periodic);
}

/* ---- signals and asyncs from threads ------------------------------------------------------- */

static struct ev_loop *soak_loop;
static atomic_int stopping; /* the threads end */
static ev_signal user_signals[2];
static const int user_signal_numbers[2] = {SIGUSR1, SIGUSR2};
static atomic_long signals_sent[2], signals_seen[2];
static ev_async asyncs[2];                 /* [0]: one at a time; [1]: in bursts */
static atomic_long async_sent, async_seen; /* asyncs[0] */
static atomic_long burst_sent, burst_callbacks, burst_generation, burst_seen_generation;
static pthread_t threads[3];
static atomic_int threads_running; /* a thread may send until it has seen `stopping` */

static void sleep_seconds(double seconds) {
  struct timespec t = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  while (nanosleep(&t, &t) < 0 && errno == EINTR) {
  }
}

/* Waits until *seen reaches target, the soak stops, or the timeout passes (an error). */
static void await_count(atomic_long *seen, long target, const char *lost) {
  for (double start = ev_time(); atomic_load(seen) < target;) {
    if (atomic_load(&stopping)) return;
    if (ev_time() - start > HANDSHAKE_TIMEOUT) {
      note_error(lost);
      return;
    }
    sleep_seconds(0.0002);
  }
}

static void user_signal_seen(struct ev_loop *loop, ev_signal *w, int revents) {
  atomic_fetch_add(&signals_seen[w->signum == SIGUSR1 ? 0 : 1], 1);
}

static void async_seen_cb(struct ev_loop *loop, ev_async *w, int revents) {
  if (w == &asyncs[0]) {
    atomic_fetch_add(&async_seen, 1);
  } else {
    atomic_fetch_add(&burst_callbacks, 1);
    atomic_store(&burst_seen_generation, atomic_load(&burst_generation));
  }
}

/* Sends SIGUSR1 and SIGUSR2 to the process in turn, each once the loop saw the one before. */
static void *signal_thread(void *unused) {
  for (long i = 0; !atomic_load(&stopping); ++i) {
    int which = (int)(i & 1);
    long target = atomic_fetch_add(&signals_sent[which], 1) + 1;
    kill(getpid(), user_signal_numbers[which]);
    await_count(&signals_seen[which], target, "signal: lost");
    sleep_seconds(0.001);
  }
  atomic_fetch_sub(&threads_running, 1);
  return unused;
}

/* ev_async_send, each once the loop saw the one before. */
static void *async_thread(void *unused) {
  while (!atomic_load(&stopping)) {
    long target = atomic_fetch_add(&async_sent, 1) + 1;
    ev_async_send(soak_loop, &asyncs[0]);
    await_count(&async_seen, target, "async: lost");
    sleep_seconds(0.0005);
  }
  atomic_fetch_sub(&threads_running, 1);
  return unused;
}

/* Bursts of ev_async_send, which the loop may merge into one callback; a callback must come
 * after the burst's last send. */
static void *burst_thread(void *unused) {
  while (!atomic_load(&stopping)) {
    long generation = atomic_fetch_add(&burst_generation, 1) + 1;
    for (int i = 0; i < ASYNC_BURST; ++i) {
      ev_async_send(soak_loop, &asyncs[1]);
      atomic_fetch_add(&burst_sent, 1);
    }
    await_count(&burst_seen_generation, generation, "async burst: lost");
    sleep_seconds(0.002);
  }
  atomic_fetch_sub(&threads_running, 1);
  return unused;
}

static int threads_start(struct ev_loop *loop) {
  for (int i = 0; i < 2; ++i) {
    ev_signal_init(&user_signals[i], user_signal_seen, user_signal_numbers[i]);
    ev_signal_start(loop, &user_signals[i]);
    ev_async_init(&asyncs[i], async_seen_cb);
    ev_async_start(loop, &asyncs[i]);
  }
  void *(*bodies[3])(void *) = {signal_thread, async_thread, burst_thread};
  for (int i = 0; i < 3; ++i) {
    atomic_fetch_add(&threads_running, 1);
    if (pthread_create(&threads[i], NULL, bodies[i], NULL) != 0) return -1;
  }
  return 0;
}

/* The threads have ended (no signal may come once its watcher is stopped: SIGUSR1 would kill
 * the process) and everything they sent has been seen. */
static int threads_drained(void) {
  return atomic_load(&threads_running) == 0 &&
         atomic_load(&signals_seen[0]) == atomic_load(&signals_sent[0]) &&
         atomic_load(&signals_seen[1]) == atomic_load(&signals_sent[1]) &&
         atomic_load(&async_seen) == atomic_load(&async_sent) &&
         atomic_load(&burst_seen_generation) == atomic_load(&burst_generation);
}

static void thread_watchers_stop(struct ev_loop *loop) {
  for (int i = 0; i < 2; ++i) {
    ev_signal_stop(loop, &user_signals[i]);
    ev_async_stop(loop, &asyncs[i]);
  }
}

/* ---- forks --------------------------------------------------------------------------------- */

static ev_timer fork_timer;
static ev_child child_watcher;
static pid_t child_pid; /* 0 when no child is running */
static long forks, children_ok;
static ev_signal stop_signals[2];
static ev_timer time_limit;

static void stop_working_watchers(struct ev_loop *loop);

/* The child's work: a timer writes to a pipe, the pipe's watcher sends an ev_async, the async
 * ends the loop. Its watchers are static like the rest. */
static ev_timer child_timer, child_deadline;
static ev_io child_pipe_watcher;
static ev_async child_async;
static int child_pipe[2], child_done;
enum { CHILD_TIMED_OUT = 4 }; /* its exit status when the deadline ended its loop */

static void child_timer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  if (write(child_pipe[1], "c", 1) != 1) ev_break(loop, EVBREAK_ALL);
}

static void child_pipe_cb(struct ev_loop *loop, ev_io *w, int revents) {
  char byte;
  if (read(w->fd, &byte, 1) != 1 || byte != 'c') ev_break(loop, EVBREAK_ALL);
  ev_io_stop(loop, w);
  ev_async_send(loop, &child_async);
}

static void child_async_cb(struct ev_loop *loop, ev_async *w, int revents) {
  child_done = 1;
  ev_break(loop, EVBREAK_ALL);
}

static int child_ticks;

static void child_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  if (++child_ticks > CHILD_TICKS) ev_break(loop, EVBREAK_ALL);
}

static void child_main(struct ev_loop *loop) {
  ev_loop_fork(loop);
  /* The parent's watchers are copies here; their fds are shared with the parent, so the child
   * stops them all before it runs the loop. */
  stop_working_watchers(loop);
  thread_watchers_stop(loop); /* their threads are not in the child */
  for (int i = 0; i < 2; ++i) ev_signal_stop(loop, &stop_signals[i]);
  ev_timer_stop(loop, &time_limit);
  if (pipe2(child_pipe, O_CLOEXEC | O_NONBLOCK) < 0) _exit(3);
  ev_timer_init(&child_timer, child_timer_cb, 0.01, 0.);
  ev_timer_start(loop, &child_timer);
  ev_timer_init(&child_deadline, child_deadline_cb, 0.5, 0.5);
  ev_timer_start(loop, &child_deadline);
  ev_io_init(&child_pipe_watcher, child_pipe_cb, child_pipe[0], EV_READ);
  ev_io_start(loop, &child_pipe_watcher);
  ev_async_init(&child_async, child_async_cb);
  ev_async_start(loop, &child_async);
  ev_run(loop, 0);
  _exit(child_done ? 0 : CHILD_TIMED_OUT);
}

static void child_exited(struct ev_loop *loop, ev_child *w, int revents) {
  ev_child_stop(loop, w);
  child_pid = 0;
  if (WIFEXITED(w->rstatus) && WEXITSTATUS(w->rstatus) == 0)
    ++children_ok;
  else if (WIFEXITED(w->rstatus) && WEXITSTATUS(w->rstatus) == CHILD_TIMED_OUT)
    note_error("fork: the child's work did not end within its deadline");
  else
    note_error("fork: the child failed");
}

static double fork_max_seconds; /* the longest fork() call: how long the loop stood still */

static void fork_tick(struct ev_loop *loop, ev_timer *w, int revents) {
  if (child_pid) return; /* the last child is still at work */
  ev_tstamp before = ev_time();
  pid_t pid = fork();
  if (pid > 0 && ev_time() - before > fork_max_seconds) fork_max_seconds = ev_time() - before;
  if (pid < 0) {
    note_error("fork: fork failed");
    return;
  }
  if (pid == 0) child_main(loop);
  ++forks;
  child_pid = pid;
  /* Started in the callback that forked: the loop reaps children only when it runs. */
  ev_child_set(&child_watcher, pid, 0);
  ev_child_start(loop, &child_watcher);
}

/* ---- running and stopping ------------------------------------------------------------------ */

static ev_timer drain_timer;
static ev_tstamp started;
static int stop_begun, drained, drain_ticks;

static void stop_working_watchers(struct ev_loop *loop) {
  lanes_stop(loop);
  transients_stop(loop);
  timers_stop(loop);
  periodics_stop(loop);
  ev_timer_stop(loop, &fork_timer);
}

/* Waits for the threads' last signal or async and for the last child, then ends the loop. */
static void drain_tick(struct ev_loop *loop, ev_timer *w, int revents) {
  int done = threads_drained() && !child_pid;
  if (!done && ++drain_ticks < DRAIN_TICKS) return;
  if (!done) note_error("drain: signals, asyncs or the child still outstanding");
  drained = done;
  ev_timer_stop(loop, w);
  thread_watchers_stop(loop);
  if (child_pid) ev_child_stop(loop, &child_watcher);
  ev_break(loop, EVBREAK_ALL);
}

static void begin_stop(struct ev_loop *loop) {
  if (stop_begun) return;
  stop_begun = 1;
  atomic_store(&stopping, 1);
  stop_working_watchers(loop);
  for (int i = 0; i < 2; ++i) ev_signal_stop(loop, &stop_signals[i]);
  ev_timer_stop(loop, &time_limit);
  ev_timer_init(&drain_timer, drain_tick, 0.01, 0.01);
  ev_timer_start(loop, &drain_timer);
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents) {
  begin_stop(loop);
}

static void on_time_limit(struct ev_loop *loop, ev_timer *w, int revents) {
  begin_stop(loop);
}

static unsigned backend_flag(const char *name) {
  static const struct {
    const char *name;
    unsigned flag;
  } known[] = {{"select", EVBACKEND_SELECT},
               {"poll", EVBACKEND_POLL},
               {"epoll", EVBACKEND_EPOLL},
               {"io_uring", EVBACKEND_IOURING}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; ++i)
    if (strcmp(name, known[i].name) == 0) return known[i].flag;
  return 0;
}

static const char *backend_name(unsigned flag) {
  switch (flag) {
    case EVBACKEND_SELECT:
      return "select";
    case EVBACKEND_POLL:
      return "poll";
    case EVBACKEND_EPOLL:
      return "epoll";
    case EVBACKEND_IOURING:
      return "io_uring";
    default:
      return "unknown";
  }
}

static int parse_seconds(const char *text, double *seconds) {
  char *end;
  *seconds = strtod(text, &end);
  return *end == '\0' && end != text && *seconds > 0.;
}

int main(int argc, char **argv) {
  unsigned backend = 0;
  double max_seconds = 86400., fork_interval = 3.;
  int c;
  while ((c = getopt(argc, argv, "b:t:f:")) != -1) {
    if ((c == 'b' && !(backend = backend_flag(optarg))) ||
        (c == 't' && !parse_seconds(optarg, &max_seconds)) ||
        (c == 'f' && !parse_seconds(optarg, &fork_interval)) || c == '?') {
      fprintf(stderr,
              "usage: %s [-b select|poll|epoll|io_uring] [-t max-seconds] "
              "[-f fork-interval-seconds]\n",
              argv[0]);
      return 2;
    }
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* The default loop: the only one that may watch children. */
  struct ev_loop *loop = ev_default_loop(backend ? backend | EVFLAG_NOENV : EVFLAG_AUTO);
  if (!loop) {
    fprintf(stderr, "soak_server: no loop with the %s backend\n",
            backend ? backend_name(backend) : "default");
    return 1;
  }
  soak_loop = loop;
  random_state ^= (uint64_t)getpid() << 20;
  if (lanes_open(loop) < 0) {
    perror("soak_server: socketpair");
    return 1;
  }
  transients_init(loop);
  timers_start(loop);
  periodics_start(loop);
  ev_timer_init(&fork_timer, fork_tick, fork_interval, fork_interval);
  ev_timer_start(loop, &fork_timer);
  ev_child_init(&child_watcher, child_exited, 0, 0);
  ev_signal_init(&stop_signals[0], on_stop_signal, SIGTERM);
  ev_signal_init(&stop_signals[1], on_stop_signal, SIGINT);
  for (int i = 0; i < 2; ++i) ev_signal_start(loop, &stop_signals[i]);
  ev_timer_init(&time_limit, on_time_limit, max_seconds, 0.);
  ev_timer_start(loop, &time_limit);
  if (threads_start(loop) < 0) {
    fprintf(stderr, "soak_server: pthread_create failed\n");
    return 1;
  }
  started = ev_time();
  printf("soak_server: backend %s, pid %d\n", backend_name(ev_backend(loop)), (int)getpid());

  ev_run(loop, 0);

  for (int i = 0; i < 3; ++i) pthread_join(threads[i], NULL);
  lanes_close();
  /* Merged sends give fewer callbacks, never more. */
  if (atomic_load(&burst_callbacks) > atomic_load(&burst_sent))
    note_error("async burst: more callbacks than sends");
  printf(
      "soak_server: backend=%s seconds=%.1f lane_messages=%ld transient_pairs=%ld "
      "transient_unused=%ld timers_fired=%ld timers_meddled=%ld timer_max_late_ms=%.1f "
      "periodics_fired=%ld periodics_restarted=%ld signals=%ld asyncs=%ld async_bursts=%ld "
      "burst_sends=%ld burst_callbacks=%ld forks=%ld children_ok=%ld fork_max_ms=%.1f drained=%s "
      "errors=%ld\n",
      backend_name(ev_backend(loop)), ev_time() - started, lane_messages, transient_pairs,
      transient_unused, timers_fired, timers_meddled, timer_max_late * 1e3, periodics_fired,
      periodics_restarted, atomic_load(&signals_seen[0]) + atomic_load(&signals_seen[1]),
      atomic_load(&async_seen), atomic_load(&burst_generation), atomic_load(&burst_sent),
      atomic_load(&burst_callbacks), forks, children_ok, fork_max_seconds * 1e3,
      drained ? "yes" : "no", atomic_load(&errors));
  for (size_t i = 0; i < sizeof error_kinds / sizeof error_kinds[0] && error_kinds[i].what; ++i)
    printf("error: %s (%ld times)\n", error_kinds[i].what, atomic_load(&error_kinds[i].count));
  ev_loop_destroy(loop);
  return atomic_load(&errors) == 0 ? 0 : 1;
}
