// cxx_echo: an echo server on 127.0.0.1 and its own clients in one loop, written against the C++
// API (<ev++.h>). The server's listening watcher uses libev's method callbacks; connections and
// clients use evring's C++17 callables (lambdas owned by their watchers) and RAII: erasing a
// connection object, even from its own callback, stops its watcher and closes its socket.
//
//   cxx_echo [-b select|poll|epoll|io_uring] [-c clients] [-n messages per client]
//
// Exits 0 when every client got every echo back byte for byte within 30 seconds.
#include <ev++.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>

namespace {

// An owned socket: closed with the object.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket &) = delete;
  Socket &operator=(const Socket &) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

void fail(const char *what) {
  perror(what);
  exit(1);
}

// One accepted connection: echoes what it reads. Declared after the socket, the watcher is
// destroyed (and so stopped) before the socket closes.
struct Connection {
  Socket socket;
  ev::io watcher;
  std::string unsent;

  Connection(ev::loop_ref loop, int fd) : socket(fd), watcher(loop) {}
};

class Server {
 public:
  explicit Server(ev::loop_ref loop)
      : loop_(loop),
        listener_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)),
        accept_watcher_(loop) {
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_.fd() < 0 || bind(listener_.fd(), (sockaddr *)&address, sizeof address) != 0 ||
        listen(listener_.fd(), 128) != 0 ||
        getsockname(listener_.fd(), (sockaddr *)&address, &length) != 0)
      fail("listen");
    port_ = address.sin_port;
    // libev's style: a method of this object, which set() stores in the watcher's data.
    accept_watcher_.set<Server, &Server::on_accept>(this);
    accept_watcher_.start(listener_.fd(), ev::READ);
  }

  in_port_t port() const { return port_; }
  size_t open_connections() const { return connections_.size(); }
  void stop() { accept_watcher_.stop(); }

 private:
  void on_accept(ev::io &, int) {
    int fd = accept4(listener_.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: another readiness report got there first
    auto connection = std::make_unique<Connection>(loop_, fd);
    Connection &c = *connection;
    connections_[fd] = std::move(connection);
    // evring, C++17: the watcher owns this lambda.
    c.watcher.set([this, &c](ev::io &w, int revents) {
      if (revents & ev::READ) {
        char buffer[4096];
        ssize_t n = read(w.fd, buffer, sizeof buffer);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
          connections_.erase(w.fd);  // destroys c, its watcher and this lambda's owner
          return;
        }
        if (n > 0) c.unsent.append(buffer, n);
      }
      if (!c.unsent.empty()) {
        ssize_t n = write(w.fd, c.unsent.data(), c.unsent.size());
        if (n > 0) c.unsent.erase(0, n);
      }
      w.set(c.unsent.empty() ? ev::READ : ev::READ | ev::WRITE);
    });
    c.watcher.start(fd, ev::READ);
  }

  ev::loop_ref loop_;
  Socket listener_;
  ev::io accept_watcher_;
  std::map<int, std::unique_ptr<Connection>> connections_;
  in_port_t port_;
};

// A client that sends `messages` messages, each after the echo of the previous one came back.
class Client {
 public:
  Client(ev::loop_ref loop, in_port_t port, int id, int messages, int *finished)
      : socket_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)),
        watcher_(loop),
        id_(id),
        left_(messages) {
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = port;
    if (socket_.fd() < 0 ||
        (connect(socket_.fd(), (sockaddr *)&address, sizeof address) != 0 && errno != EINPROGRESS))
      fail("connect");
    next_message();
    watcher_.set([this, finished](ev::io &w, int revents) {
      if ((revents & ev::WRITE) && sent_ < expected_.size()) {
        ssize_t n = write(w.fd, expected_.data() + sent_, expected_.size() - sent_);
        if (n > 0) sent_ += n;
        if (sent_ == expected_.size()) w.set(ev::READ);
      }
      if (revents & ev::READ) {
        char buffer[256];
        ssize_t n = read(w.fd, buffer, sizeof buffer);
        if (n > 0) received_.append(buffer, n);
        if (received_.size() < expected_.size()) return;
        if (received_ != expected_) {
          fprintf(stderr, "client %d: echo mismatch\n", id_);
          exit(1);
        }
        if (--left_ == 0) {
          w.stop();
          shutdown(w.fd, SHUT_WR);  // the server sees EOF and drops the connection
          ++*finished;
          return;
        }
        next_message();
        w.set(ev::WRITE);
      }
    });
    watcher_.start(socket_.fd(), ev::WRITE);
  }

 private:
  void next_message() {
    expected_ = "client " + std::to_string(id_) + " message " + std::to_string(left_) + "\n";
    sent_ = 0;
    received_.clear();
  }

  Socket socket_;
  ev::io watcher_;
  int id_;
  int left_;
  std::string expected_, received_;
  size_t sent_ = 0;
};

unsigned backend_flag(const char *name) {
  static const struct {
    const char *name;
    unsigned flag;
  } kBackends[] = {
      {"select", ev::SELECT}, {"poll", ev::POLL}, {"epoll", ev::EPOLL}, {"io_uring", ev::IOURING}};
  for (const auto &backend : kBackends)
    if (!strcmp(name, backend.name)) return backend.flag;
  fprintf(stderr, "cxx_echo: unknown backend '%s'\n", name);
  exit(2);
}

const char *backend_name(unsigned flag) {
  switch (flag) {
    case ev::SELECT:
      return "select";
    case ev::POLL:
      return "poll";
    case ev::EPOLL:
      return "epoll";
    case ev::IOURING:
      return "io_uring";
    default:
      return "other";
  }
}

}  // namespace

int main(int argc, char **argv) {
  unsigned flags = ev::AUTO;
  int clients = 8, messages = 100;
  for (int opt; (opt = getopt(argc, argv, "b:c:n:")) != -1;) {
    switch (opt) {
      case 'b':
        flags = backend_flag(optarg) | ev::NOENV;
        break;
      case 'c':
        clients = atoi(optarg);
        break;
      case 'n':
        messages = atoi(optarg);
        break;
      default:
        fprintf(stderr, "usage: cxx_echo [-b backend] [-c clients] [-n messages]\n");
        return 2;
    }
  }
  if (clients < 1 || messages < 1) return 2;

  try {
    ev::dynamic_loop loop(flags);
    Server server(loop);
    int finished = 0;
    std::map<int, std::unique_ptr<Client>> all_clients;
    for (int id = 0; id < clients; ++id)
      all_clients[id] = std::make_unique<Client>(loop, server.port(), id, messages, &finished);

    // Ends the run before the loop would block with every connection gone, or at the deadline.
    ev::prepare done(loop);
    done.set([&](ev::prepare &, int) {
      if (finished == clients && server.open_connections() == 0) loop.break_loop(ev::ALL);
    });
    done.start();
    bool timed_out = false;
    ev::timer deadline(loop);
    deadline.set([&](ev::timer &, int) {
      timed_out = true;
      loop.break_loop(ev::ALL);
    });
    deadline.start(30.);

    loop.run();
    printf("cxx_echo: backend %s, %d/%d clients completed, %d messages echoed%s\n",
           backend_name(loop.backend()), finished, clients, finished * messages,
           timed_out ? ", timed out" : "");
    return finished == clients && !timed_out ? 0 : 1;
  } catch (ev::bad_loop &) {
    fprintf(stderr, "cxx_echo: could not create a loop with those flags\n");
    return 1;
  }
}
