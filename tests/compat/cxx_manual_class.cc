// ev++.h as its manual shows it: a class holding two io watchers and an idle watcher as members,
// their method callbacks set in the constructor, one io watcher configured with set() and
// started later, the other configured and started by start(fd, events); the program brings
// namespace ev in whole (using namespace ev), as many do. An echo between two pipes.
#include <ev++.h>

#include "compat.h"

using namespace ev;

class Relay {
 public:
  Relay(int in_fd, int out_fd) {
    reader_.set<Relay, &Relay::on_readable>(this);
    writer_.set<Relay, &Relay::on_writable>(this);
    idle_.set<Relay, &Relay::on_idle>(this);

    writer_.set(out_fd, WRITE);  // configured now, started when there is something to write
    reader_.start(in_fd, READ);
  }

  int idles = 0;

 private:
  void on_readable(io &w, int revents) {
    int n = (int)read(w.fd, buffer_ + length_, sizeof buffer_ - length_);
    printf("  readable %s: %d bytes\n", revents_text(revents), n);
    if (n <= 0) {
      w.stop();
      idle_.start();
      return;
    }
    length_ += n;
    writer_.start();
  }
  void on_writable(io &w, int revents) {
    int n = (int)write(w.fd, buffer_, length_);
    printf("  writable %s: %d bytes\n", revents_text(revents), n);
    length_ = 0;
    w.stop();
  }
  void on_idle(idle &w, int revents) {
    printf("  idle %s\n", revents_text(revents));
    if (++idles == 2) w.stop();
  }

  io reader_, writer_;
  idle idle_;
  char buffer_[64];
  int length_ = 0;
};

int main() {
  compat_begin();
  default_loop loop;
  int in[2], out[2];
  require(pipe(in) == 0 && pipe(out) == 0, "pipe");
  Relay relay(in[0], out[1]);
  require(write(in[1], "hello", 5) == 5, "write");
  loop.run(ONCE);
  loop.run(ONCE);
  char echoed[16] = {0};
  require(read(out[0], echoed, sizeof echoed - 1) == 5, "read");
  printf("echoed '%s'\n", echoed);
  close(in[1]);
  loop.run();
  printf("idles %d, iteration %u\n", relay.idles, loop.iteration());
  return 0;
}
