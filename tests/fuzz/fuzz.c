/* The differential fuzzer's interpreter (see README.md in this directory). Built once against
 * libev and once against evring, it turns a seed into a program (a list of operations from
 * fz_runtime.h), runs programs, prints them as text or as a standalone C file, and runs batches
 * of seeds, one forked process per program, printing a hash of each program's trace.
 *
 *   fuzz gen SEED              print the program of a seed
 *   fuzz run SEED|FILE|-       run one program (a seed, or a program file), trace on stdout
 *   fuzz c FILE|- [COMMENT]    print a program as a C file for tests/compat
 *   fuzz batch FIRST COUNT [JOBS]
 *                              run seeds FIRST..FIRST+COUNT-1, JOBS at a time; one line each:
 *                              "seed hash how-it-ended milliseconds" (ended: exit:N, signal:N
 *                              or timeout)
 *
 * Program text: one operation per line, "BLOCK NAME ARGS...". BLOCK is "main" (the program
 * itself), "wN" (watcher N's callback, every call) or "wN@K" (its K-th call only), or "cN" (the
 * child of "process_fork cN"). Lines run in order within their block; "#" starts a comment. */
#include "fz_runtime.h"

#include <ctype.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

/* ---- the operation table -------------------------------------------------------------------- */

typedef void (*fz_function)(void);

static const struct op_kind {
  const char *name, *args;
  fz_function function;
} op_kinds[] = {
#define X(name, args) {#name, args, (fz_function)fz_##name},
    FZ_OPS(X)
#undef X
};
enum { OP_KINDS = sizeof op_kinds / sizeof op_kinds[0], MAX_ARGS = 6 };

static int op_code(const char *name) {
  for (int i = 0; i < OP_KINDS; ++i)
    if (!strcmp(op_kinds[i].name, name)) return i;
  return -1;
}

enum { BLOCK_MAIN = -1, BLOCK_FORK = 100 }; /* watcher blocks are 0..15, fork blocks 100+c */

struct op {
  int block, call; /* call 0: every call */
  int code;
  int arg[MAX_ARGS];
};

#define MAX_OPS 400
static struct program {
  struct op ops[MAX_OPS];
  int count;
} program;

static void call_op(const struct op *op) {
  const int *a = op->arg;
  fz_function f = op_kinds[op->code].function;
  switch (strlen(op_kinds[op->code].args)) {
    case 1:
      ((void (*)(int))f)(a[0]);
      break;
    case 2:
      ((void (*)(int, int))f)(a[0], a[1]);
      break;
    case 3:
      ((void (*)(int, int, int))f)(a[0], a[1], a[2]);
      break;
    case 4:
      ((void (*)(int, int, int, int))f)(a[0], a[1], a[2], a[3]);
      break;
    case 5:
      ((void (*)(int, int, int, int, int))f)(a[0], a[1], a[2], a[3], a[4]);
      break;
    case 6:
      ((void (*)(int, int, int, int, int, int))f)(a[0], a[1], a[2], a[3], a[4], a[5]);
      break;
  }
}

static void run_block(int block, int call) {
  for (int i = 0; i < program.count; ++i) {
    const struct op *op = &program.ops[i];
    if (op->block == block && (!op->call || op->call == call)) call_op(op);
  }
}

static void watcher_body(int w, int call) {
  run_block(w, call);
}
static void fork_block(int c) {
  run_block(BLOCK_FORK + c, 0);
}

static void run_program(void) {
  fz_begin(watcher_body, fork_block);
  run_block(BLOCK_MAIN, 0);
  fz_end();
}

/* ---- text and C ----------------------------------------------------------------------------- */

static const struct {
  int value;
  const char *text, *c;
} run_flags[] = {{0, "0", "0"},
                 {EVRUN_NOWAIT, "NOWAIT", "EVRUN_NOWAIT"},
                 {EVRUN_ONCE, "ONCE", "EVRUN_ONCE"}},
  break_kinds[] = {{EVBREAK_CANCEL, "CANCEL", "EVBREAK_CANCEL"},
                   {EVBREAK_ONE, "ONE", "EVBREAK_ONE"},
                   {EVBREAK_ALL, "ALL", "EVBREAK_ALL"}};

