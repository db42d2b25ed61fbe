/* The soak's ev_io echo and HTTP server: the benchmark's libev-API server (bench/echo/: the
 * entry point server_main.c, the ev_io server server_libev.c, the protocols session.c), built
 * against evring. Its files are included here rather than listed in Makefile.am so that their
 * objects are built in tests/soak/, not in bench/, which the release tarball ships whole.
 *
 *   ev_io_server --backend select|poll|epoll|io_uring --mode echo|http [--timeout S]
 *
 * It prints {"port":N} once listening on 127.0.0.1, and serves until killed (SIGTERM). */
#define _GNU_SOURCE
#include "../../bench/common/cli.c"
#include "../../bench/common/fd_limit.c"
#include "../../bench/echo/listener.c"
#include "../../bench/echo/server_libev.c"
#include "../../bench/echo/server_main.c"
#include "../../bench/echo/session.c"
