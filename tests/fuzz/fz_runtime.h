/* Runtime of the differential fuzzer's programs (see README.md in this directory).
 *
 * A fuzz program is a list of operations on at most three loops, sixteen watchers and ten fds.
 * The interpreter (fuzz.c) executes generated programs by calling the functions below, and the C
 * file it emits for a minimised divergence (tests/compat/fz_*.c) calls the same functions, so a
 * program behaves the same in either form. Only libev 4.33's documented API is used.
 *
 * Rules that make every program deterministic and valid:
 *  - Any operation is valid in any state. One that libev forbids in the current state (setting an
 *    active watcher, a signal watched by another loop, running a loop in a forked child before
 *    ev_loop_fork, ...) is skipped with a line saying so; one naming a watcher or loop that was
 *    never declared (or is destroyed) does nothing. So any subset of a program is a program,
 *    which is what lets the driver minimise by dropping lines.
 *  - Time is a grid of ticks (FUZZ_TICK_MS, default 25 ms) counted from fz_begin. Every timed
 *    event (a timer's expiry, a thread's timed action, the end of a sleep) gets a whole tick of
 *    its own (fz_reserve), periodics fire at half ticks, so a callback that runs late by up to an
 *    eighth of a tick changes nothing that the trace shows. Timers started in one loop at the same
 *    ev_now with the same delay may share a tick: their expiries are then exactly equal, and
 *    libev's order for such ties is part of what is compared.
 *  - Nothing printed depends on time, pids or fd numbers. The program's fds live at fixed numbers
 *    (FZ_FD_BASE and up, never closed), so select's fd order is the same for libev and evring.
 *  - Every watcher has a budget of callbacks, after which it is stopped; the whole program has a
 *    budget of FZ_MAX_CALLS callbacks. A program that would block forever ends at its deadline,
 *    one tick after the last reserved one (SIGALRM prints "deadline" and exits), and at the
 *    latest a quarter tick after tick FZ_MAX_PROGRAM_TICKS.
 * Each trace line is one write(2) to stdout, so forked children's lines land in order. */
#ifndef FZ_RUNTIME_H
#define FZ_RUNTIME_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ev.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Operations, with the kind of each argument: w watcher, L loop, f fd (or -1), e event mask,
 * r ev_run flags, b ev_break kind, s signal, c fork block, n number. fuzz.c parses, prints and
 * dispatches programs from this table; each X(name, kinds) is the function fz_<name>. */
#define FZ_OPS(X)            \
  X(loop, "L")               \
  X(io, "wLnfe")             \
  X(timer, "wLnnn")          \
  X(periodic, "wLnnnn")      \
  X(signal, "wLns")          \
  X(child, "wLnn")           \
  X(idle, "wLn")             \
  X(prepare, "wLn")          \
  X(check, "wLn")            \
  X(fork, "wLn")             \
  X(cleanup, "wLn")          \
  X(async, "wLn")            \
  X(embed, "wLnLn")          \
  X(start, "w")              \
  X(stop, "w")               \
  X(set, "w")                \
  X(io_set, "wfe")           \
  X(again, "w")              \
  X(feed, "we")              \
  X(invoke, "w")             \
  X(clear, "w")              \
  X(priority, "wn")          \
  X(unref, "w")              \
  X(state, "w")              \
  X(remaining, "w")          \
  X(send, "w")               \
  X(send_thread, "w")        \
  X(send_at, "wn")           \
  X(sweep, "w")              \
  X(child_pid, "w")          \
  X(write, "fn")             \
  X(read, "fn")              \
  X(fill, "f")               \
  X(drain, "f")              \
  X(shutdown, "f")           \
  X(write_at, "fnn")         \
  X(raise, "s")              \
  X(feed_signal, "s")        \
  X(feed_signal_event, "Ls") \
  X(kill_at, "sn")           \
  X(run, "Lr")               \
  X(break, "Lb")             \
  X(now_update, "L")         \
  X(loop_fork, "L")          \
  X(suspend, "L")            \
  X(pending, "L")            \
  X(invoke_pending, "L")     \
  X(pending_hook, "Ln")      \
  X(feed_fd, "Lfe")          \
  X(verify, "L")             \
  X(destroy, "L")            \
  X(process_fork, "c")       \
  X(spawn, "n")              \
  X(sleep, "n")              \
  X(once, "Lfen")

enum { L0, L1, L2, FZ_LOOPS }; /* L0 is the default loop, L2 the embeddable one */
enum { F0, F1, F2, F3, F4, F5, F6, F7, F8, F9, FZ_FDS };
enum { w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15, FZ_WATCHERS };
enum { c0, c1, c2, c3, c4, c5, c6, c7, FZ_FORK_BLOCKS };

/* F0/F1, F2/F3, F4/F5: pipes (read end, write end); F6/F7, F8/F9: socketpairs. */
#define FZ_FD_BASE 100
#define FZ_MAX_TICKS 4096
#define FZ_MAX_CALLS 300
#define FZ_MAX_PROGRAM_TICKS 80 /* no deadline later than this: cycles of restarts end there */
#define FZ_MAX_RUN_DEPTH 3
#define FZ_MAX_SPAWNS 16

enum fz_type {
  FZ_NONE,
  FZ_IO,
  FZ_TIMER,
  FZ_PERIODIC,
  FZ_SIGNAL,
  FZ_CHILD,
  FZ_IDLE,
  FZ_PREPARE,
  FZ_CHECK,
  FZ_FORK,
  FZ_CLEANUP,
  FZ_ASYNC,
  FZ_EMBED
};

struct fz_watcher {
  union ev_any_watcher ev; /* first, so that the callback finds the fz_watcher */
  int type, loop, budget, calls;
  int unrefd;  /* ev_unref'd while active: ev_ref again once it stops */
  int fresh;   /* a timer set since it last started */
  int tick;    /* the tick a timer holds for its next expiry, or -1 */
  int a, b, c; /* the declaration's parameters (see the fz_<type> functions) */
};

static struct {
  struct ev_loop *loops[FZ_LOOPS];
  int fork_marked[FZ_LOOPS]; /* in a forked child: ev_loop_fork was called for the loop */
  int wakes[FZ_LOOPS];       /* an async or signal watcher was started: ev_async_send may be used */
  struct fz_watcher w[FZ_WATCHERS];
  void (*body)(int w, int call); /* the operations of watcher w's callback */
  void (*fork_block)(int c);     /* the operations of a forked child */
  double base, tick;             /* tick 0 (ev_time), tick length in seconds */
  struct {
    int users;  /* how many timed events are due at that tick */
    int loop;   /* a timer's loop, or -1: not shared */
    int recipe; /* how a timer's expiry was computed (see "Timers") */
    double now; /* that loop's ev_now when the timer started */
  } slots[FZ_MAX_TICKS];
  double deadline; /* in ticks */
  int in_child;
  char prefix[16];
  int callback_depth, run_depth, calls, destroying, onces;
  pid_t spawns[FZ_MAX_SPAWNS];
  int spawned;
  pthread_mutex_t loops_lock; /* timed threads must not send to a loop being destroyed */
} fz;

/* ---- names ---------------------------------------------------------------------------------- */