/* One argument as text (c = 0) or as C (c = 1). */
static const char *format_arg(char *text, size_t size, char kind, int value, int c) {
  switch (kind) {
    case 'w':
      snprintf(text, size, "w%d", value);
      break;
    case 'L':
      snprintf(text, size, "L%d", value);
      break;
    case 'c':
      snprintf(text, size, "c%d", value);
      break;
    case 'f':
      if (value < 0)
        snprintf(text, size, "-1");
      else
        snprintf(text, size, "F%d", value);
      break;
    case 'e':
      fz_events_text(text, size, value, c ? "EV_" : "", c ? " | " : "|");
      break;
    case 's':
      snprintf(text, size, "%s%s", c ? "SIG" : "", fz_signal_name(value));
      break;
    case 'r':
      for (int i = 0; i < 3; ++i)
        if (run_flags[i].value == value)
          snprintf(text, size, "%s", c ? run_flags[i].c : run_flags[i].text);
      break;
    case 'b':
      snprintf(text, size, "%s%s", c ? "EVBREAK_" : "", fz_break_name(value));
      break;
    default:
      snprintf(text, size, "%d", value);
      break;
  }
  return text;
}

static int parse_arg(char kind, const char *token, int *value) {
  char *end;
  switch (kind) {
    case 'w':
    case 'L':
    case 'c':
    case 'f':
      if (kind == 'f' && !strcmp(token, "-1")) return *value = -1, 1;
      if (toupper((unsigned char)token[0]) != toupper((unsigned char)kind)) return 0;
      *value = (int)strtol(token + 1, &end, 10);
      return !*end && end != token + 1;
    case 'e': {
      char copy[128];
      snprintf(copy, sizeof copy, "%s", token);
      *value = 0;
      for (char *save, *part = strtok_r(copy, "|", &save); part;
           part = strtok_r(NULL, "|", &save)) {
        int found = !strcmp(part, "0");
        for (size_t i = 0; !found && i < sizeof fz_event_names / sizeof fz_event_names[0]; ++i)
          if (!strcmp(part, fz_event_names[i].name)) *value |= fz_event_names[i].bit, found = 1;
        if (!found) {
          long bits = strtol(part, &end, 0);
          if (*end) return 0;
          *value |= (int)bits;
        }
      }
      return 1;
    }
    case 's':
      for (size_t i = 0; i < sizeof fz_signal_names / sizeof fz_signal_names[0]; ++i)
        if (!strcmp(token, fz_signal_names[i].name)) return *value = fz_signal_names[i].number, 1;
      return 0;
    case 'r':
    case 'b':
      for (int i = 0; i < 3; ++i) {
        const char *name = kind == 'r' ? run_flags[i].text : break_kinds[i].text;
        if (!strcmp(token, name))
          return *value = kind == 'r' ? run_flags[i].value : break_kinds[i].value, 1;
      }
      return 0;
    default:
      *value = (int)strtol(token, &end, 10);
      return !*end;
  }
}

static void format_block(char *text, size_t size, const struct op *op) {
  if (op->block == BLOCK_MAIN)
    snprintf(text, size, "main");
  else if (op->block >= BLOCK_FORK)
    snprintf(text, size, "c%d", op->block - BLOCK_FORK);
  else if (op->call)
    snprintf(text, size, "w%d@%d", op->block, op->call);
  else
    snprintf(text, size, "w%d", op->block);
}

static void print_program(FILE *out) {
  for (int i = 0; i < program.count; ++i) {
    const struct op *op = &program.ops[i];
    const char *kinds = op_kinds[op->code].args;
    char block[32], arg[96];
    format_block(block, sizeof block, op);
    fprintf(out, "%s %s", block, op_kinds[op->code].name);
    for (int k = 0; kinds[k]; ++k)
      fprintf(out, " %s", format_arg(arg, sizeof arg, kinds[k], op->arg[k], 0));
    fputc('\n', out);
  }
}

