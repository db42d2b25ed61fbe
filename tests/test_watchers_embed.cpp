// ev_embed: an epoll loop run from inside a loop on the test backend.
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <unistd.h>

namespace {

// The loop to embed: epoll unless told otherwise (io_uring is embeddable too).
class EmbeddableLoop {
 public:
  explicit EmbeddableLoop(unsigned backend = EVBACKEND_EPOLL)
      : loop_(ev_loop_new(backend | EVFLAG_NOENV)) {
    REQUIRE(loop_);
  }
  ~EmbeddableLoop() { ev_loop_destroy(loop_); }
  EmbeddableLoop(const EmbeddableLoop &) = delete;
  EmbeddableLoop &operator=(const EmbeddableLoop &) = delete;
  operator struct ev_loop *() const { return loop_; }

 private:
  struct ev_loop *loop_;
};

// An io watcher on a pipe that reads one byte per callback.
struct ByteReader {
  PipeFds pipe = make_pipe();
  ev_io w;
  std::string received;

  ByteReader() {
    ev_io_init(&w, &ByteReader::on_readable, pipe.read_end.get(), EV_READ);
    w.data = this;
  }
  static void on_readable(struct ev_loop *, ev_io *io, int) {
    auto *self = static_cast<ByteReader *>(io->data);
    char byte;
    if (read(io->fd, &byte, 1) == 1) self->received += byte;
  }
};

struct SweepingEmbed {
  ev_embed w;
  int calls = 0;
  int skip = 0;  // callbacks that do not sweep

  explicit SweepingEmbed(struct ev_loop *other) {
    ev_embed_init(&w, &SweepingEmbed::on_embed, other);
    w.data = this;
  }
  static void on_embed(struct ev_loop *loop, ev_embed *embed, int revents) {
    auto *self = static_cast<SweepingEmbed *>(embed->data);
    if (revents != EV_EMBED) return;
    ++self->calls;
    if (self->skip > 0) {
      --self->skip;
      return;
    }
    ev_embed_sweep(loop, embed);
  }
};

// For helper threads, which must not use Catch2: the reader's content shows whether it worked.
void write_unchecked(int fd, char byte) {
  ssize_t written = write(fd, &byte, 1);
  (void)written;
}

// A zero timer that starts a reader in another loop.
struct ReaderStarter {
  ev_timer w;
  struct ev_loop *target;
  ByteReader *reader;

  ReaderStarter(struct ev_loop *loop, ByteReader &to_start) : target(loop), reader(&to_start) {
    ev_timer_init(&w, &ReaderStarter::on_timer, 0., 0.);
    w.data = this;
  }
  static void on_timer(struct ev_loop *, ev_timer *timer, int) {
    auto *self = static_cast<ReaderStarter *>(timer->data);
    ev_io_start(self->target, &self->reader->w);
  }
};

}  // namespace

TEST_CASE("epoll is embeddable", "[embed][core]") {
  CHECK((ev_embeddable_backends() & EVBACKEND_EPOLL) != 0);
}

TEST_CASE("an embed watcher without callback runs the embedded loop when it has events",
          "[embed]") {
  LoopGuard outer;
  EmbeddableLoop inner;
  ByteReader reader;
  ev_io_start(inner, &reader.w);
  ev_embed embed;
  ev_embed_init(&embed, nullptr, inner);
  ev_embed_start(outer, &embed);

  // The outer loop sleeps until the embedded loop's fd is ready.
  WakerThread writer(outer, [&] { write_unchecked(reader.pipe.write_end.get(), 'a'); });
  REQUIRE(run_until(outer, [&] { return !reader.received.empty(); }));
  CHECK(writer.finish());
  CHECK(reader.received == "a");

  ev_embed_stop(outer, &embed);
  CHECK_FALSE(ev_is_active(&embed));
  write_byte(reader.pipe.write_end.get(), 'b');
  for (int i = 0; i < 3; ++i) ev_run(outer, EVRUN_NOWAIT);
  CHECK(reader.received == "a");
  ev_embed_sweep(outer, &embed);
  CHECK(reader.received == "ab");
  ev_io_stop(inner, &reader.w);
}

