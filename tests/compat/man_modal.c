/* MODEL/NESTED EVENT LOOP INVOCATIONS AND EXIT CONDITIONS: a main loop of
 * "while (!exit_main_loop) ev_run (EVRUN_ONCE)" and a modal dialog that runs its own nested
 * "while (!exit_nested_loop) ev_run (EVRUN_ONCE)" from a callback. A scripted user clicks
 * "Quit" while the dialog is open (exit_main_loop: the main loop ends only after the dialog), then
 * "Ok" (exit_nested_loop). Then the same with ev_break: EVBREAK_ONE ends only the innermost
 * ev_run, EVBREAK_ALL all of them, as in the manual's example program. An idle watcher is the
 * user, one click per iteration, so nothing depends on time. */
#include "compat.h"

static int exit_main_loop, exit_nested_loop, click;
static ev_idle user;

static void open_dialog(struct ev_loop *loop) {
  printf("  dialog opens\n");
  exit_nested_loop = 0;
  while (!exit_nested_loop) ev_run(loop, EVRUN_ONCE);
  printf("  dialog closed, back at depth %u\n", ev_depth(loop));
}

static void modal_user_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  switch (++click) {
    case 1:
      open_dialog(loop);
      break;
    case 2:
      printf("  click: nothing\n");
      break;
    case 3:
      printf("  click: Quit (exit main program after the dialog)\n");
      exit_main_loop = 1;
      break;
    case 4:
      printf("  click: Ok (exit the dialog)\n");
      exit_nested_loop = 1;
      break;
    default:
      printf("  click %d: the main loop should have ended\n", click);
      exit_main_loop = 1;
  }
}

static void break_user_cb(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  switch (++click) {
    case 1:
    case 2:
      printf("  nested ev_run returned %d\n", ev_run(loop, 0));
      break;
    case 3:
      printf("  EVBREAK_ONE\n");
      ev_break(loop, EVBREAK_ONE);
      break;
    case 4:
      printf("  EVBREAK_ALL\n");
      ev_break(loop, EVBREAK_ALL);
      break;
    default:
      printf("  click %d: every ev_run should have ended\n", click);
      ev_break(loop, EVBREAK_ALL);
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("exit variables with EVRUN_ONCE\n");
  ev_idle_init(&user, modal_user_cb);
  user.data = "user";
  ev_idle_start(loop, &user);
  while (!exit_main_loop) ev_run(EV_DEFAULT_ EVRUN_ONCE);
  printf("main loop ended after %d clicks\n", click);

  printf("ev_break in nested ev_run calls\n");
  click = 0;
  ev_set_cb(&user, break_user_cb);
  int result = ev_run(loop, 0);
  printf("outer ev_run returned %d, depth %u\n", result, ev_depth(loop));
  printf("a new ev_run starts afresh: ");
  click = 3;
  printf("returned %d\n", ev_run(loop, 0));
  ev_idle_stop(loop, &user);
  return 0;
}
