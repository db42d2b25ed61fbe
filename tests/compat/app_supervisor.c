/* A process supervisor on the default loop: children are forked one at a time, each with its
 * stdout on a pipe that an io watcher reads, an ev_child watcher for its pid, and one pid-0
 * watcher that hears every exit. Child A writes a line and exits 3: its EOF and its exit race,
 * so only a summary is printed once both were seen. Child B writes, closes its stdout and
 * waits for a go byte, which the supervisor sends on EOF; B then kills itself with SIGTERM, so
 * EOF comes first. Child C writes and exits while nobody watches its pipe; the supervisor
 * starts the pipe's watcher from the exit callback, so the exit comes first, and the watcher
 * still gets the buffered line and EOF. Iteration numbers depend on the children's timing and
 * are not printed; neither are the reads before EOF (a line and EOF may come in one read or
 * two). */
#include <signal.h>

#include "compat.h"

struct child {
  const char *name;
  pid_t pid;
  int out, go;
  ev_io io;
  ev_child exit;
  char output[64];
  size_t used;
  int eof, exited, status;
};

static struct child children[3] = {{.name = "A"}, {.name = "B"}, {.name = "C"}};
static ev_child any;
static int current;
static char io_labels[3][16], exit_labels[3][16];

static void spawn(struct ev_loop *loop, int index);

static void finish_if_done(struct ev_loop *loop, struct child *c) {
  if (!c->eof || !c->exited) return;
  printf("  child %s done: output \"%s\", ", c->name, c->output);
  if (WIFEXITED(c->status))
    printf("exit status %d\n", WEXITSTATUS(c->status));
  else
    printf("killed by signal %d\n", WTERMSIG(c->status));
  if (++current < 3) spawn(loop, current);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents) {
  struct child *c = &children[current];
  char buf[64];
  ssize_t n = read(w->fd, buf, sizeof buf);
  require(n >= 0, "read");
  if (n > 0) {
    size_t take =
        (size_t)n < sizeof c->output - 1 - c->used ? (size_t)n : sizeof c->output - 1 - c->used;
    memcpy(c->output + c->used, buf, take);
    c->used += take;
    if (c->used && c->output[c->used - 1] == '\n') c->output[--c->used] = '\0';
    return;
  }
  if (c->name[0] != 'A') {
    trace_untimed(w, revents);
    printf("  eof from %s\n", c->name);
  }
  ev_io_stop(loop, w);
  close(w->fd);
  c->eof = 1;
  if (c->go >= 0) {
    printf("  telling %s to go\n", c->name);
    require(write(c->go, "g", 1) == 1, "write");
    close(c->go);
    c->go = -1;
  }
  finish_if_done(loop, c);
}

static void exit_cb(struct ev_loop *loop, ev_child *w, int revents) {
  struct child *c = &children[current];
  if (c->name[0] != 'A') trace_untimed(w, revents);
  require(w->rpid == c->pid, "rpid");
  ev_child_stop(loop, w);
  c->exited = 1;
  c->status = w->rstatus;
  if (c->name[0] == 'C') {
    printf("  exit first; now watching C's output\n");
    ev_io_start(loop, &c->io);
  }
  finish_if_done(loop, c);
}

static void any_cb(struct ev_loop *loop, ev_child *w, int revents) {
  (void)loop;
  if (children[current].name[0] != 'A') trace_untimed(w, revents);
  require(w->rpid == children[current].pid, "any rpid");
}

static void spawn(struct ev_loop *loop, int index) {
  struct child *c = &children[index];
  int out[2], go[2];
  require(pipe(out) == 0 && pipe(go) == 0, "pipe");
  fflush(stdout);
  pid_t pid = fork();
  require(pid >= 0, "fork");
  if (pid == 0) {
    close(out[0]);
    close(go[1]);
    char line[32];
    int len = snprintf(line, sizeof line, "hello from %s\n", c->name);
    require(write(out[1], line, (size_t)len) == len, "write");
    if (c->name[0] == 'A') _exit(3);
    if (c->name[0] == 'C') _exit(0);
    close(out[1]);
    char g;
    require(read(go[0], &g, 1) == 1, "read go");
    raise(SIGTERM);
    _exit(1);
  }
  close(out[1]);
  close(go[0]);
  c->pid = pid;
  c->out = out[0];
  c->go = go[1];
  if (c->name[0] != 'B') {
    close(go[1]);
    c->go = -1;
  }
  printf("spawned %s\n", c->name);
  snprintf(io_labels[index], sizeof io_labels[index], "%s stdout", c->name);
  snprintf(exit_labels[index], sizeof exit_labels[index], "%s exit", c->name);
  ev_io_init(&c->io, io_cb, out[0], EV_READ);
  c->io.data = io_labels[index];
  ev_child_init(&c->exit, exit_cb, pid, 0);
  c->exit.data = exit_labels[index];
  ev_child_start(loop, &c->exit);
  if (c->name[0] != 'C') ev_io_start(loop, &c->io);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  ev_child_init(&any, any_cb, 0, 0);
  any.data = "any child";
  ev_child_start(loop, &any);
  ev_unref(loop);
  spawn(loop, 0);
  int r = ev_run(loop, 0);
  printf("run returned %d after %d children\n", r, current);
  ev_ref(loop);
  ev_child_stop(loop, &any);
  return 0;
}
