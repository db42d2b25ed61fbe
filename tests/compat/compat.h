/* Shared scaffolding for the differential compat programs (see README.md).
 * It must behave identically whichever ev.h it is compiled against, so it only touches
 * documented libev API and never prints times, pointers, pids or fd numbers. */
#ifndef COMPAT_H
#define COMPAT_H

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Line buffering keeps the trace comparable up to a crash; the alarm turns a hang into a
 * distinct exit status instead of a stuck run. */
static inline void compat_begin(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  alarm(10);
}

/* Setup failures are not libev behaviour: report them on stderr with a distinct status. */
static inline void require(int ok, const char *what) {
  if (ok) return;
  perror(what);
  exit(99);
}

static inline const char *revents_text(int revents) {
  static const struct {
    int bit;
    const char *name;
  } names[] = {
      {EV_READ, "READ"},         {EV_WRITE, "WRITE"},   {EV_TIMER, "TIMER"},
      {EV_PERIODIC, "PERIODIC"}, {EV_SIGNAL, "SIGNAL"}, {EV_CHILD, "CHILD"},
      {EV_STAT, "STAT"},         {EV_IDLE, "IDLE"},     {EV_PREPARE, "PREPARE"},
      {EV_CHECK, "CHECK"},       {EV_EMBED, "EMBED"},   {EV_FORK, "FORK"},
      {EV_CLEANUP, "CLEANUP"},   {EV_ASYNC, "ASYNC"},   {EV_CUSTOM, "CUSTOM"},
      {EV_ERROR, "ERROR"},
  };
  static char text[160];
  unsigned rest = (unsigned)revents;
  text[0] = '\0';
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    if (!(rest & (unsigned)names[i].bit)) continue;
    rest &= ~(unsigned)names[i].bit;
    if (text[0]) strcat(text, "|");
    strcat(text, names[i].name);
  }
  if (rest) sprintf(text + strlen(text), "%s0x%x", text[0] ? "|" : "", rest);
  if (!text[0]) strcpy(text, "0");
  return text;
}

/* Labels live in each watcher's data pointer so one callback can serve many watchers. */
static inline const char *label_of(void *watcher) {
  return (const char *)((ev_watcher *)watcher)->data;
}

/* The common first line of every callback: which iteration, which watcher, which events. */
static inline void trace(struct ev_loop *loop, void *watcher, int revents) {
  printf("[iter %u depth %u] %s %s\n", ev_iteration(loop), ev_depth(loop), label_of(watcher),
         revents_text(revents));
}

/* For callbacks whose iteration depends on timing: expiries a few ms apart may share an
 * iteration on a busy machine, and a signal may or may not interrupt the wait. */
static inline void trace_untimed(void *watcher, int revents) {
  printf("%s %s\n", label_of(watcher), revents_text(revents));
}

/* A callback that only traces; TRACE_CB(ev_timer) etc. give it the type ev_*_init expects. */
static inline void trace_only(struct ev_loop *loop, ev_watcher *watcher, int revents) {
  trace(loop, watcher, revents);
}
#define TRACE_CB(type) ((void (*)(struct ev_loop *, type *, int))trace_only)

/* ev_is_active/ev_is_pending may expose internal indices; only their truth value is API. */
static inline void show_state(void *watcher) {
  printf("  %s: active=%d pending=%d\n", label_of(watcher), !!ev_is_active(watcher),
         !!ev_is_pending(watcher));
}

/* A check watcher that prints the end of every iteration, so that the number of iterations is
 * part of the trace. It does not keep the loop running: trace_iterations() unreferences the
 * loop, stop_tracing_iterations() references it again before stopping the watcher. */
static inline ev_check *iteration_tracer(void) {
  static ev_check tracer;
  return &tracer;
}

static inline void trace_iteration_end(struct ev_loop *loop, ev_check *w, int revents) {
  (void)w;
  (void)revents;
  printf("  end of iteration %u\n", ev_iteration(loop));
}

static inline void trace_iterations(struct ev_loop *loop) {
  ev_check_init(iteration_tracer(), trace_iteration_end);
  ev_check_start(loop, iteration_tracer());
  ev_unref(loop);
}

static inline void stop_tracing_iterations(struct ev_loop *loop) {
  ev_ref(loop);
  ev_check_stop(loop, iteration_tracer());
}

/* Prints long sequences of numbers compactly, twenty to a line; end_columns() finishes the
 * last line and starts the count afresh. */
static int column_count;

static inline void print_column(int value) {
  printf("%s%4d", column_count % 20 ? " " : "", value);
  if (++column_count % 20 == 0) printf("\n");
}

static inline void end_columns(void) {
  if (column_count % 20) printf("\n");
  column_count = 0;
}

/* Runs one scenario in a child process, so that a libev assertion (Debian builds libev with
 * assertions enabled) ends only that scenario; how the child ended is part of the trace. */
static inline void run_isolated(const char *name, void (*scenario)(const void *), const void *arg) {
  printf("case %s\n", name);
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    scenario(arg);
    fflush(stdout);
    _exit(0);
  }
  int status;
  require(waitpid(pid, &status, 0) == pid, "waitpid");
  if (WIFEXITED(status))
    printf("  case ended with exit status %d\n", WEXITSTATUS(status));
  else
    printf("  case ended by signal %d\n", WTERMSIG(status));
}

#endif
