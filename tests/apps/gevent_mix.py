"""A gevent program for tests/apps/run.sh: an echo server and its clients, timers and timeouts,
subprocesses, signals (gevent's handler and one of the program's own), a fork, a thread-pool
call, greenlets joined. Its output is the same on every run and every backend, so run on evring
it must print what it prints on libev. Every wait is bounded; a hang ends in gevent.Timeout and
a non-zero exit status."""
import os
import signal
import sys
import time

import gevent
import gevent.event
import gevent.subprocess
from gevent import socket
from gevent.server import StreamServer

CLIENTS = 10
LINES = 50


def echo_upper(sock, _address):
    """Echoes each line upper-cased until the client closes."""
    stream = sock.makefile("rwb")
    for line in stream:
        stream.write(line.upper())
        stream.flush()
    stream.close()


def client(port, number):
    """Sends LINES lines, one at a time, and checks every answer."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        stream = sock.makefile("rwb")
        received = 0
        for line in range(LINES):
            message = f"client {number} line {line}\n".encode()
            stream.write(message)
            stream.flush()
            answer = stream.readline()
            if answer != message.upper():
                return f"client {number}: line {line} answered {answer!r}"
            received += len(answer)
        return f"client {number}: {LINES} lines, {received} bytes echoed"


def echo_section():
    server = StreamServer(("127.0.0.1", 0), echo_upper)
    server.start()
    clients = [gevent.spawn(client, server.server_port, n) for n in range(CLIENTS)]
    gevent.joinall(clients, raise_error=True)
    for greenlet in clients:
        print(greenlet.value)
    server.stop()


def timer_section():
    order = []

    def sleeper(delay, name):
        gevent.sleep(delay)
        order.append(name)

    gevent.joinall([gevent.spawn(sleeper, delay, name)
                    for delay, name in ((0.06, "third"), (0.02, "first"), (0.04, "second"))])
    print("timers fired:", " ".join(order))
    try:
        with gevent.Timeout(0.05):
            gevent.sleep(5)
        print("timeout: did not fire")
    except gevent.Timeout:
        print("timeout: fired")


def subprocess_section():
    child = gevent.subprocess.Popen(
        [sys.executable, "-c", "import sys; print(sys.stdin.read().upper(), end='')"],
        stdin=gevent.subprocess.PIPE, stdout=gevent.subprocess.PIPE)
    output, _ = child.communicate(b"hello from the parent\n", timeout=20)
    print("subprocess:", output.decode().strip(), "| exit status", child.returncode)
    status = gevent.subprocess.call([sys.executable, "-c", "raise SystemExit(7)"], timeout=20)
    print("subprocess exit status:", status)


def signal_section():
    caught = gevent.event.Event()
    handler = gevent.signal_handler(signal.SIGUSR1, caught.set)
    gevent.spawn_later(0.01, os.kill, os.getpid(), signal.SIGUSR1)
    print("SIGUSR1 caught:", caught.wait(timeout=10))
    handler.cancel()


def own_signal_handler_section():
    """A handler the program installs itself (Python's, not libev's) must run while the loop
    waits: the signal has to end the loop's blocking wait, as it ends libev's epoll_wait."""
    ran = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: ran.append(time.monotonic()))
    left, right = socket.socketpair()
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    with gevent.Timeout(2, False):
        left.recv(1)  # a new io watcher, then one blocking wait: nothing arrives
    signal.signal(signal.SIGALRM, previous)
    left.close()
    right.close()
    if ran and ran[0] - start < 1:
        print("own SIGALRM handler: ran while the loop waited")
    else:
        print("own SIGALRM handler: did not run until the loop's 2 s wait ended")


def fork_section():
    pid = gevent.fork()
    if pid == 0:
        gevent.sleep(0.01)  # the child's loop works after the fork
        os._exit(3)
    _, status = os.waitpid(pid, 0)
    print("forked child exit status:", os.waitstatus_to_exitcode(status))


def threadpool_section():
    pool = gevent.get_hub().threadpool
    print("thread pool:", pool.apply(sum, (range(1000),)))


def main():
    with gevent.Timeout(60):
        echo_section()
        timer_section()
        subprocess_section()
        signal_section()
        own_signal_handler_section()
        fork_section()
        threadpool_section()
    print("done")


if __name__ == "__main__":
    main()