static const struct {
  int bit;
  const char *name;
} fz_event_names[] = {
    {EV_READ, "READ"},       {EV_WRITE, "WRITE"}, {EV_TIMER, "TIMER"},   {EV_PERIODIC, "PERIODIC"},
    {EV_SIGNAL, "SIGNAL"},   {EV_CHILD, "CHILD"}, {EV_STAT, "STAT"},     {EV_IDLE, "IDLE"},
    {EV_PREPARE, "PREPARE"}, {EV_CHECK, "CHECK"}, {EV_EMBED, "EMBED"},   {EV_FORK, "FORK"},
    {EV_CLEANUP, "CLEANUP"}, {EV_ASYNC, "ASYNC"}, {EV_CUSTOM, "CUSTOM"}, {EV_ERROR, "ERROR"},
};

/* The event mask as READ|WRITE (sep "|"), or as C (sep " | ", prefix "EV_"). */
static inline const char *fz_events_text(char *text, size_t size, int events, const char *prefix,
                                         const char *sep) {
  unsigned rest = (unsigned)events;
  size_t used = 0;
  text[0] = '\0';
  for (size_t i = 0; i < sizeof fz_event_names / sizeof fz_event_names[0]; ++i) {
    if (!(rest & (unsigned)fz_event_names[i].bit)) continue;
    rest &= ~(unsigned)fz_event_names[i].bit;
    used += (size_t)snprintf(text + used, size - used, "%s%s%s", used ? sep : "", prefix,
                             fz_event_names[i].name);
  }
  if (rest) used += (size_t)snprintf(text + used, size - used, "%s0x%x", used ? sep : "", rest);
  if (!used) snprintf(text, size, "0");
  return text;
}

static const struct {
  int number;
  const char *name;
} fz_signal_names[] = {{SIGURG, "URG"}, {SIGWINCH, "WINCH"}}; /* ignored by default */

static inline const char *fz_signal_name(int signum) {
  for (size_t i = 0; i < sizeof fz_signal_names / sizeof fz_signal_names[0]; ++i)
    if (fz_signal_names[i].number == signum) return fz_signal_names[i].name;
  return "?";
}

static const char *const fz_type_names[] = {"none",    "io",    "timer",   "periodic", "signal",
                                            "child",   "idle",  "prepare", "check",    "fork",
                                            "cleanup", "async", "embed"};

static inline const char *fz_run_name(int flags) {
  return flags == EVRUN_NOWAIT ? "NOWAIT" : flags == EVRUN_ONCE ? "ONCE" : "0";
}

static inline const char *fz_break_name(int how) {
  return how == EVBREAK_ONE ? "ONE" : how == EVBREAK_ALL ? "ALL" : "CANCEL";
}

/* ---- tracing, time, deadline ---------------------------------------------------------------- */

static inline void fz_print(const char *format, ...) {
  char line[320];
  int used = snprintf(line, sizeof line, "%s", fz.prefix);
  va_list args;
  va_start(args, format);
  used += vsnprintf(line + used, sizeof line - (size_t)used - 1, format, args);
  va_end(args);
  if (used > (int)sizeof line - 2) used = (int)sizeof line - 2;
  line[used++] = '\n';
  for (int done = 0; done < used;) {
    ssize_t n = write(1, line + done, (size_t)(used - done));
    if (n <= 0 && errno != EINTR) break;
    if (n > 0) done += (int)n;
  }
}

/* No libm: the programs in tests/compat are linked without it. */
static inline long fz_floor(double x) {
  long i = (long)x;
  return i - (x < (double)i);
}

static inline double fz_tick_time(double tick) {
  return fz.base + tick * fz.tick;
}

/* The tick a time belongs to: whole ticks (and half ticks) stay themselves when late by up to
 * an eighth of a tick (three eighths). */
static inline int fz_tick_of(double time) {
  return (int)fz_floor((time - fz.base) / fz.tick + 0.125);
}

static inline int fz_now_tick(void) {
  return fz_tick_of(ev_time());
}

static inline void fz_deadline_reached(int signum) {
  (void)signum;
  static const char text[] = "deadline\n";
  if (write(1, fz.prefix, strlen(fz.prefix)) < 0 || write(1, text, sizeof text - 1) < 0) _exit(2);
  _exit(0);
}

static inline void fz_arm_deadline(void) {
  double left = fz_tick_time(fz.deadline) - ev_time();
  if (left < 0.001) left = 0.001;
  struct itimerval timer = {{0, 0},
                            {(time_t)left, (suseconds_t)((left - (double)(time_t)left) * 1e6)}};
  setitimer(ITIMER_REAL, &timer, NULL);
}

static inline void fz_extend_deadline(int tick) {
  if (tick + 1 <= fz.deadline || fz.deadline > FZ_MAX_PROGRAM_TICKS) return;
  /* a quarter tick after the last: between whole ticks and the half ticks of periodics */
  fz.deadline = tick + 1 > FZ_MAX_PROGRAM_TICKS ? FZ_MAX_PROGRAM_TICKS + 0.25 : tick + 1;
  fz_arm_deadline();
}

/* A tick holds the expiries of timers that are bit for bit equal (started in the same loop at
 * the same ev_now, computed the same way: recipe), or one other timed event (loop < 0). */
static inline int fz_tick_takes(int tick, int loop, double now, int recipe) {
  if (tick < 0 || tick >= FZ_MAX_TICKS - 1) return 0;
  return !fz.slots[tick].users || (loop >= 0 && fz.slots[tick].loop == loop &&
                                   fz.slots[tick].now == now && fz.slots[tick].recipe == recipe);
}

static inline void fz_take_tick(int tick, int loop, double now, int recipe) {
  if (tick < 0 || tick >= FZ_MAX_TICKS - 1) return;
  fz.slots[tick].users++;
  fz.slots[tick].loop = loop;
  fz.slots[tick].now = now;
  fz.slots[tick].recipe = recipe;
  fz_extend_deadline(tick);
}

/* The first tick from `want` on that is free, now taken. */
static inline int fz_reserve_alone(int want) {
  int tick = want < 0 ? 0 : want;
  while (tick < FZ_MAX_TICKS - 2 && !fz_tick_takes(tick, -1, 0, 0)) ++tick;
  fz_take_tick(tick, -1, 0, 0);
  return tick;
}

/* ---- loops and watchers --------------------------------------------------------------------- */

/* The loop, if it exists and may be used here (in a forked child only after ev_loop_fork). */
static inline struct ev_loop *fz_live_loop(int l) {
  if (l < 0 || l >= FZ_LOOPS || fz.destroying) return NULL;
  if (fz.in_child && !fz.fork_marked[l]) return NULL;
  return fz.loops[l];
}

static inline struct ev_loop *fz_loop_of(struct fz_watcher *x) {
  return fz.loops[x->loop];
}

static inline int fz_index(struct fz_watcher *x) {
  return (int)(x - fz.w);
}

/* An ev_unref'd watcher that has stopped (a timer that expired, ...) gives its reference back,
 * so that the loop's count of active watchers stays what a careful program keeps it at. */
static inline void fz_sync_refs(void) {
  for (int i = 0; i < FZ_WATCHERS; ++i) {
    struct fz_watcher *x = &fz.w[i];
    if (!x->unrefd || ev_is_active(&x->ev.w)) continue;
    x->unrefd = 0;
    if (fz.loops[x->loop]) ev_ref(fz.loops[x->loop]);
  }
}

/* The declared watcher w, if its loop (and an embed watcher's other loop) may be used here. */
static inline struct fz_watcher *fz_get(int w) {
  if (w < 0 || w >= FZ_WATCHERS || !fz.w[w].type) return NULL;
  struct fz_watcher *x = &fz.w[w];
  if (!fz_live_loop(x->loop) || (x->type == FZ_EMBED && !fz_live_loop(x->a))) return NULL;
  fz_sync_refs();
  return x;
}