TEST_CASE("an embed callback gets EV_EMBED until it sweeps", "[embed]") {
  LoopGuard outer;
  EmbeddableLoop inner;
  ByteReader reader;
  ev_io_start(inner, &reader.w);
  // Applies the reader's fd change now; otherwise the embed watcher would run the embedded
  // loop for that before any callback, and the byte would be read without one.
  ev_run(inner, EVRUN_NOWAIT);
  SweepingEmbed embed(inner);
  embed.skip = 2;
  ev_embed_start(outer, &embed.w);

  write_byte(reader.pipe.write_end.get(), 'x');
  REQUIRE(run_until(outer, [&] { return !reader.received.empty(); }));
  CHECK(embed.calls == 3);
  CHECK(reader.received == "x");
  ev_run(outer, EVRUN_NOWAIT);
  CHECK(embed.calls == 3);
  ev_embed_stop(outer, &embed.w);
  ev_io_stop(inner, &reader.w);
}

TEST_CASE("events the embed watcher's own sweep took before the poll give no EV_EMBED", "[embed]") {
  LoopGuard outer;
  EmbeddableLoop inner;
  ByteReader reader;
  ev_io_start(inner, &reader.w);
  ev_run(inner, EVRUN_NOWAIT);
  SweepingEmbed embed(inner);
  ev_embed_start(outer, &embed.w);
  for (int i = 0; i < 2; ++i) ev_run(outer, EVRUN_NOWAIT);
  REQUIRE(embed.calls == 0);

  // The stopped reader's fd stays in the embedded epoll set (lazily) and makes it readable. The
  // stop is a pending change, so the embed watcher runs the embedded loop before the outer loop
  // polls, and that run takes the event: nothing is left for the embed callback, on a backend
  // that reports readiness as of its wake-up (io_uring) as on one that polls afterwards.
  ev_io_stop(inner, &reader.w);
  write_byte(reader.pipe.write_end.get(), 'q');
  ev_run(outer, EVRUN_NOWAIT);
  CHECK(embed.calls == 0);
  CHECK(reader.received.empty());

  // Control: an event the embedded loop has not taken does reach the callback.
  ev_io_start(inner, &reader.w);
  ev_run(inner, EVRUN_NOWAIT);
  REQUIRE(reader.received == "q");
  write_byte(reader.pipe.write_end.get(), 'r');
  REQUIRE(run_until(outer, [&] { return reader.received == "qr"; }));
  CHECK(embed.calls == 1);
  ev_embed_stop(outer, &embed.w);
  ev_io_stop(inner, &reader.w);
}

TEST_CASE("a watcher started in the embedded loop from an outer callback is seen at once",
          "[embed]") {
  LoopGuard outer;
  EmbeddableLoop inner;
  ByteReader reader;
  write_byte(reader.pipe.write_end.get(), 'k');
  ev_embed embed;
  ev_embed_init(&embed, nullptr, inner);
  ev_embed_start(outer, &embed);
  ReaderStarter kick(inner, reader);
  ev_timer_start(outer, &kick.w);
  REQUIRE(run_until(outer, [&] { return ev_is_active(&reader.w); }));
  // The embedded loop has not run since: the embed watcher must apply its new fd before the
  // outer loop polls, or the outer loop would not see the embedded loop's fd become ready.
  ev_run(outer, EVRUN_NOWAIT);
  CHECK(reader.received == "k");
  ev_embed_stop(outer, &embed);
  ev_io_stop(inner, &reader.w);
}

