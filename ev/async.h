#ifndef EVRING_ASYNC_H
#define EVRING_ASYNC_H

#include "loop.h"

namespace evring {

// Feeds EV_ASYNC to every async watcher that was sent to since the last call.
void asyncs_feed_sent(ev_loop *loop);

}  // namespace evring

#endif