static inline void fz_callback(struct ev_loop *loop, ev_watcher *watcher, int revents);

/* Timers. A timer due later (a > 0) expires on a whole tick: when it starts after ev_timer_set
 * (x->fresh), it is set again just before, to the first free tick at least `a` ticks ahead. A
 * timer due at once (a <= 0) keeps `after` = a ticks, as libev programs write it. A repeating
 * timer's callback makes sure that its next expiry is on a whole tick it holds, else moves it
 * to the nearest free one (stop, set, start: a program may do that in its callback), so the
 * repetitions of a timer due at once, and of one whose loop did not run for a while (libev then
 * moves its expiry to the loop's time), fall on whole ticks too. Each timer holds the tick of its
 * next expiry (x->tick). A tick holds several timers only when their expiries are bit for bit
 * equal: same loop, same ev_now when the expiry was computed, computed the same way (recipe);
 * libev's order for such ties is part of what is compared. A resumed timer (ev_timer_start
 * without ev_timer_set) cannot be steered: if it lands off a free whole tick, the trace says so
 * (FZ_UNSTEERED), and the driver sets aside a divergence that follows. */
enum { FZ_ON_GRID = -1 }; /* recipe of an expiry set as (tick time - ev_now); else the repeat */
#define FZ_UNSTEERED "timing not guaranteed" /* the driver sets aside what follows this */

static inline void fz_release_tick(struct fz_watcher *x) {
  if (x->tick > fz_now_tick() && fz.slots[x->tick].users > 0) fz.slots[x->tick].users--;
  x->tick = -1;
}

/* Holds the first tick from `from` on that suits an expiry in x's loop computed at ev_now `now`
 * by `recipe`. */
static inline int fz_hold_tick(struct fz_watcher *x, int from, double now, int recipe) {
  fz_release_tick(x);
  int tick = from > fz_now_tick() ? from : fz_now_tick() + 1;
  while (tick < FZ_MAX_TICKS - 2 && !fz_tick_takes(tick, x->loop, now, recipe)) ++tick;
  fz_take_tick(tick, x->loop, now, recipe);
  return x->tick = tick;
}

/* The `after` that puts timer x on the first free whole tick from `from` on. */
static inline double fz_timer_grid_after(struct fz_watcher *x, int from) {
  double now = ev_now(fz_loop_of(x));
  return fz_tick_time(fz_hold_tick(x, from, now, FZ_ON_GRID)) - now;
}

/* Ticks (with their fraction) from tick 0 to the timer's next expiry. */
static inline double fz_timer_expiry_ticks(struct fz_watcher *x) {
  struct ev_loop *loop = fz_loop_of(x);
  return (ev_now(loop) - fz.base + ev_timer_remaining(loop, &x->ev.timer)) / fz.tick;
}

/* The whole tick the next expiry of an active timer is on (within noise), or -1. */
static inline int fz_timer_whole_tick(struct fz_watcher *x) {
  double expiry = fz_timer_expiry_ticks(x);
  long nearest = fz_floor(expiry + 0.5);
  return expiry - (double)nearest < 1e-4 && (double)nearest - expiry < 1e-4 ? (int)nearest : -1;
}

static inline void fz_timer_start(struct fz_watcher *x) {
  struct ev_loop *loop = fz_loop_of(x);
  if (ev_is_active(&x->ev.w)) return;
  int fresh = x->fresh;
  x->fresh = 0;
  if (fresh && x->a > 0)
    ev_timer_set(&x->ev.timer, fz_timer_grid_after(x, fz_now_tick() + x->a), x->b * fz.tick);
  ev_timer_start(loop, &x->ev.timer);
  if (fresh) return;
  fz_release_tick(x);
  if (ev_timer_remaining(loop, &x->ev.timer) <= 0) return; /* due at once */
  double expiry = fz_timer_expiry_ticks(x);
  int tick = (int)fz_floor(expiry + 0.5);
  if (expiry - tick > 0.125 || tick - expiry > 0.125 || !fz_tick_takes(tick, -1, 0, 0)) {
    fz_print("w%d resumed off a free tick: " FZ_UNSTEERED, fz_index(x));
    return;
  }
  fz_take_tick(tick, -1, 0, 0);
  x->tick = tick;
}

/* In a repeating timer's callback (see "Timers" above). */
static inline void fz_timer_regrid(struct fz_watcher *x) {
  struct ev_loop *loop = fz_loop_of(x);
  int tick = fz_timer_whole_tick(x);
  if (tick >= 0 && tick == x->tick) return; /* already held */
  double now = ev_now(loop);
  if (tick > fz_now_tick() && fz_tick_takes(tick, x->loop, now, x->b)) {
    fz_release_tick(x);
    fz_take_tick(tick, x->loop, now, x->b);
    x->tick = tick;
    return;
  }
  ev_timer_stop(loop, &x->ev.timer);
  ev_timer_set(&x->ev.timer, fz_timer_grid_after(x, (int)fz_floor(fz_timer_expiry_ticks(x) + 0.5)),
               x->b * fz.tick);
  ev_timer_start(loop, &x->ev.timer);
}

/* ev_timer_again: the new expiry (now + repeat) on a whole tick, by setting repeat (read-write,
 * used from the next expiry on) for the call. */
static inline void fz_timer_again(struct fz_watcher *x) {
  struct ev_loop *loop = fz_loop_of(x);
  x->fresh = 0;
  if (x->b <= 0) {
    ev_timer_again(loop, &x->ev.timer);
    fz_release_tick(x);
    return;
  }
  x->ev.timer.repeat = fz_timer_grid_after(x, fz_now_tick() + x->b);
  ev_timer_again(loop, &x->ev.timer);
  x->ev.timer.repeat = x->b * fz.tick;
}

/* The deadline stays after the next expiry of an active timer (which may not be on a reserved
 * tick: a resumed one) or periodic (half ticks are not reserved). */
static inline void fz_track_expiry(struct fz_watcher *x) {
  struct ev_loop *loop = fz_loop_of(x);
  if (!ev_is_active(&x->ev.w)) return;
  if (x->type == FZ_TIMER)
    fz_extend_deadline(fz_tick_of(ev_now(loop) + ev_timer_remaining(loop, &x->ev.timer)));
  else if (x->type == FZ_PERIODIC)
    fz_extend_deadline(fz_tick_of(ev_periodic_at(&x->ev.periodic)));
}

static inline ev_tstamp fz_reschedule(ev_periodic *w, ev_tstamp now) {
  struct fz_watcher *x = (struct fz_watcher *)w;
  int tick = fz_tick_of(now) + x->a;
  fz_print("w%d reschedule -> %d.5", fz_index(x), tick);
  return fz_tick_time(tick + 0.5);
}

static inline pid_t fz_last_spawn(void) {
  return fz.spawned ? fz.spawns[fz.spawned - 1] : 0;
}