TEST_CASE("forking the embedding loop forks the embedded one too", "[embed][fork]") {
  LoopGuard outer;
  EmbeddableLoop inner;
  ByteReader reader;
  ev_io_start(inner, &reader.w);
  ev_embed embed;
  ev_embed_init(&embed, nullptr, inner);
  ev_embed_start(outer, &embed);
  // Both loops have kernel state before the fork.
  write_byte(reader.pipe.write_end.get(), 'p');
  REQUIRE(run_until(outer, [&] { return reader.received == "p"; }));

  ChildStatus status = run_in_child([&]() -> int {
    ev_loop_fork(outer);
    char byte = 'c';
    if (write(reader.pipe.write_end.get(), &byte, 1) != 1) return 2;
    run_until(outer, [&] { return reader.received == "pc"; });
    // Stopping the child's interest must not reach the parent's epoll set.
    ev_io_stop(inner, &reader.w);
    ev_run(outer, EVRUN_NOWAIT);
    return reader.received == "pc" ? 0 : 1;
  });
  REQUIRE(status.exited);
  CHECK(status.exit_code == 0);

  write_byte(reader.pipe.write_end.get(), 'q');
  REQUIRE(run_until(outer, [&] { return reader.received == "pq"; }));
  ev_embed_stop(outer, &embed);
  ev_io_stop(inner, &reader.w);
}

TEST_CASE("evring's embed watcher follows the embedded loop onto its re-created backend",
          "[evring][embed]") {
  LoopGuard outer;
  EmbeddableLoop inner;
  ByteReader reader;
  ev_io_start(inner, &reader.w);
  ev_embed embed;
  ev_embed_init(&embed, nullptr, inner);
  ev_embed_start(outer, &embed);
  ev_run(outer, EVRUN_NOWAIT);
  // The embedded loop makes a new epoll fd, most likely under the old number. (libev would
  // keep watching the old, closed one: an epoll-based outer loop would never wake again.)
  ev_loop_fork(inner);
  ev_run(inner, EVRUN_NOWAIT);
  WakerThread writer(outer, [&] { write_unchecked(reader.pipe.write_end.get(), 'n'); });
  REQUIRE(run_until(outer, [&] { return reader.received == "n"; }));
  CHECK(writer.finish());
  ev_embed_stop(outer, &embed);
  ev_io_stop(inner, &reader.w);
}

TEST_CASE("evring reports EV_ERROR for embedding a loop whose backend is not embeddable",
          "[evring][embed]") {
  LoopGuard outer;
  struct ev_loop *poll_loop = ev_loop_new(EVBACKEND_POLL | EVFLAG_NOENV);
  REQUIRE(poll_loop);
  Trace trace;
  Traced<ev_embed> embed(trace, "embed");
  ev_embed_set(&embed.w, poll_loop);
  StderrCapture capture;
  ev_embed_start(outer, &embed.w);
  CHECK(capture.finish().find("embed") != std::string::npos);
  CHECK_FALSE(ev_is_active(&embed.w));
  ev_run(outer, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"embed", EV_ERROR}});
  ev_loop_destroy(poll_loop);
}

TEST_CASE("an embedded io_uring loop delivers every event, one wake-up after another",
          "[embed][io_uring]") {
  if (!(ev_supported_backends() & EVBACKEND_IOURING)) {
    WARN("skipped: io_uring is not usable on this kernel");
    return;
  }
  LoopGuard outer;
  EmbeddableLoop inner(EVBACKEND_IOURING);
  ByteReader reader;
  ev_io_start(inner, &reader.w);
  ev_embed embed;
  ev_embed_init(&embed, nullptr, inner);
  ev_embed_start(outer, &embed);
  // Each byte arrives while the outer loop sleeps: the inner loop's poll must have been
  // re-armed (after the previous byte's callback) before the outer loop blocked.
  for (char byte : std::string("abc")) {
    WakerThread writer(outer, [&] { write_unchecked(reader.pipe.write_end.get(), byte); });
    bool received = run_until(
        outer, [&] { return !reader.received.empty() && reader.received.back() == byte; });
    CHECK(writer.finish());
    REQUIRE(received);
  }
  CHECK(reader.received == "abc");
  ev_embed_stop(outer, &embed);
  ev_io_stop(inner, &reader.w);
}