static int parse_program(FILE *in, const char *name) {
  char line[512];
  program.count = 0;
  for (int number = 1; fgets(line, sizeof line, in); ++number) {
    char *hash = strchr(line, '#'), *save, *block, *token;
    if (hash) *hash = '\0';
    if (!(block = strtok_r(line, " \t\r\n", &save))) continue;
    struct op op = {0};
    token = strtok_r(NULL, " \t\r\n", &save);
    if (!token || (op.code = op_code(token)) < 0) goto bad;
    if (!strcmp(block, "main")) {
      op.block = BLOCK_MAIN;
    } else if (block[0] == 'c') {
      op.block = BLOCK_FORK + atoi(block + 1);
    } else if (block[0] == 'w') {
      op.block = atoi(block + 1);
      char *at = strchr(block, '@');
      op.call = at ? atoi(at + 1) : 0;
    } else {
      goto bad;
    }
    const char *kinds = op_kinds[op.code].args;
    for (int k = 0; kinds[k]; ++k)
      if (!(token = strtok_r(NULL, " \t\r\n", &save)) || !parse_arg(kinds[k], token, &op.arg[k]))
        goto bad;
    if (strtok_r(NULL, " \t\r\n", &save) || program.count == MAX_OPS) goto bad;
    program.ops[program.count++] = op;
    continue;
  bad:
    fprintf(stderr, "%s:%d: bad operation\n", name, number);
    return 0;
  }
  return 1;
}

static void print_c_block(FILE *out, int block, const char *indent) {
  for (int i = 0; i < program.count; ++i) {
    const struct op *op = &program.ops[i];
    if (op->block != block) continue;
    const char *kinds = op_kinds[op->code].args;
    char arg[96];
    fprintf(out, "%s", indent);
    if (op->call) fprintf(out, "if (call == %d) ", op->call);
    fprintf(out, "fz_%s(", op_kinds[op->code].name);
    for (int k = 0; kinds[k]; ++k)
      fprintf(out, "%s%s", k ? ", " : "", format_arg(arg, sizeof arg, kinds[k], op->arg[k], 1));
    fprintf(out, ");\n");
  }
}

static int block_used(int block) {
  for (int i = 0; i < program.count; ++i)
    if (program.ops[i].block == block) return 1;
  return 0;
}

/* A switch over the blocks first..first+count-1 that have operations, as function `name`;
 * returns whether there was any. */
static int print_c_switch(FILE *out, const char *name, const char *parameters, const char *preamble,
                          int first, int count, char prefix) {
  int used = 0;
  for (int i = 0; i < count; ++i) used |= block_used(first + i);
  if (!used) return 0;
  fprintf(out, "\nstatic void %s(%s) {\n%s  switch (%c) {\n", name, parameters, preamble, prefix);
  for (int i = 0; i < count; ++i) {
    if (!block_used(first + i)) continue;
    fprintf(out, "    case %c%d:\n", prefix, i);
    print_c_block(out, first + i, "      ");
    fprintf(out, "      break;\n");
  }
  fprintf(out, "  }\n}\n");
  return 1;
}

static void print_c(FILE *out, const char *comment) {
  fprintf(out,
          "/* %s\n *\n * Generated by tests/fuzz (fuzz c): the operations are those of "
          "tests/fuzz/fz_runtime.h,\n"
          " * which says what each one does and prints. */\n",
          comment);
  fprintf(out, "#include \"../fuzz/fz_runtime.h\"\n");
  int calls = 0;
  for (int i = 0; i < program.count; ++i) calls |= program.ops[i].call;
  int bodies = print_c_switch(out, "body", "int w, int call", calls ? "" : "  (void)call;\n", 0,
                              FZ_WATCHERS, 'w');
  int forks = print_c_switch(out, "fork_block", "int c", "", BLOCK_FORK, FZ_FORK_BLOCKS, 'c');
  fprintf(out, "\nint main(void) {\n  fz_begin(%s, %s);\n", bodies ? "body" : "NULL",
          forks ? "fork_block" : "NULL");
  print_c_block(out, BLOCK_MAIN, "  ");
  fprintf(out, "  return fz_end();\n}\n");
}

/* ---- the generator -------------------------------------------------------------------------- */

static uint64_t random_state;

