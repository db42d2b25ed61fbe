// Which engine does a started op: read from the loop's own records, so it lives apart from the
// test files, which see ev.h as programs do (the library's headers name the loop differently).
#include "../ev/ops.h"

bool done_by_emulation(struct ev_loop *loop, const evring_op &op) {
  const evring::OpSlot *slot = evring::ops_slot(loop, int(op.slot) - 1, op.generation);
  return slot && slot->engine == evring::OpEngine::kEmulated;
}