/* ev_TYPE_set from the declaration's parameters (the watcher is not active). */
static inline void fz_apply(struct fz_watcher *x) {
  switch (x->type) {
    case FZ_IO:
      ev_io_set(&x->ev.io, FZ_FD_BASE + x->a, x->b);
      break;
    case FZ_TIMER:
      ev_timer_set(&x->ev.timer, x->a * fz.tick, x->b * fz.tick);
      x->fresh = 1;
      break;
    case FZ_PERIODIC:
      if (x->c)
        ev_periodic_set(&x->ev.periodic, 0., 0., fz_reschedule);
      else
        ev_periodic_set(&x->ev.periodic, fz_tick_time(fz_now_tick() + x->a + 0.5), x->b * fz.tick,
                        0);
      break;
    case FZ_SIGNAL:
      ev_signal_set(&x->ev.signal, x->a);
      break;
    case FZ_CHILD:
      ev_child_set(&x->ev.child, x->c, x->a);
      break;
    case FZ_EMBED:
      ev_embed_set(&x->ev.embed, fz.loops[x->a]);
      break;
    default:
      break;
  }
}

/* Declares watcher w of the given type in loop l with its callback budget. */
static inline struct fz_watcher *fz_declare(int w, int type, int l, int budget, int a, int b,
                                            int c) {
  if (w < 0 || w >= FZ_WATCHERS || fz.w[w].type || !fz_live_loop(l)) return NULL;
  struct fz_watcher *x = &fz.w[w];
  x->type = type;
  x->loop = l;
  x->budget = budget < 1 ? 1 : budget;
  x->a = a;
  x->b = b;
  x->c = c;
  x->tick = -1;
  ev_init(&x->ev.w, fz_callback);
  fz_apply(x);
  return x;
}

static inline int fz_valid_fd(int f) {
  return f >= 0 && f < FZ_FDS;
}

/* io: fd f, events (READ and WRITE only). */
static inline void fz_io(int w, int l, int budget, int f, int events) {
  if (!fz_valid_fd(f)) return;
  events &= EV_READ | EV_WRITE;
  char text[64];
  if (fz_declare(w, FZ_IO, l, budget, f, events, 0))
    fz_print("io w%d L%d %d F%d %s", w, l, budget, f,
             fz_events_text(text, sizeof text, events, "", "|"));
}

/* timer: after ticks (> 0: that many or more, see "Timers" above; 0 or less: due at once),
 * repeat ticks (>= 0). */
static inline void fz_timer(int w, int l, int budget, int after, int repeat) {
  if (repeat < 0) repeat = 0;
  if (fz_declare(w, FZ_TIMER, l, budget, after, repeat, 0))
    fz_print("timer w%d L%d %d %d %d", w, l, budget, after, repeat);
}

/* periodic: at tick now+offset+0.5, repeated every interval ticks (0: once); reschedule: use a
 * reschedule callback returning tick now+offset+0.5 instead (offset at least 1). */
static inline void fz_periodic(int w, int l, int budget, int offset, int interval, int reschedule) {
  if (interval < 0) interval = 0;
  if (reschedule && offset < 1) offset = 1;
  if (fz_declare(w, FZ_PERIODIC, l, budget, offset, interval, !!reschedule))
    fz_print("periodic w%d L%d %d %d %d %d", w, l, budget, offset, interval, !!reschedule);
}

static inline void fz_signal(int w, int l, int budget, int signum) {
  if (!strcmp(fz_signal_name(signum), "?")) return;
  if (fz_declare(w, FZ_SIGNAL, l, budget, signum, 0, 0))
    fz_print("signal w%d L%d %d %s", w, l, budget, fz_signal_name(signum));
}

/* child: pid 0 (any; child_pid picks the last spawned child), trace (WUNTRACED|WCONTINUED). */
static inline void fz_child(int w, int l, int budget, int trace) {
  if (l != L0) return; /* libev: child watchers only in the default loop */
  if (fz_declare(w, FZ_CHILD, l, budget, !!trace, 0, 0))
    fz_print("child w%d L%d %d %d", w, l, budget, !!trace);
}

static inline void fz_simple(int type, int w, int l, int budget) {
  if (fz_declare(w, type, l, budget, 0, 0, 0))
    fz_print("%s w%d L%d %d", fz_type_names[type], w, l, budget);
}

static inline void fz_idle(int w, int l, int budget) {
  fz_simple(FZ_IDLE, w, l, budget);
}
static inline void fz_prepare(int w, int l, int budget) {
  fz_simple(FZ_PREPARE, w, l, budget);
}
static inline void fz_check(int w, int l, int budget) {
  fz_simple(FZ_CHECK, w, l, budget);
}
static inline void fz_fork(int w, int l, int budget) {
  fz_simple(FZ_FORK, w, l, budget);
}
static inline void fz_cleanup(int w, int l, int budget) {
  fz_simple(FZ_CLEANUP, w, l, budget);
}
static inline void fz_async(int w, int l, int budget) {
  fz_simple(FZ_ASYNC, w, l, budget);
}

/* embed: loop l embeds loop other (L2, the embeddable loop); automatic: no callback, libev sweeps
 * the embedded loop itself. */
static inline void fz_embed(int w, int l, int budget, int other, int automatic) {
  if (other != L2 || l == L2 || !fz_live_loop(other)) return;
  struct fz_watcher *x = fz_declare(w, FZ_EMBED, l, budget, other, !!automatic, 0);
  if (!x) return;
  if (automatic) ev_set_cb(&x->ev.embed, 0);
  fz_print("embed w%d L%d %d L%d %d", w, l, budget, other, !!automatic);
}

/* L1: ev_loop_new(0); L2: a loop that can be embedded: the default loop's backend if it can,
 * else epoll (EVFLAG_NOENV: LIBEV_FLAGS may name a backend that cannot be embedded; its other
 * flags, such as EVFLAG_NOTIMERFD, apply). */
static inline void fz_loop(int l) {
  if ((l != L1 && l != L2) || fz.loops[l] || !fz.loops[L0] || fz.in_child || fz.destroying) return;
  unsigned backend = ev_backend(fz.loops[L0]);
  if (!(backend & ev_embeddable_backends())) backend = EVBACKEND_EPOLL;
  const char *env = getenv("LIBEV_FLAGS");
  unsigned flags = (env ? (unsigned)strtoul(env, NULL, 0) : 0) & ~(unsigned)EVBACKEND_MASK;
  fz.loops[l] = ev_loop_new(l == L1 ? 0 : EVFLAG_NOENV | flags | backend);
  fz_print("loop L%d%s", l, fz.loops[l] ? "" : " -> failed");
}

/* ---- watcher operations --------------------------------------------------------------------- */

/* Why libev would refuse to start x now, or NULL. */
static inline const char *fz_start_refused(struct fz_watcher *x) {
  for (int i = 0; i < FZ_WATCHERS; ++i) {
    struct fz_watcher *y = &fz.w[i];
    if (y == x || !ev_is_active(&y->ev.w) || y->type != x->type || !fz.loops[y->loop]) continue;
    if (x->type == FZ_SIGNAL && y->a == x->a && y->loop != x->loop)
      return "signal watched by another loop";
    if (x->type == FZ_EMBED && y->a == x->a) return "loop embedded elsewhere";
  }
  return NULL;
}

