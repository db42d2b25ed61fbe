// Ops done by the loop with readiness, on every backend (and on io_uring for what the kernel
// refuses). A send or connect tries its system call at once; a receive waits for readiness
// unless the fd's last receive filled its buffer; an accept waits for readiness. EAGAIN never
// reaches the program: the op waits for the fd's next readiness instead. The fd's two readiness
// watchers (FdOps) serve the ops at the heads of its lanes.
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event_batch.h"
#include "ops.h"

namespace evring {

namespace {

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

FdOps &fd_ops_of(ev_io *io, size_t offset) {
  return *reinterpret_cast<FdOps *>(reinterpret_cast<char *>(io) - offset);
}

void unwatch(ev_loop *loop, ev_io *io) {
  if (!ev_is_active(io)) return;
  ev_ref(loop);
  ev_io_stop(loop, io);
}

void finish(ev_loop *loop, int index, ssize_t result, size_t moved = 0, int32_t buffer = -1,
            bool more = false) {
  ops_complete(loop, index, OpResult{result, moved, buffer, more});
}

// Each attempt below either finishes the op (or delivers a multishot result and goes on) or
// leaves it waiting for the fd's readiness, and says which: true while it waits.

bool try_recv(ev_loop *loop, OpSlot &slot, int index, FdOps &lanes) {
  evring_op &op = *slot.op;
  BufferPool &pool = loop->ops->pool;
  void *buf = op.buf;
  size_t len = op.len;
  int32_t buffer = -1;
  if (op.flags & EVRING_POOLED) {
    buffer = pool_take(pool);
    if (buffer < 0) {
      ops_park(loop, index);
      return false;
    }
    buf = pool.memory + size_t(buffer) * pool.size;
    len = pool.size;
  }
  ssize_t got = recv(op.fd, buf, len, MSG_DONTWAIT);
  int error = got < 0 ? errno : 0;
  if ((got <= 0 || would_block(error)) && buffer >= 0) pool_put_back(loop, buffer);
  if (got < 0 && would_block(error)) {
    lanes.recv_filled = false;
    return true;
  }
  lanes.recv_filled = got > 0 && size_t(got) == len;
  bool more = (op.flags & EVRING_MULTISHOT) && got > 0;
  finish(loop, index, got < 0 ? -error : got, 0, got > 0 ? buffer : -1, more);
  return more;
}

bool try_send(ev_loop *loop, OpSlot &slot, int index) {
  evring_op &op = *slot.op;
  for (;;) {
    ssize_t sent = send(op.fd, static_cast<char *>(op.buf) + slot.moved, op.len - slot.moved,
                        MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (would_block(errno)) return true;
      finish(loop, index, -errno, slot.moved);
      return false;
    }
    slot.moved += size_t(sent);
    if (!(op.flags & EVRING_SEND_ALL) || slot.moved == op.len) {
      finish(loop, index, (op.flags & EVRING_SEND_ALL) ? ssize_t(slot.moved) : sent, slot.moved);
      return false;
    }
  }
}

// Calls `call` with the fd made non-blocking for it if it is not (ops do not ask the program
// for O_NONBLOCK): accept and connect have no MSG_DONTWAIT, and would block the loop. Keeps the
// call's errno.
template <class Call>
int without_blocking(int fd, Call call) {
  int flags = fcntl(fd, F_GETFL);
  bool blocking = flags >= 0 && !(flags & O_NONBLOCK);
  if (blocking) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int result = call();
  int error = errno;
  if (blocking) fcntl(fd, F_SETFL, flags);
  errno = error;
  return result;
}

// Another process may take the connection the readiness announced. A multishot accept takes
// the connections waiting, up to an event batch, as an ev_io server's accept loop does: one per
// readiness would cost an iteration per connection (a server's 1024 clients arriving at once
// kept it at small batches for 1024 iterations).
bool try_accept(ev_loop *loop, OpSlot &slot, int index) {
  evring_op &op = *slot.op;
  bool multishot = op.flags & EVRING_MULTISHOT;
  for (int taken = 0; taken < kFirstEventBatch; ++taken) {
    int fd =
        without_blocking(op.fd, [&] { return accept4(op.fd, nullptr, nullptr, SOCK_CLOEXEC); });
    if (fd < 0 && (would_block(errno) || errno == ECONNABORTED)) return true;
    finish(loop, index, fd < 0 ? -errno : fd, 0, -1, multishot && fd >= 0);
    if (!multishot || fd < 0) return false;
  }
  return true;
}

bool try_connect(ev_loop *loop, OpSlot &slot, int index) {
  evring_op &op = *slot.op;
  int result = without_blocking(op.fd, [&] {
    return connect(op.fd, static_cast<const sockaddr *>(op.buf), socklen_t(op.len));
  });
  int error = result < 0 ? errno : 0;
  if (error == EINPROGRESS) return true;
  finish(loop, index, -error);
  return false;
}

// The connection attempt ended: its outcome is the socket's pending error.
void connected(ev_loop *loop, OpSlot &slot, int index) {
  int error = 0;
  socklen_t size = sizeof error;
  if (getsockopt(slot.op->fd, SOL_SOCKET, SO_ERROR, &error, &size) < 0) error = errno;
  finish(loop, index, -error);
}

// The op at the head of `kind`'s lane on fd, if the emulation is doing it.
OpSlot *emulated_head(ev_loop *loop, const FdOps &lanes, int kind, int *index) {
  int head = lanes.head[kind - 1];
  if (!head) return nullptr;
  OpSlot *slot = loop->ops->slots[head - 1];
  bool waiting = slot->state == OpState::kInFlight || slot->state == OpState::kCancelling;
  if (slot->engine != OpEngine::kEmulated || !waiting) return nullptr;
  *index = head - 1;
  return slot;
}

// Whether an op (other than `except`) at the head of one of the two lanes waits for the
// watcher's readiness. Asked after the attempts: an op that ended there let the next one of its
// lane begin, which may wait in turn (a parked receive waits for a buffer instead).
bool waits(ev_loop *loop, const FdOps &lanes, int kind, const OpSlot *except) {
  int index;
  const OpSlot *slot = emulated_head(loop, lanes, kind, &index);
  return slot && slot != except && !slot->parked;
}

bool needed(ev_loop *loop, const FdOps &lanes, int kind, int other_kind,
            const OpSlot *except = nullptr) {
  return waits(loop, lanes, kind, except) || waits(loop, lanes, other_kind, except);
}

// The watcher registers the fd afresh at its next start (ev_io_set), unless another op waits
// for it: with an op in flight on it, the program has not closed the fd.
void renew(ev_loop *loop, const FdOps &lanes, ev_io *io, int kind, int other_kind,
           const OpSlot *starting) {
  if (needed(loop, lanes, kind, other_kind, starting)) return;
  unwatch(loop, io);
  // A kill's EV_ERROR still waiting (poll and select report a closed fd) was the old file's.
  // The kill's stop took back the reference the unreferenced watcher had given: on_ready would
  // have returned it.
  if (clear_pending(loop, io) & EV_ERROR) ev_ref(loop);
  ev_io_set(io, io->fd, io->events & (EV_READ | EV_WRITE));
}

void renew_both(ev_loop *loop, FdOps &lanes, const OpSlot *starting) {
  renew(loop, lanes, &lanes.readable, EVRING_RECV, EVRING_ACCEPT, starting);
  renew(loop, lanes, &lanes.writable, EVRING_SEND, EVRING_CONNECT, starting);
}

// Starts the fd's watcher, at the op's priority, if it is not running so. Unreferenced: the
// ops keep the loop alive. The watcher does the op's system call where an ev_io watcher of
// that priority would, just before the op's callback: one connection's receive, callback and
// reply run together, as in the same program written with ev_io (done first for every ready
// fd, the system calls of a large batch found each connection's records evicted again by the
// time its callback ran). An op set up anew may name another file than the watchers were
// registered for: the program closed the fd and the number was taken again (libev asks
// ev_io_set of an io watcher then).
void watch(ev_loop *loop, OpSlot &slot, FdOps &lanes, ev_io *io) {
  if (slot.new_file) {
    slot.new_file = false;
    renew_both(loop, lanes, &slot);
  }
  int priority = ev_priority(slot.op);
  if (ev_is_active(io) && ev_priority(io) == priority) return;
  unwatch(loop, io);
  ev_set_priority(io, priority);
  ev_io_start(loop, io);
  ev_unref(loop);
}

// Whether the watcher stops as soon as no op waits for it, rather than at the next event that
// finds none: a writable fd is nearly always ready (lingering would cost a wake-up), and a
// watch that holds the file open would keep it from the program's close(2).
bool stops_early(ev_loop *loop, const ev_io *io) {
  return (io->events & EV_WRITE) || loop->backend->watch_holds_file;
}

// Readiness of the fd: the op at the head of each of the watcher's two lanes tries again
// (receive and accept on readable, send and connect on writable). Nobody waiting: the watcher
// stops.
// EV_ERROR: the fd was killed, which stopped the watcher and took a reference it had given
// back already (unreferenced watcher): return it, and end the ops with EBADF.
void on_ready(ev_loop *loop, ev_io *io, int revents, FdOps &lanes, int kind, int other_kind) {
  if (revents & EV_ERROR) {
    ev_ref(loop);
  } else if (!needed(loop, lanes, kind, other_kind)) {
    unwatch(loop, io);
    return;
  }
  const int lane_kinds[] = {kind, other_kind};
  for (int lane : lane_kinds) {
    int index;
    OpSlot *slot = emulated_head(loop, lanes, lane, &index);
    if (!slot) continue;
    if (revents & EV_ERROR)
      finish(loop, index, -EBADF, slot->moved);
    else if (lane == EVRING_RECV)
      try_recv(loop, *slot, index, lanes);
    else if (lane == EVRING_ACCEPT)
      try_accept(loop, *slot, index);
    else if (lane == EVRING_SEND)
      try_send(loop, *slot, index);
    else
      connected(loop, *slot, index);
  }
  if (!(revents & EV_ERROR) && stops_early(loop, io) && !needed(loop, lanes, kind, other_kind))
    unwatch(loop, io);
}

void on_readable(ev_loop *loop, ev_io *io, int revents) {
  on_ready(loop, io, revents, fd_ops_of(io, offsetof(FdOps, readable)), EVRING_RECV, EVRING_ACCEPT);
}

void on_writable(ev_loop *loop, ev_io *io, int revents) {
  on_ready(loop, io, revents, fd_ops_of(io, offsetof(FdOps, writable)), EVRING_SEND,
           EVRING_CONNECT);
}

// Close (the core has cancelled the fd's other ops): the fd's watchers stop now, before the
// number can name another file.
void close_fd(ev_loop *loop, OpSlot &slot, int index, FdOps &lanes) {
  emulated_new_file(loop, lanes);
  finish(loop, index, close(slot.op->fd) < 0 ? -errno : 0);
}

}  // namespace

void emulated_init_fd(ev_loop *, FdOps &ops, int fd) {
  ev_io_init(&ops.readable, on_readable, fd, EV_READ);
  ev_io_init(&ops.writable, on_writable, fd, EV_WRITE);
}

void emulated_new_file(ev_loop *loop, FdOps &ops) {
  renew_both(loop, ops, nullptr);
}

void emulated_start(ev_loop *loop, OpSlot &slot, int index) {
  evring_op &op = *slot.op;
  FdOps &lanes = *loop->ops->fds[op.fd];
  switch (op.kind) {
    case EVRING_RECV:
      if (!lanes.recv_filled || try_recv(loop, slot, index, lanes))
        watch(loop, slot, lanes, &lanes.readable);
      break;
    case EVRING_ACCEPT:
      watch(loop, slot, lanes, &lanes.readable);
      break;
    case EVRING_SEND:
      if (try_send(loop, slot, index)) watch(loop, slot, lanes, &lanes.writable);
      break;
    case EVRING_CONNECT:
      if (try_connect(loop, slot, index)) watch(loop, slot, lanes, &lanes.writable);
      break;
    case EVRING_SHUTDOWN:
      finish(loop, index, shutdown(op.fd, int(op.len)) < 0 ? -errno : 0);
      break;
    case EVRING_CLOSE:
      close_fd(loop, slot, index, lanes);
      break;
  }
}

}  // namespace evring
