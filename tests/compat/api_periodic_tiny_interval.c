/* An ev_periodic whose interval (1e-4 s) is below libev's minimum of 1/8192 s. libev starts
 * the search for the next expiry from the 1/8192 s grid but steps forward by the interval
 * itself, so the first expiry is the first point offset + k / 8192 + j * 1e-4 after now; it is
 * not on the 1/8192 s grid. Only the position relative to the grid and to ev_now is printed. */
#include "compat.h"

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_periodic periodic;
  /* A whole second as offset keeps at - offset exact enough to tell the grids apart. */
  ev_tstamp offset = (ev_tstamp)(long long)ev_now(loop) - 1.;
  const ev_tstamp min_interval = 1. / 8192;
  ev_periodic_init(&periodic, TRACE_CB(ev_periodic), offset, 1e-4, 0);
  periodic.data = "tiny-interval";
  ev_periodic_start(loop, &periodic);
  ev_tstamp since = ev_periodic_at(&periodic) - offset;
  ev_tstamp steps = since / min_interval;
  ev_tstamp fraction = steps - (ev_tstamp)(long long)steps;
  printf("  at > now: %d, within 1/8192 s of now: %d, on the 1/8192 s grid: %d\n",
         ev_periodic_at(&periodic) > ev_now(loop),
         ev_periodic_at(&periodic) - ev_now(loop) <= min_interval,
         fraction < 0.01 || fraction > 0.99);
  ev_periodic_stop(loop, &periodic);
  return 0;
}