static inline void fz_start(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x) return;
  const char *refused = fz_start_refused(x);
  if (refused) {
    fz_print("start w%d: skip (%s)", w, refused);
    return;
  }
  fz_print("start w%d", w);
  struct ev_loop *loop = fz_loop_of(x);
  switch (x->type) {
    case FZ_IO:
      ev_io_start(loop, &x->ev.io);
      break;
    case FZ_TIMER:
      fz_timer_start(x);
      break;
    case FZ_PERIODIC:
      ev_periodic_start(loop, &x->ev.periodic);
      break;
    case FZ_SIGNAL:
      ev_signal_start(loop, &x->ev.signal);
      fz.wakes[x->loop] = 1;
      break;
    case FZ_CHILD:
      ev_child_start(loop, &x->ev.child);
      break;
    case FZ_IDLE:
      ev_idle_start(loop, &x->ev.idle);
      break;
    case FZ_PREPARE:
      ev_prepare_start(loop, &x->ev.prepare);
      break;
    case FZ_CHECK:
      ev_check_start(loop, &x->ev.check);
      break;
    case FZ_FORK:
      ev_fork_start(loop, &x->ev.fork);
      break;
    case FZ_CLEANUP:
      ev_cleanup_start(loop, &x->ev.cleanup);
      break;
    case FZ_ASYNC:
      ev_async_start(loop, &x->ev.async);
      fz.wakes[x->loop] = 1;
      break;
    case FZ_EMBED:
      ev_embed_start(loop, &x->ev.embed);
      break;
  }
  fz_track_expiry(x);
}

static inline void fz_stop_watcher(struct fz_watcher *x) {
  struct ev_loop *loop = fz_loop_of(x);
  if (x->unrefd) {
    ev_ref(loop);
    x->unrefd = 0;
  }
  switch (x->type) {
    case FZ_IO:
      ev_io_stop(loop, &x->ev.io);
      break;
    case FZ_TIMER:
      ev_timer_stop(loop, &x->ev.timer);
      fz_release_tick(x);
      break;
    case FZ_PERIODIC:
      ev_periodic_stop(loop, &x->ev.periodic);
      break;
    case FZ_SIGNAL:
      ev_signal_stop(loop, &x->ev.signal);
      break;
    case FZ_CHILD:
      ev_child_stop(loop, &x->ev.child);
      break;
    case FZ_IDLE:
      ev_idle_stop(loop, &x->ev.idle);
      break;
    case FZ_PREPARE:
      ev_prepare_stop(loop, &x->ev.prepare);
      break;
    case FZ_CHECK:
      ev_check_stop(loop, &x->ev.check);
      break;
    case FZ_FORK:
      ev_fork_stop(loop, &x->ev.fork);
      break;
    case FZ_CLEANUP:
      ev_cleanup_stop(loop, &x->ev.cleanup);
      break;
    case FZ_ASYNC:
      ev_async_stop(loop, &x->ev.async);
      break;
    case FZ_EMBED:
      ev_embed_stop(loop, &x->ev.embed);
      break;
  }
}

static inline void fz_stop(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x) return;
  fz_print("stop w%d", w);
  fz_stop_watcher(x);
}

/* Applies the declaration again (for a timer: a new expiry from now). */
static inline void fz_set(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x) return;
  if (ev_is_active(&x->ev.w)) {
    fz_print("set w%d: skip (active)", w);
    return;
  }
  fz_print("set w%d", w);
  fz_apply(x);
}

static inline void fz_io_set(int w, int f, int events) {
  struct fz_watcher *x = fz_get(w);
  if (!x || x->type != FZ_IO || !fz_valid_fd(f)) return;
  char text[64];
  events &= EV_READ | EV_WRITE;
  if (ev_is_active(&x->ev.w)) {
    fz_print("io_set w%d: skip (active)", w);
    return;
  }
  fz_print("io_set w%d F%d %s", w, f, fz_events_text(text, sizeof text, events, "", "|"));
  x->a = f;
  x->b = events;
  fz_apply(x);
}

static inline void fz_again(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x) return;
  struct ev_loop *loop = fz_loop_of(x);
  if (x->type == FZ_TIMER) {
    fz_print("again w%d", w);
    fz_timer_again(x);
  } else if (x->type == FZ_PERIODIC) {
    fz_print("again w%d", w);
    ev_periodic_again(loop, &x->ev.periodic);
  }
  fz_track_expiry(x);
}

/* The event a watcher of this type receives. */
static inline int fz_natural_event(struct fz_watcher *x) {
  static const int events[] = {0,          EV_READ,  EV_TIMER,   EV_PERIODIC, EV_SIGNAL,
                               EV_CHILD,   EV_IDLE,  EV_PREPARE, EV_CHECK,    EV_FORK,
                               EV_CLEANUP, EV_ASYNC, EV_EMBED};
  if (x->type == FZ_IO && x->b) return x->b;
  return events[x->type];
}

/* An automatic embed watcher has no callback to feed or invoke. */
static inline int fz_has_callback(struct fz_watcher *x) {
  return !(x->type == FZ_EMBED && x->b);
}

/* feed: ev_feed_event with revents (0: the watcher's own event). */
static inline void fz_feed(int w, int revents) {
  struct fz_watcher *x = fz_get(w);
  if (!x || !fz_has_callback(x)) return;
  /* libev's child reaping raises a pending child watcher's priority to EV_MAXPRI and then feeds
     EV_CHILD to the pending entry of the wrong priority: the event is lost, or added to another
     watcher's. evring delivers both events; an active child watcher is not fed here. */
  if (x->type == FZ_CHILD && ev_is_active(&x->ev.w)) return;
  char text[96];
  if (!revents) revents = fz_natural_event(x);
  fz_print("feed w%d %s", w, fz_events_text(text, sizeof text, revents, "", "|"));
  ev_feed_event(fz_loop_of(x), &x->ev.w, revents);
}

static inline void fz_invoke(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x || !fz_has_callback(x)) return;
  fz_print("invoke w%d", w);
  ev_invoke(fz_loop_of(x), &x->ev.w, fz_natural_event(x));
}

static inline void fz_clear(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x) return;
  char text[96];
  int revents = ev_clear_pending(fz_loop_of(x), &x->ev.w);
  fz_print("clear w%d -> %s", w, fz_events_text(text, sizeof text, revents, "", "|"));
  fz_sync_refs();
  /* a repeating timer's callback would have put its next expiry on a tick of its own */
  if (x->type == FZ_TIMER && (revents & EV_TIMER) && ev_is_active(&x->ev.w)) fz_timer_regrid(x);
}

static inline void fz_priority(int w, int priority) {
  struct fz_watcher *x = fz_get(w);
  if (!x) return;
  if (ev_is_active(&x->ev.w) || ev_is_pending(&x->ev.w)) {
    fz_print("priority w%d: skip (active or pending)", w);
    return;
  }
  if (priority < EV_MINPRI) priority = EV_MINPRI;
  if (priority > EV_MAXPRI) priority = EV_MAXPRI;
  fz_print("priority w%d %d", w, priority);
  ev_set_priority(&x->ev.w, priority);
}

/* ev_unref for an active watcher, the way a program lets a watcher not keep the loop alive. */
static inline void fz_unref(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x) return;
  if (!ev_is_active(&x->ev.w) || x->unrefd) {
    fz_print("unref w%d: skip (inactive or unref'd)", w);
    return;
  }
  fz_print("unref w%d", w);
  ev_unref(fz_loop_of(x));
  x->unrefd = 1;
}

static inline void fz_state(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x) return;
  fz_print("state w%d active=%d pending=%d priority=%d%s", w, !!ev_is_active(&x->ev.w),
           !!ev_is_pending(&x->ev.w), ev_priority(&x->ev.w),
           x->type != FZ_ASYNC              ? ""
           : ev_async_pending(&x->ev.async) ? " sent=1"
                                            : " sent=0");
}

static inline int fz_round(double x) {
  return (int)fz_floor(x + 0.5);
}

