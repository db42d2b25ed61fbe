/* The servers' TCP plumbing on 127.0.0.1, shared so every server accepts the same way. */
#ifndef BENCH_LISTENER_H
#define BENCH_LISTENER_H

/* A non-blocking listening socket on 127.0.0.1:port (0 picks a free port); -1 on failure. */
int listener_open(int port);

/* The port a listening socket is bound to. */
int listener_port(int listen_fd);

/* Accepts one pending connection as a non-blocking, close-on-exec socket with Nagle off;
   -1 when none is pending. */
int listener_accept(int listen_fd);

#endif
