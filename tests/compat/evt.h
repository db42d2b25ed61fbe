/* Shared scaffolding for the evt_* programs, which use libev's libevent emulation (<event.h>)
 * instead of ev.h directly. run.sh builds them against libev's event.h (Debian package
 * libev-libevent-dev) and against evring's. Same rules as compat.h: no times, pointers or fd
 * numbers in the output. */
#ifndef EVT_H
#define EVT_H

#include <event.h>

#include "compat.h"

/* The libevent event bits, by name; anything else in hex. Four calls may share one printf. */
static inline const char *evt_events_text(int events) {
  static const struct {
    int bit;
    const char *name;
  } names[] = {
      {EV_TIMEOUT, "TIMEOUT"}, {EV_READ, "READ"},       {EV_WRITE, "WRITE"},
      {EV_SIGNAL, "SIGNAL"},   {EV_PERSIST, "PERSIST"}, {EV_ET, "ET"},
  };
  static char texts[4][96];
  static unsigned next_text;
  char *text = texts[next_text++ % 4];
  unsigned rest = (unsigned)events & 0xffffu;
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

/* ev_flags, by EVLIST_* name. */
static inline const char *evt_flags_text(int flags) {
  static const struct {
    int bit;
    const char *name;
  } names[] = {
      {EVLIST_TIMEOUT, "TIMEOUT"}, {EVLIST_INSERTED, "INSERTED"}, {EVLIST_SIGNAL, "SIGNAL"},
      {EVLIST_ACTIVE, "ACTIVE"},   {EVLIST_INTERNAL, "INTERNAL"}, {EVLIST_INIT, "INIT"},
  };
  static char text[96];
  unsigned rest = (unsigned)flags;
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

/* fd numbers differ between the libraries (evring may hold other internal fds), so callbacks
 * print the name the program gave the fd. */
enum { EVT_MAX_NAMED_FDS = 16 };
static struct {
  int fd;
  const char *name;
} evt_fd_names[EVT_MAX_NAMED_FDS];
static int evt_fd_name_count;

static inline void evt_name_fd(int fd, const char *name) {
  require(evt_fd_name_count < EVT_MAX_NAMED_FDS, "evt_name_fd");
  evt_fd_names[evt_fd_name_count].fd = fd;
  evt_fd_names[evt_fd_name_count].name = name;
  ++evt_fd_name_count;
}

static inline const char *evt_fd_text(int fd) {
  for (int i = evt_fd_name_count - 1; i >= 0; --i)
    if (evt_fd_names[i].fd == fd) return evt_fd_names[i].name;
  static char negative[16];
  if (fd >= 0) return "unnamed";
  sprintf(negative, "%d", fd);
  return negative;
}

/* A callback whose argument is its label: prints label, fd and events. */
static inline void evt_trace(int fd, short events, void *arg) {
  printf("%s fd=%s %s\n", (const char *)arg, evt_fd_text(fd), evt_events_text(events));
}

/* The same for signal events, whose fd is the signal number. */
static inline void evt_trace_signal(int signum, short events, void *arg) {
  printf("%s sig=%d %s\n", (const char *)arg, signum, evt_events_text(events));
}

/* A pipe whose ends get names; returns the read end in fds[0], the write end in fds[1]. */
static inline void evt_pipe(int fds[2], const char *read_name, const char *write_name) {
  require(pipe(fds) == 0, "pipe");
  evt_name_fd(fds[0], read_name);
  evt_name_fd(fds[1], write_name);
}

static inline void evt_fill(int fd) {
  require(write(fd, "x", 1) == 1, "write");
}

static inline void evt_drain(int fd) {
  char byte;
  require(read(fd, &byte, 1) == 1, "read");
}

static inline struct timeval *evt_ms(struct timeval *tv, long ms) {
  tv->tv_sec = ms / 1000;
  tv->tv_usec = (ms % 1000) * 1000;
  return tv;
}

/* An event's state as libevent programs can see it. */
static inline void evt_show(const char *label, struct event *ev) {
  printf("  %s: flags=%s pending=%s\n", label, evt_flags_text(ev->ev_flags),
         evt_events_text(event_pending(ev, EV_TIMEOUT | EV_READ | EV_WRITE | EV_SIGNAL, NULL)));
}

#endif