static inline void fz_remaining(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x || x->type != FZ_TIMER) return;
  fz_print("remaining w%d -> %d", w,
           fz_round(ev_timer_remaining(fz_loop_of(x), &x->ev.timer) / fz.tick));
}

/* The async watcher w, if ev_async_send may be used on it: libev asserts when a loop that never
 * started an async or signal watcher (and so has no wakeup pipe) is sent to. */
static inline struct fz_watcher *fz_async_to_send(const char *what, int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x || x->type != FZ_ASYNC) return NULL;
  if (fz.wakes[x->loop]) return x;
  fz_print("%s w%d: skip (no async or signal watcher started in L%d)", what, w, x->loop);
  return NULL;
}

static inline void fz_send(int w) {
  struct fz_watcher *x = fz_async_to_send("send", w);
  if (!x) return;
  fz_print("send w%d", w);
  ev_async_send(fz_loop_of(x), &x->ev.async);
}

/* Timed actions, run by a thread at a tick of their own. */
enum fz_action { FZ_SEND, FZ_KILL, FZ_WRITE };
struct fz_timed {
  double when;
  enum fz_action action;
  int loop, a, b;
  ev_async *async;
};

static inline ssize_t fz_write_bytes(int f, int n) {
  static const char bytes[4096];
  return write(FZ_FD_BASE + f, bytes, (size_t)(n < 0 ? 0 : n > 4096 ? 4096 : n));
}

static inline void *fz_timed_main(void *arg) {
  struct fz_timed *t = (struct fz_timed *)arg;
  struct timespec when = {(time_t)t->when, (long)((t->when - (double)(time_t)t->when) * 1e9)};
  while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &when, NULL) == EINTR) continue;
  switch (t->action) {
    case FZ_SEND:
      pthread_mutex_lock(&fz.loops_lock);
      if (fz.loops[t->loop]) ev_async_send(fz.loops[t->loop], t->async);
      pthread_mutex_unlock(&fz.loops_lock);
      break;
    case FZ_KILL:
      kill(getpid(), t->a);
      break;
    case FZ_WRITE:
      if (fz_write_bytes(t->a, t->b) < 0) break;
      break;
  }
  free(t);
  return NULL;
}

/* Starts a thread for the action, at a tick of its own from now+delay on (delay <= 0: at once,
 * and the thread is joined). The thread blocks every signal, so that signals go to the loop's
 * thread. */
static inline void fz_thread(enum fz_action action, int delay, int loop, int a, int b,
                             ev_async *async) {
  struct fz_timed *t = (struct fz_timed *)calloc(1, sizeof *t);
  if (!t) return;
  t->when = delay > 0 ? fz_tick_time(fz_reserve_alone(fz_now_tick() + delay)) : 0;
  t->action = action;
  t->loop = loop;
  t->a = a;
  t->b = b;
  t->async = async;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t thread;
  int failed = pthread_create(&thread, NULL, fz_timed_main, t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (failed) {
    free(t);
    fz_print("thread: cannot create");
  } else if (delay > 0) {
    pthread_detach(thread);
  } else {
    pthread_join(thread, NULL);
  }
}

/* ev_async_send from another thread, now (the thread is joined) or at tick now+delay. */
static inline void fz_send_thread(int w) {
  struct fz_watcher *x = fz_async_to_send("send_thread", w);
  if (!x) return;
  fz_print("send_thread w%d", w);
  fz_thread(FZ_SEND, 0, x->loop, 0, 0, &x->ev.async);
}

static inline void fz_send_at(int w, int delay) {
  struct fz_watcher *x = fz.in_child ? NULL : fz_async_to_send("send_at", w);
  if (!x) return;
  if (delay < 1) delay = 1;
  fz_print("send_at w%d %d", w, delay);
  fz_thread(FZ_SEND, delay, x->loop, 0, 0, &x->ev.async);
}

static inline int fz_enter_run(const char *what, int l) {
  if (fz.run_depth < FZ_MAX_RUN_DEPTH) return 1;
  fz_print("%s L%d: skip (nested too deep)", what, l);
  return 0;
}

static inline void fz_sweep(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x || x->type != FZ_EMBED || !fz_enter_run("sweep", x->a)) return;
  fz_print("sweep w%d", w);
  fz.run_depth++;
  ev_embed_sweep(fz_loop_of(x), &x->ev.embed);
  fz.run_depth--;
}

static inline int fz_spawn_number(pid_t pid) {
  for (int i = 0; i < fz.spawned; ++i)
    if (fz.spawns[i] == pid) return i + 1;
  return 0;
}

/* Points an inactive child watcher at the last spawned child. */
static inline void fz_child_pid(int w) {
  struct fz_watcher *x = fz_get(w);
  if (!x || x->type != FZ_CHILD) return;
  if (ev_is_active(&x->ev.w)) {
    fz_print("child_pid w%d: skip (active)", w);
    return;
  }
  x->c = fz_last_spawn();
  fz_print("child_pid w%d -> #%d", w, fz_spawn_number(x->c));
  fz_apply(x);
}

/* ---- fds and signals ------------------------------------------------------------------------ */

static inline const char *fz_result(char *text, size_t size, ssize_t n) {
  if (n >= 0)
    snprintf(text, size, "%zd", n);
  else if (errno == EAGAIN)
    snprintf(text, size, "EAGAIN");
  else
    snprintf(text, size, "%s", strerror(errno));
  return text;
}

static inline void fz_write(int f, int n) {
  if (!fz_valid_fd(f)) return;
  char text[64];
  fz_print("write F%d %d -> %s", f, n, fz_result(text, sizeof text, fz_write_bytes(f, n)));
}

static inline void fz_read(int f, int n) {
  if (!fz_valid_fd(f)) return;
  char buffer[4096], text[64];
  size_t size = (size_t)(n < 1 ? 1 : n > 4096 ? 4096 : n);
  fz_print("read F%d %d -> %s", f, n,
           fz_result(text, sizeof text, read(FZ_FD_BASE + f, buffer, size)));
}

/* Writes until the fd would block (how much that is, is the kernel's business: not printed). */
static inline void fz_fill(int f) {
  if (!fz_valid_fd(f)) return;
  while (fz_write_bytes(f, 4096) > 0) continue;
  fz_print("fill F%d -> %s", f, errno == EAGAIN ? "full" : strerror(errno));
}

static inline void fz_drain(int f) {
  if (!fz_valid_fd(f)) return;
  char buffer[4096];
  ssize_t n;
  while ((n = read(FZ_FD_BASE + f, buffer, sizeof buffer)) > 0) continue;
  fz_print("drain F%d -> %s", f,
           n == 0            ? "end of file"
           : errno == EAGAIN ? "empty"
                             : strerror(errno));
}

static inline void fz_shutdown(int f) {
  if (f < F6 || f >= FZ_FDS) return; /* sockets only */
  fz_print("shutdown F%d -> %d", f, shutdown(FZ_FD_BASE + f, SHUT_WR));
}

static inline void fz_write_at(int f, int n, int delay) {
  if (!fz_valid_fd(f) || fz.in_child) return;
  if (delay < 1) delay = 1;
  fz_print("write_at F%d %d %d", f, n, delay);
  fz_thread(FZ_WRITE, delay, 0, f, n, NULL);
}

static inline void fz_raise(int signum) {
  if (!strcmp(fz_signal_name(signum), "?")) return;
  fz_print("raise %s", fz_signal_name(signum));
  raise(signum);
}

