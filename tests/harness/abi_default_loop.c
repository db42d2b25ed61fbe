/* Built against libev without PIE by check-libev-exports.sh: the program then holds its own
 * copy of ev_default_loop_ptr (a copy relocation), which EV_DEFAULT_UC and ev_is_default_loop
 * read inline. Run on evring's library, it must see evring's default loop in that copy. */
#include <ev.h>
#include <stdio.h>

int main(void) {
  struct ev_loop *loop = ev_default_loop(0);
  printf("ev_is_default_loop %d, EV_DEFAULT_UC is the loop %d\n", ev_is_default_loop(loop),
         EV_DEFAULT_UC == loop);
  ev_loop_destroy(loop);
  printf("after ev_loop_destroy, EV_DEFAULT_UC is NULL %d\n", EV_DEFAULT_UC == NULL);
  return 0;
}
