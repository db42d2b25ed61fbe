/* Entry point of every benchmark server: opens 127.0.0.1:port, prints {"port":N} so the driver
   knows where to connect, then hands the socket to the library under test. The driver stops it
   with SIGTERM; --timeout bounds its life if the driver cannot. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

#include "../common/cli.h"
#include "../common/fd_limit.h"
#include "listener.h"
#include "server_adapter.h"

#define EXIT_SKIP 77

static void usage(void) {
  fprintf(stderr, "usage: server [--backend NAME] [--mode echo|http] [--port P] [--timeout S]\n");
  exit(2);
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {{"backend", required_argument, 0, 'b'},
                                           {"mode", required_argument, 0, 'm'},
                                           {"port", required_argument, 0, 'p'},
                                           {"timeout", required_argument, 0, 'T'},
                                           {0, 0, 0, 0}};
  const char *backend = "epoll";
  enum session_mode mode = SESSION_ECHO;
  int port = 0;
  long timeout_s = 300;
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'b':
        backend = optarg;
        break;
      case 'm':
        if (!session_parse_mode(optarg, &mode)) usage();
        break;
      case 'p':
        port = (int)bench_parse_long("--port", optarg, 0, 65535);
        break;
      case 'T':
        timeout_s = bench_parse_long("--timeout", optarg, 1, 86400);
        break;
      default:
        usage();
    }
  }
  if (optind != argc) usage();
  alarm((unsigned)timeout_s);
  signal(SIGPIPE, SIG_IGN); /* a client that hangs up mid-reply must not kill the server */
  bench_raise_fd_limit();
  int listen_fd = listener_open(port);
  if (listen_fd < 0) {
    perror("listen on 127.0.0.1");
    return 1;
  }
  printf("{\"port\":%d}\n", listener_port(listen_fd));
  fflush(stdout);
  const char *unsupported = adapter_serve(listen_fd, backend, mode);
  if (!unsupported) {
    fprintf(stderr, "event loop ended while serving\n");
    return 1;
  }
  fprintf(stderr, "skip: %s\n", unsupported);
  return EXIT_SKIP;
}