static inline void fz_feed_signal(int signum) {
  if (!strcmp(fz_signal_name(signum), "?")) return;
  fz_print("feed_signal %s", fz_signal_name(signum));
  ev_feed_signal(signum);
}

static inline void fz_feed_signal_event(int l, int signum) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop || !strcmp(fz_signal_name(signum), "?")) return;
  fz_print("feed_signal_event L%d %s", l, fz_signal_name(signum));
  ev_feed_signal_event(loop, signum);
}

static inline void fz_kill_at(int signum, int delay) {
  if (!strcmp(fz_signal_name(signum), "?") || fz.in_child) return;
  if (delay < 1) delay = 1;
  fz_print("kill_at %s %d", fz_signal_name(signum), delay);
  fz_thread(FZ_KILL, delay, 0, signum, 0, NULL);
}

/* ---- loop operations ------------------------------------------------------------------------ */

static inline void fz_run(int l, int flags) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop || !fz_enter_run("run", l)) return;
  fz_print("run L%d %s", l, fz_run_name(flags));
  fz.run_depth++;
  int result = ev_run(loop, flags);
  fz.run_depth--;
  fz_print("run L%d -> %d", l, result);
}

static inline void fz_break(int l, int how) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop) return;
  fz_print("break L%d %s", l, fz_break_name(how));
  ev_break(loop, how);
}

static inline void fz_now_update(int l) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop) return;
  fz_print("now_update L%d", l);
  ev_now_update(loop);
}

/* ev_loop_fork. Not for a loop that an active embed watcher embeds: its new backend fd is what
 * evring's embed watcher goes on to watch, where libev's keeps watching the closed one (a
 * documented difference, docs/watchers.md); forking the embedding loop forks both. */
static inline void fz_loop_fork(int l) {
  if (l < 0 || l >= FZ_LOOPS || !fz.loops[l] || fz.destroying) return;
  for (int i = 0; i < FZ_WATCHERS; ++i)
    if (fz.w[i].type == FZ_EMBED && fz.w[i].a == l && ev_is_active(&fz.w[i].ev.w)) {
      fz_print("loop_fork L%d: skip (embedded)", l);
      return;
    }
  fz_print("loop_fork L%d", l);
  ev_loop_fork(fz.loops[l]);
  fz.fork_marked[l] = 1;
}

static inline void fz_suspend(int l) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop) return;
  fz_print("suspend L%d", l);
  ev_suspend(loop);
  ev_resume(loop);
}

static inline void fz_pending(int l) {
  struct ev_loop *loop = fz_live_loop(l);
  if (loop) fz_print("pending L%d -> %u", l, ev_pending_count(loop));
}

static inline void fz_invoke_pending(int l) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop) return;
  fz_print("invoke_pending L%d", l);
  ev_invoke_pending(loop);
}

/* The hook of pending_hook: traces each call (once per iteration), then invokes as libev does. */
static inline void fz_invoke_hook(struct ev_loop *loop) {
  int l = 0;
  while (l < FZ_LOOPS - 1 && fz.loops[l] != loop) ++l;
  fz_print("L%d invoke hook: %u pending", l, ev_pending_count(loop));
  ev_invoke_pending(loop);
}

/* ev_set_invoke_pending_cb: the tracing hook (on) or libev's own ev_invoke_pending. */
static inline void fz_pending_hook(int l, int on) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop) return;
  fz_print("pending_hook L%d %d", l, !!on);
  ev_set_invoke_pending_cb(loop, on ? fz_invoke_hook : ev_invoke_pending);
}

static inline void fz_feed_fd(int l, int f, int revents) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop || !fz_valid_fd(f)) return;
  char text[96];
  fz_print("feed_fd L%d F%d %s", l, f, fz_events_text(text, sizeof text, revents, "", "|"));
  ev_feed_fd_event(loop, FZ_FD_BASE + f, revents);
}

static inline void fz_verify(int l) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop) return;
  fz_print("verify L%d", l);
  ev_verify(loop);
}

/* Destroys a loop from the top level. Refused while a signal watcher of the loop is active
 * (libev would leave its handler pointing at the freed loop) or while L2 is embedded. */
static inline void fz_destroy(int l) {
  struct ev_loop *loop = fz_live_loop(l);
  if (!loop) return;
  const char *refused = fz.callback_depth ? "inside a callback" : NULL;
  for (int i = 0; i < FZ_WATCHERS && !refused; ++i) {
    struct fz_watcher *x = &fz.w[i];
    if (!x->type || !ev_is_active(&x->ev.w) || !fz.loops[x->loop]) continue;
    if (x->type == FZ_SIGNAL && x->loop == l) refused = "signal watcher active";
    if (x->type == FZ_EMBED && x->a == l) refused = "embedded";
  }
  if (refused) {
    fz_print("destroy L%d: skip (%s)", l, refused);
    return;
  }
  fz_print("destroy L%d", l);
  pthread_mutex_lock(&fz.loops_lock);
  fz.destroying = 1;
  ev_loop_destroy(loop);
  fz.destroying = 0;
  fz.loops[l] = NULL;
  pthread_mutex_unlock(&fz.loops_lock);
}

/* ---- processes, sleep, ev_once -------------------------------------------------------------- */

static inline void fz_wait_child(pid_t pid, int *status) {
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) continue;
}

/* A real fork: the child runs fork block c (its lines are prefixed "c| ") and exits; the parent
 * waits for it, with its own deadline held back until the child is done. */
static inline void fz_process_fork(int c) {
  if (c < 0 || c >= FZ_FORK_BLOCKS || fz.destroying) return;
  if (fz.in_child >= 2) {
    fz_print("process_fork c%d: skip (nested too deep)", c);
    return;
  }
  fz_print("process_fork c%d", c);
  sigset_t alarm, old;
  sigemptyset(&alarm);
  sigaddset(&alarm, SIGALRM);
  sigprocmask(SIG_BLOCK, &alarm, &old);
  pid_t pid = fork();
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    fz.in_child++;
    strcat(fz.prefix, "c| ");
    memset(fz.fork_marked, 0, sizeof fz.fork_marked);
    pthread_mutex_init(&fz.loops_lock, NULL);
    fz_arm_deadline();
    if (fz.fork_block) fz.fork_block(c);
    fz_print("exit");
    _exit(0);
  }
  int status = 0;
  if (pid > 0) fz_wait_child(pid, &status);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (pid < 0)
    fz_print("process_fork c%d -> fork failed", c);
  else if (WIFEXITED(status))
    fz_print("process_fork c%d -> exit %d", c, WEXITSTATUS(status));
  else
    fz_print("process_fork c%d -> signal %d", c, WTERMSIG(status));
}

/* A child process that exits at once with the status; when spawn returns, the child has exited
 * and SIGCHLD has been handled (not reaped: that is the default loop's business). */
static inline void fz_spawn(int status) {
  if (fz.spawned >= FZ_MAX_SPAWNS || fz.destroying) return;
  pid_t pid = fork();
  if (pid == 0) _exit(status & 0x7f);
  if (pid < 0) {
    fz_print("spawn %d -> fork failed", status);
    return;
  }
  siginfo_t info;
  while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) continue;
  fz.spawns[fz.spawned++] = pid;
  fz_print("spawn %d -> #%d", status, fz.spawned);
}

/* Sleeps until tick now+ticks, outside any loop. */
static inline void fz_sleep(int ticks) {
  if (ticks < 1) ticks = 1;
  double until = fz_tick_time(fz_reserve_alone(fz_now_tick() + ticks));
  fz_print("sleep %d", ticks);
  for (double left; (left = until - ev_time()) > 0;) ev_sleep(left);
}