static uint64_t random_next(void) { /* splitmix64 */
  uint64_t z = (random_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static int below(int n) {
  return (int)(random_next() % (uint64_t)n);
}
static int between(int low, int high) {
  return low + below(high - low + 1);
}
static int chance(int percent) {
  return below(100) < percent;
}

/* Picks an index by weight; weights end with a negative entry. */
static int weighted(const int *weights) {
  int total = 0;
  for (int i = 0; weights[i] >= 0; ++i) total += weights[i];
  int pick = below(total);
  for (int i = 0;; ++i)
    if ((pick -= weights[i]) < 0) return i;
}

static struct {
  int loops[FZ_LOOPS], types[FZ_WATCHERS], budgets[FZ_WATCHERS], watchers, forks;
  int signal_loop[2];
} gen;

static void emit(int block, int call, const char *name, ...) {
  if (program.count == MAX_OPS) return;
  struct op *op = &program.ops[program.count++];
  memset(op, 0, sizeof *op);
  op->block = block;
  op->call = call;
  op->code = op_code(name);
  va_list args;
  va_start(args, name);
  for (int k = 0; op_kinds[op->code].args[k]; ++k) op->arg[k] = va_arg(args, int);
  va_end(args);
}

static int random_loop(void) {
  int l;
  do l = chance(60) ? L0 : below(FZ_LOOPS);
  while (!gen.loops[l]);
  return l;
}

/* A watcher of the given type, or -1 (type FZ_NONE: any watcher). */
static int random_watcher(int type) {
  int candidates[FZ_WATCHERS], n = 0;
  for (int w = 0; w < gen.watchers; ++w)
    if (type == FZ_NONE || gen.types[w] == type) candidates[n++] = w;
  return n ? candidates[below(n)] : -1;
}

static int write_end(void) {
  return chance(50) ? 2 * below(3) + 1 : between(F6, F9);
}
static int read_end(void) {
  return chance(50) ? 2 * below(3) : between(F6, F9);
}
static int random_signal(void) {
  return fz_signal_names[below(2)].number;
}
static int small_count(void) {
  return chance(85) ? between(1, 64) : 4096;
}

static void declare_watcher(int w) {
  static const int type_weights[] = {0, 26, 20, 7, 8, 4, 6, 5, 5, 3, 3, 8, 4, -1};
  int type, l;
  do {
    type = gen.loops[L2] && chance(15) ? FZ_EMBED : weighted(type_weights);
    l = type == FZ_CHILD ? L0 : random_loop();
  } while (type == FZ_EMBED && (!gen.loops[L2] || l == L2));
  int budget = chance(70) ? between(1, 3) : between(4, 8);
  gen.types[w] = type;
  gen.budgets[w] = budget;
  switch (type) {
    case FZ_IO: {
      int f = below(FZ_FDS);
      int events = f >= F6      ? (int[]){EV_READ, EV_WRITE, EV_READ | EV_WRITE}[below(3)]
                   : chance(85) ? (f % 2 ? EV_WRITE : EV_READ)
                                : (int[]){0, EV_READ, EV_WRITE, EV_READ | EV_WRITE}[below(4)];
      emit(BLOCK_MAIN, 0, "io", w, l, budget, f, events);
      break;
    }
    case FZ_TIMER: {
      int after = chance(60) ? between(1, 4) : chance(60) ? 0 : -between(1, 2);
      emit(BLOCK_MAIN, 0, "timer", w, l, budget, after, chance(60) ? 0 : between(1, 3));
      break;
    }
    case FZ_PERIODIC: {
      int reschedule = chance(15);
      emit(BLOCK_MAIN, 0, "periodic", w, l, budget, reschedule ? between(1, 3) : between(-1, 3),
           chance(50) ? 0 : between(1, 3), reschedule);
      break;
    }
    case FZ_SIGNAL: { /* libev: a signal is watched by one loop at a time */
      int s = below(2);
      if (gen.signal_loop[s] < 0) gen.signal_loop[s] = l;
      emit(BLOCK_MAIN, 0, "signal", w, gen.signal_loop[s], budget, fz_signal_names[s].number);
      break;
    }
    case FZ_CHILD:
      emit(BLOCK_MAIN, 0, "child", w, l, budget, chance(30));
      break;
    case FZ_EMBED:
      emit(BLOCK_MAIN, 0, "embed", w, l, budget, L2, chance(50));
      break;
    default:
      emit(BLOCK_MAIN, 0, fz_type_names[type], w, l, budget);
      break;
  }
  if (chance(20)) emit(BLOCK_MAIN, 0, "priority", w, between(-2, 2));
}

enum context { IN_MAIN, IN_CALLBACK, IN_CHILD };

static void random_op(int block, int call, enum context where);

/* A forked child: ev_loop_fork (usually), a few operations, a last look at the loop. */
static void fork_child(int block, int call) {
  if (gen.forks == FZ_FORK_BLOCKS) return;
  int c = gen.forks++;
  emit(block, call, "process_fork", c);
  if (chance(90)) emit(BLOCK_FORK + c, 0, "loop_fork", L0);
  for (int i = between(1, 4); i > 0; --i) random_op(BLOCK_FORK + c, 0, IN_CHILD);
  if (chance(80)) emit(BLOCK_FORK + c, 0, "run", L0, EVRUN_NOWAIT);
}

static void random_op(int block, int call, enum context where) {
  /* clang-format off */
  enum kind {
    START, STOP, SET, AGAIN, FEED, INVOKE, CLEAR, PRIORITY, UNREF, STATE, REMAINING, SEND,
    SEND_THREAD, SEND_AT, SWEEP, CHILD_PID, IO_SET, WRITE, READ, FILL, DRAIN, SHUTDOWN, WRITE_AT,
    RAISE, FEED_SIGNAL, FEED_SIGNAL_EVENT, KILL_AT, FEED_FD, RUN, BREAK, NOW_UPDATE, LOOP_FORK,
    SUSPEND, PENDING, INVOKE_PENDING, PENDING_HOOK, VERIFY, PROCESS_FORK, SPAWN, SLEEP, ONCE,
    KINDS
  };
  /* How likely each kind is in the main block, in a callback, in a forked child. */
#define W(kind, in_main, in_callback, in_child) \
  [IN_MAIN][kind] = in_main, [IN_CALLBACK][kind] = in_callback, [IN_CHILD][kind] = in_child
  static const int weights[3][KINDS + 1] = {
    W(START, 12, 10, 4),      W(STOP, 6, 8, 4),           W(SET, 3, 3, 1),
    W(AGAIN, 3, 3, 1),        W(FEED, 4, 4, 2),           W(INVOKE, 1, 1, 0),
    W(CLEAR, 2, 2, 1),        W(PRIORITY, 1, 1, 0),       W(UNREF, 1, 1, 0),
    W(STATE, 3, 3, 3),        W(REMAINING, 1, 1, 1),      W(SEND, 4, 4, 2),
    W(SEND_THREAD, 1, 1, 0),  W(SEND_AT, 2, 1, 0),        W(SWEEP, 1, 1, 0),
    W(CHILD_PID, 2, 1, 0),    W(IO_SET, 2, 2, 1),         W(WRITE, 10, 10, 6),
    W(READ, 5, 6, 6),         W(FILL, 1, 1, 0),           W(DRAIN, 2, 2, 2),
    W(SHUTDOWN, 1, 1, 1),     W(WRITE_AT, 3, 1, 0),       W(RAISE, 4, 4, 2),
    W(FEED_SIGNAL, 1, 1, 1),  W(FEED_SIGNAL_EVENT, 1, 1, 1), W(KILL_AT, 2, 1, 0),
    W(FEED_FD, 2, 2, 1),      W(RUN, 6, 3, 0),            W(BREAK, 1, 4, 0),
    W(NOW_UPDATE, 1, 1, 1),   W(LOOP_FORK, 1, 1, 0),      W(SUSPEND, 1, 1, 0),
    W(PENDING, 2, 2, 2),      W(INVOKE_PENDING, 1, 1, 0), W(PENDING_HOOK, 1, 1, 0),
    W(VERIFY, 1, 1, 1),       W(PROCESS_FORK, 2, 1, 0),   W(SPAWN, 2, 1, 0),
    W(SLEEP, 1, 1, 0),        W(ONCE, 2, 2, 1),
    [IN_MAIN][KINDS] = -1,    [IN_CALLBACK][KINDS] = -1,  [IN_CHILD][KINDS] = -1,
  };
#undef W
  /* clang-format on */
  for (int attempt = 0; attempt < 20; ++attempt) {
    int w = random_watcher(FZ_NONE), kind = weighted(weights[where]);
    switch (kind) {
      case START:
      case STOP:
      case SET:
      case FEED:
      case INVOKE:
      case CLEAR:
      case PRIORITY:
      case UNREF:
      case STATE: {
        static const char *const names[] = {
            [START] = "start", [STOP] = "stop",   [SET] = "set",    [INVOKE] = "invoke",
            [CLEAR] = "clear", [UNREF] = "unref", [STATE] = "state"};
        if (w < 0) continue;
        if (kind == FEED)
          emit(block, call, "feed", w,
               chance(70) ? 0
                          : (int[]){EV_CUSTOM, EV_READ | EV_WRITE, EV_TIMER, EV_ERROR}[below(4)]);
        else if (kind == PRIORITY)
          emit(block, call, "priority", w, between(-2, 2));
        else
          emit(block, call, names[kind], w);
        return;
      }
      case AGAIN:
        if ((w = random_watcher(chance(70) ? FZ_TIMER : FZ_PERIODIC)) < 0) continue;
        emit(block, call, "again", w);
        return;
      case REMAINING:
        if ((w = random_watcher(FZ_TIMER)) < 0) continue;
        emit(block, call, "remaining", w);
        return;
      case SEND:
      case SEND_THREAD:
      case SEND_AT:
        if ((w = random_watcher(FZ_ASYNC)) < 0) continue;
        if (kind == SEND_AT)
          emit(block, call, "send_at", w, between(1, 3));
        else
          emit(block, call, kind == SEND ? "send" : "send_thread", w);
        return;
      case SWEEP:
        if ((w = random_watcher(FZ_EMBED)) < 0) continue;
        emit(block, call, "sweep", w);
        return;
      case CHILD_PID:
        if ((w = random_watcher(FZ_CHILD)) < 0) continue;
        if (where != IN_CHILD) emit(block, call, "spawn", between(0, 3));
        emit(block, call, "child_pid", w);
        return;
      case IO_SET:
        if ((w = random_watcher(FZ_IO)) < 0) continue;
        emit(block, call, "io_set", w, below(FZ_FDS),
             (int[]){EV_READ, EV_WRITE, EV_READ | EV_WRITE}[below(3)]);
        return;
      case WRITE:
        emit(block, call, "write", write_end(), small_count());
        return;
      case READ:
        emit(block, call, "read", read_end(), small_count());
        return;
      case FILL:
        emit(block, call, "fill", write_end());
        return;
      case DRAIN:
        emit(block, call, "drain", read_end());
        return;
      case SHUTDOWN:
        emit(block, call, "shutdown", between(F6, F9));
        return;
      case WRITE_AT:
        emit(block, call, "write_at", write_end(), between(1, 64), between(1, 3));
        return;
      case RAISE:
        emit(block, call, "raise", random_signal());
        return;
      case FEED_SIGNAL:
        emit(block, call, "feed_signal", random_signal());
        return;
      case FEED_SIGNAL_EVENT:
        emit(block, call, "feed_signal_event", random_loop(), random_signal());
        return;
      case KILL_AT:
        emit(block, call, "kill_at", random_signal(), between(1, 3));
        return;
      case RUN: {
        int flags = where == IN_CHILD ? EVRUN_NOWAIT
                    : where == IN_MAIN
                        ? (int[]){0, EVRUN_ONCE, EVRUN_NOWAIT}[below(3)]
                        : (int[]){0, EVRUN_ONCE, EVRUN_NOWAIT, EVRUN_NOWAIT}[below(4)];
        emit(block, call, "run", random_loop(), flags);
        return;
      }
      case BREAK:
        emit(block, call, "break", random_loop(),
             (int[]){EVBREAK_ONE, EVBREAK_ALL, EVBREAK_ONE, EVBREAK_CANCEL}[below(4)]);
        return;
      case NOW_UPDATE:
        emit(block, call, "now_update", random_loop());
        return;
      case LOOP_FORK:
        emit(block, call, "loop_fork", random_loop());
        return;
      case SUSPEND:
        emit(block, call, "suspend", random_loop());
        return;
      case PENDING:
        emit(block, call, "pending", random_loop());
        return;
      case INVOKE_PENDING:
        emit(block, call, "invoke_pending", random_loop());
        return;
      case PENDING_HOOK:
        emit(block, call, "pending_hook", random_loop(), chance(70));
        return;
      case FEED_FD:
        emit(block, call, "feed_fd", random_loop(), below(FZ_FDS),
             (int[]){EV_READ, EV_WRITE, EV_READ | EV_WRITE}[below(3)]);
        return;
      case VERIFY:
        emit(block, call, "verify", random_loop());
        return;
      case PROCESS_FORK:
        fork_child(block, call);
        return;
      case SPAWN:
        emit(block, call, "spawn", between(0, 3));
        return;
      case SLEEP:
        emit(block, call, "sleep", between(1, 2));
        return;
      case ONCE:
        emit(block, call, "once", random_loop(), chance(50) ? -1 : below(FZ_FDS),
             (int[]){EV_READ, EV_WRITE}[below(2)], chance(30) ? -1 : between(0, 3));
        return;
    }
  }
}

static void generate(uint64_t seed) {
  random_state = seed * 0x2545f4914f6cdd1dull + 1;
  memset(&gen, 0, sizeof gen);
  gen.signal_loop[0] = gen.signal_loop[1] = -1;
  program.count = 0;
  gen.loops[L0] = 1;
  for (int l = L1; l <= L2; ++l)
    if (chance(l == L1 ? 30 : 20)) {
      gen.loops[l] = 1;
      emit(BLOCK_MAIN, 0, "loop", l);
    }
  gen.watchers = between(1, 10);
  for (int w = 0; w < gen.watchers; ++w) declare_watcher(w);
  for (int w = 0; w < gen.watchers; ++w) {
    if (gen.types[w] == FZ_CLEANUP || !chance(60)) continue;
    for (int i = between(1, 3); i > 0; --i)
      random_op(w, chance(50) ? between(1, gen.budgets[w]) : 0, IN_CALLBACK);
  }
  for (int w = 0; w < gen.watchers; ++w) {
    if (!chance(85)) continue;
    emit(BLOCK_MAIN, 0, "start", w);
    if (chance(10)) emit(BLOCK_MAIN, 0, "unref", w);
  }
  for (int i = between(0, 10); i > 0; --i) random_op(BLOCK_MAIN, 0, IN_MAIN);
  if (chance(80))
    emit(BLOCK_MAIN, 0, "run", L0, 0);
  else
    emit(BLOCK_MAIN, 0, "run", random_loop(), chance(50) ? EVRUN_ONCE : EVRUN_NOWAIT);
  for (int i = between(0, 3); i > 0; --i) random_op(BLOCK_MAIN, 0, IN_MAIN);
  if (chance(15))
    for (int l = L1; l >= L0; --l)
      if (gen.loops[l] && chance(70)) emit(BLOCK_MAIN, 0, "destroy", l);
}

/* ---- batches -------------------------------------------------------------------------------- */

static int load(const char *source) {
  char *end;
  unsigned long long seed = strtoull(source, &end, 10);
  if (*source && !*end) {
    generate(seed);
    return 1;
  }
  FILE *in = strcmp(source, "-") ? fopen(source, "r") : stdin;
  if (!in) {
    perror(source);
    return 0;
  }
  int ok = parse_program(in, source);
  if (in != stdin) fclose(in);
  return ok;
}

struct slot {
  pid_t pid;
  uint64_t seed;
  int output;
  double started;
};

static double monotonic(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static void start_program(struct slot *slot, uint64_t seed) {
  if (ftruncate(slot->output, 0) < 0) perror("ftruncate");
  lseek(slot->output, 0, SEEK_SET);
  slot->seed = seed;
  slot->started = monotonic();
  slot->pid = fork();
  if (slot->pid == 0) {
    setpgid(0, 0);
    signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    dup2(slot->output, 1);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    for (int fd = 3; fd < 64; ++fd) close(fd);
    generate(seed);
    run_program();
  }
}

/* FNV-1a over the trace and how the program ended. */
static void finish_program(struct slot *slot, const char *ended) {
  uint64_t hash = 0xcbf29ce484222325ull;
  char buffer[65536];
  ssize_t n;
  lseek(slot->output, 0, SEEK_SET);
  while ((n = read(slot->output, buffer, sizeof buffer)) > 0)
    for (ssize_t i = 0; i < n; ++i) hash = (hash ^ (unsigned char)buffer[i]) * 0x100000001b3ull;
  for (const char *p = ended; *p; ++p) hash = (hash ^ (unsigned char)*p) * 0x100000001b3ull;
  printf("%" PRIu64 " %016" PRIx64 " %s %.0f\n", slot->seed, hash, ended,
         (monotonic() - slot->started) * 1000);
  fflush(stdout);
  slot->pid = 0;
}

static volatile sig_atomic_t batch_stopped;

static void stop_batch(int signum) {
  (void)signum;
  batch_stopped = 1;
}

static int batch(uint64_t first, uint64_t count, int jobs) {
  const char *limit_text = getenv("FUZZ_PROGRAM_TIMEOUT");
  double limit = limit_text && atof(limit_text) > 0 ? atof(limit_text) : 20.;
  struct slot slots[64] = {{0}};
  if (jobs < 1) jobs = 1;
  if (jobs > 64) jobs = 64;
  for (int i = 0; i < jobs; ++i) slots[i].output = memfd_create("fuzz-trace", 0);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  signal(SIGTERM, stop_batch); /* kill the programs still running, then exit */
  prctl(PR_SET_PDEATHSIG, SIGTERM); /* and so when the driver dies */
  if (getppid() == 1) return 1;
  uint64_t next = first, end = first + count;
  for (int running = 0; !batch_stopped;) {
    for (int i = 0; i < jobs && next < end; ++i)
      if (!slots[i].pid) start_program(&slots[i], next++), ++running;
    if (!running) break;
    struct timespec wait = {0, 100 * 1000 * 1000};
    sigtimedwait(&chld, NULL, &wait);
    for (int i = 0; i < jobs; ++i) {
      struct slot *slot = &slots[i];
      int status;
      char ended[32];
      if (!slot->pid) continue;
      pid_t done = waitpid(slot->pid, &status, WNOHANG);
      if (done == 0 && monotonic() - slot->started > limit) {
        kill(-slot->pid, SIGKILL);
        waitpid(slot->pid, &status, 0);
        finish_program(slot, "timeout");
        --running;
      } else if (done == slot->pid) {
        kill(-slot->pid, SIGKILL); /* whatever it forked and left behind */
        if (WIFEXITED(status))
          snprintf(ended, sizeof ended, "exit:%d", WEXITSTATUS(status));
        else
          snprintf(ended, sizeof ended, "signal:%d", WTERMSIG(status));
        finish_program(slot, ended);
        --running;
      }
    }
  }
  for (int i = 0; i < jobs; ++i)
    if (slots[i].pid) kill(-slots[i].pid, SIGKILL);
  return 0;
}

static int usage(void) {
  fprintf(
      stderr,
      "usage: fuzz gen SEED | run SEED|FILE|- | c FILE|- [COMMENT] | batch FIRST COUNT [JOBS]\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "gen")) {
    generate(strtoull(argv[2], NULL, 10));
    print_program(stdout);
  } else if (argc >= 3 && !strcmp(argv[1], "run")) {
    if (!load(argv[2])) return 2;
    run_program();
  } else if (argc >= 3 && !strcmp(argv[1], "c")) {
    if (!load(argv[2])) return 2;
    print_c(stdout, argc > 3 ? argv[3] : "A program from the differential fuzzer.");
  } else if (argc >= 4 && !strcmp(argv[1], "batch")) {
    return batch(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10),
                 argc > 4 ? atoi(argv[4]) : 4);
  } else {
    return usage();
  }
  return 0;
}
