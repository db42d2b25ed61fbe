// select(2) backend over bitmaps of any size (Linux's select accepts more than FD_SETSIZE fds
// when the caller provides the memory), scanned in ascending fd order.
#include <errno.h>
#include <string.h>
#include <sys/select.h>

#include <initializer_list>

#include "fd.h"

namespace evring {

namespace {

using Word = unsigned long;
constexpr int kBitsPerWord = int(8 * sizeof(Word));

struct SelectState {
  Vec<Word> want_read;
  Vec<Word> want_write;
  Vec<Word> got_read;
  Vec<Word> got_write;
};

SelectState &state_of(ev_loop *loop) {
  return *static_cast<SelectState *>(loop->backend_state);
}

bool select_init(ev_loop *loop) {
  auto *state = static_cast<SelectState *>(mem_realloc(nullptr, sizeof(SelectState)));
  *state = SelectState{};
  loop->backend_state = state;
  return true;
}

void select_destroy(ev_loop *loop) {
  SelectState &state = state_of(loop);
  state.want_read.release();
  state.want_write.release();
  state.got_read.release();
  state.got_write.release();
  mem_free(&state);
  loop->backend_state = nullptr;
}

void set_bit(Vec<Word> &bits, int fd, bool on) {
  Word mask = Word(1) << (fd % kBitsPerWord);
  if (on)
    bits[fd / kBitsPerWord] |= mask;
  else
    bits[fd / kBitsPerWord] &= ~mask;
}

void select_modify(ev_loop *loop, int fd, int, int new_mask, bool) {
  SelectState &state = state_of(loop);
  int words = fd / kBitsPerWord + 1;
  if (words > state.want_read.count) {
    for (Vec<Word> *bits :
         {&state.want_read, &state.want_write, &state.got_read, &state.got_write}) {
      bits->reserve_zeroed(words);
      bits->count = words;
    }
  }
  set_bit(state.want_read, fd, new_mask & EV_READ);
  set_bit(state.want_write, fd, new_mask & EV_WRITE);
}

// Reported from the highest fd down, so that (invoked back to front) callbacks run in
// ascending fd order, as under libev.
void report(ev_loop *loop, SelectState &state) {
  for (int word = state.got_read.count; word--;) {
    Word reads = state.got_read[word], writes = state.got_write[word];
    for (Word any = reads | writes; any;) {
      int bit = kBitsPerWord - 1 - __builtin_clzl(any);
      Word mask = Word(1) << bit;
      any &= ~mask;
      fd_event(loop, word * kBitsPerWord + bit,
               (reads & mask ? EV_READ : 0) | (writes & mask ? EV_WRITE : 0));
    }
  }
}

void select_poll(ev_loop *loop, ev_tstamp timeout) {
  SelectState &state = state_of(loop);
  size_t bytes = sizeof(Word) * size_t(state.want_read.count);
  if (bytes) {
    memcpy(state.got_read.items, state.want_read.items, bytes);
    memcpy(state.got_write.items, state.want_write.items, bytes);
  }
  timeval tv;
  tv.tv_sec = long(timeout);
  tv.tv_usec = long((timeout - ev_tstamp(tv.tv_sec)) * 1e6);
  loop_release(loop);
  int ready =
      select(state.want_read.count * kBitsPerWord, reinterpret_cast<fd_set *>(state.got_read.items),
             reinterpret_cast<fd_set *>(state.got_write.items), nullptr, &tv);
  loop_acquire(loop);
  if (ready < 0) {
    if (errno == EBADF)
      fd_kill_closed(loop);
    else if (errno != EINTR)
      fatal_syserr("evring: select");
    return;
  }
  // Scanned even when select returns 0: Linux clears the sets on a timeout, but some sandboxed
  // kernels hand them back untouched, and libev then reports what is left in them; matching it
  // keeps programs' output the same there (seen on a CI runner, tests/compat/io_bad_fd.c).
  report(loop, state);
}

}  // namespace

// The table reads by concern, a line each.
// clang-format off
const BackendOps select_backend = {
    .name = "select", .flag = EVBACKEND_SELECT,
    .init = select_init, .destroy = select_destroy, .modify = select_modify, .poll = select_poll,
    .min_wait = 1e-6};
// clang-format on

}  // namespace evring