/* The program's fds as poll(2) saw them at the first callback of the loop's current iteration,
 * that is right after the backend's poll, before any callback consumed anything. An io_uring
 * backend reports the readiness of the kernel's wake-up, which the program may have consumed
 * before that poll: epoll checks again and reports nothing (docs/io_uring.md). Such an event is
 * marked FZ_NOT_READY in the trace; the driver recognises a divergence that starts there. */
#define FZ_NOT_READY "(not ready)"

static struct {
  unsigned iteration[FZ_LOOPS];
  short revents[FZ_LOOPS][FZ_FDS];
} fz_after_poll;

static inline void fz_note_poll(int l, struct ev_loop *loop) {
  if (fz_after_poll.iteration[l] == ev_iteration(loop) + 1) return;
  fz_after_poll.iteration[l] = ev_iteration(loop) + 1; /* 0: never */
  struct pollfd fds[FZ_FDS];
  for (int f = 0; f < FZ_FDS; ++f) fds[f] = (struct pollfd){FZ_FD_BASE + f, POLLIN | POLLOUT, 0};
  poll(fds, FZ_FDS, 0);
  for (int f = 0; f < FZ_FDS; ++f) fz_after_poll.revents[l][f] = fds[f].revents;
}

static inline int fz_was_ready(int l, int fd, int revents) {
  short wanted = (short)((revents & EV_READ ? POLLIN : 0) | (revents & EV_WRITE ? POLLOUT : 0));
  int f = fd - FZ_FD_BASE;
  if (!wanted || f < 0 || f >= FZ_FDS) return 1;
  return !!(fz_after_poll.revents[l][f] & (wanted | POLLERR | POLLHUP));
}

struct fz_once {
  int number, loop, fd;
};

static inline void fz_once_callback(int revents, void *arg) {
  struct fz_once *once = (struct fz_once *)arg;
  struct ev_loop *loop = fz.loops[once->loop];
  char text[96];
  const char *extra = "";
  if (loop) {
    fz_note_poll(once->loop, loop);
    if (!fz_was_ready(once->loop, once->fd, revents)) extra = " " FZ_NOT_READY;
  }
  fz_print("once%d %s L%d i%u d%u%s", once->number,
           fz_events_text(text, sizeof text, revents, "", "|"), once->loop,
           loop ? ev_iteration(loop) : 0, loop ? ev_depth(loop) : 0, extra);
  free(once);
}

/* ev_once on fd f (or -1) for events, with a timeout of ticks (on the grid; 0: at once; < 0:
 * none). */
static inline void fz_once(int l, int f, int events, int timeout) {
  struct ev_loop *loop = fz_live_loop(l);
  struct fz_once *once;
  if (!loop || (f != -1 && !fz_valid_fd(f)) || !(once = (struct fz_once *)malloc(sizeof *once)))
    return;
  events &= EV_READ | EV_WRITE;
  once->number = ++fz.onces;
  once->loop = l;
  once->fd = f < 0 ? -1 : FZ_FD_BASE + f;
  double after = timeout < 0 ? -1. : 0.;
  if (timeout > 0) after = fz_tick_time(fz_reserve_alone(fz_now_tick() + timeout)) - ev_now(loop);
  char text[64];
  fz_print("once L%d F%d %s %d -> once%d", l, f, fz_events_text(text, sizeof text, events, "", "|"),
           timeout, once->number);
  ev_once(loop, once->fd, events, after, fz_once_callback, once);
}

/* ---- callbacks, begin and end --------------------------------------------------------------- */

/* Every watcher's callback: one trace line, the watcher's operations for this call, and the
 * budget. */
static inline void fz_callback(struct ev_loop *loop, ev_watcher *watcher, int revents) {
  struct fz_watcher *x = (struct fz_watcher *)watcher;
  int w = fz_index(x);
  char text[96], extra[64] = "";
  x->calls++;
  fz_sync_refs();
  fz_note_poll(x->loop, loop);
  if (x->type == FZ_IO && !fz_was_ready(x->loop, x->ev.io.fd, revents)) {
    snprintf(extra, sizeof extra, " " FZ_NOT_READY);
  } else if (x->type == FZ_CHILD) {
    int status = x->ev.child.rstatus;
    snprintf(extra, sizeof extra, " child #%d %s %d", fz_spawn_number(x->ev.child.rpid),
             WIFEXITED(status) ? "exit" : "status",
             WIFEXITED(status) ? WEXITSTATUS(status) : status);
  } else if (x->type == FZ_PERIODIC && ev_is_active(watcher)) {
    snprintf(extra, sizeof extra, " next %d.5", fz_tick_of(ev_periodic_at(&x->ev.periodic)));
  }
  fz_print("w%d %s L%d i%u d%u #%d%s", w, fz_events_text(text, sizeof text, revents, "", "|"),
           x->loop, ev_iteration(loop), ev_depth(loop), x->calls, extra);
  if (++fz.calls > FZ_MAX_CALLS) {
    fz_print("callback limit");
    _exit(0);
  }
  if (fz_live_loop(x->loop)) { /* before the body, which may block in a nested ev_run */
    if (x->type == FZ_TIMER && ev_is_active(watcher)) fz_timer_regrid(x);
    fz_track_expiry(x);
  }
  fz.callback_depth++;
  if (fz.body && !fz.destroying) fz.body(w, x->calls);
  fz.callback_depth--;
  if (x->calls >= x->budget && ev_is_active(watcher) && fz_live_loop(x->loop)) {
    fz_print("w%d budget spent", w);
    fz_stop_watcher(x);
  }
}

/* The program's fds at fixed numbers, non-blocking. */
static inline void fz_make_fds(void) {
  for (int f = 0; f < FZ_FDS; f += 2) {
    int pair[2];
    int made = f < F6 ? pipe(pair) : socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    if (made < 0) {
      perror("fz: pipe/socketpair");
      exit(99);
    }
    for (int end = 0; end < 2; ++end) {
      if (dup2(pair[end], FZ_FD_BASE + f + end) < 0) {
        perror("fz: dup2");
        exit(99);
      }
      close(pair[end]);
      fcntl(FZ_FD_BASE + f + end, F_SETFL, O_NONBLOCK);
    }
  }
}

/* Starts a program: body(w, call) runs watcher w's operations for its call-th callback,
 * fork_block(c) a forked child's operations. */
static inline void fz_begin(void (*body)(int w, int call), void (*fork_block)(int c)) {
  const char *tick = getenv("FUZZ_TICK_MS");
  fz.tick = (tick && atof(tick) > 0 ? atof(tick) : 25.) / 1000.;
  fz.body = body;
  fz.fork_block = fork_block;
  pthread_mutex_init(&fz.loops_lock, NULL);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction deadline;
  memset(&deadline, 0, sizeof deadline);
  deadline.sa_handler = fz_deadline_reached;
  sigaction(SIGALRM, &deadline, NULL);
  fz_make_fds();
  fz.loops[L0] = ev_default_loop(0);
  if (!fz.loops[L0]) {
    fz_print("no default loop");
    _exit(99);
  }
  fz.wakes[L0] = 1; /* the default loop watches SIGCHLD */
  fz.base = ev_time();
  fz_reserve_alone(0);
}

static inline int fz_end(void) {
  fz_print("end");
  _exit(0);
}

#endif
