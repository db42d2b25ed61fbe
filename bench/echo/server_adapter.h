/* The contract between server_main.c and one event library's server. */
#ifndef BENCH_SERVER_ADAPTER_H
#define BENCH_SERVER_ADAPTER_H

#include "session.h"

/* Serves listen_fd until the process is killed. Returns why the library cannot run the named
   backend here (the server then exits 77 to mean "skip"), or NULL if its loop ended, which is a
   failure. */
const char *adapter_serve(int listen_fd, const char *backend, enum session_mode mode);

#endif
