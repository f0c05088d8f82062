#!/usr/bin/env python3
"""A TCP proxy for tests that can stop forwarding without closing anything.

    freezable-proxy.py TARGET_HOST TARGET_PORT

Listens on 127.0.0.1, on a free port, and forwards every connection to the
target. Prints "ready PORT" on stdout once it listens, then reads commands on
stdin, one a line, and answers each on stdout once it holds:

    freeze             stop forwarding bytes in both directions on every
                       connection; no socket is closed, and a new connection
                       waits unanswered until the thaw. Answers "frozen".
    thaw               forward again, the bytes held first. Answers "thawed".
    freeze-after TEXT  forward as usual until a client sends TEXT (UTF-8),
                       forward the bytes that hold it, then freeze. Answers
                       "armed" at once, and "frozen" when it fires; fires once.

This is a network partition as the cut-off peers see it: their sockets stay
open and quiet. The proxy's own kernel still acknowledges what each side sends,
so neither side's TCP keepalives or user timeout notice anything: only the
server's own timers (an idle transaction, a statement) end a session.

Exits when stdin closes, so it never outlives the test that started it.
Standard library only.
"""

import os
import socket
import sys
import threading

# Open while forwarding; every byte read while it is shut waits at it.
forwarding = threading.Event()
forwarding.set()
output_lock = threading.Lock()


def announce(line):
    with output_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def freeze():
    forwarding.clear()
    announce("frozen")


class Trigger:
    """Text whose sending by a client freezes the proxy; fires once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.text = None

    def arm(self, text):
        with self.lock:
            self.text = text

    def longest(self):
        with self.lock:
            return len(self.text) if self.text else 0

    def fires_on(self, data):
        with self.lock:
            if self.text and self.text in data:
                self.text = None
                return True
            return False


trigger = Trigger()


def pump(source, destination, watched, ends):
    """Copies bytes from source to destination while the proxy forwards."""
    # The end of the previous chunk, so that text split across two reads is found.
    tail = b""
    try:
        while True:
            data = source.recv(65536)
            forwarding.wait()
            if not data:
                # Half-close: the other side hears of the end, and may still answer.
                destination.shutdown(socket.SHUT_WR)
                break
            destination.sendall(data)
            if watched and trigger.fires_on(tail + data):
                freeze()
            keep = trigger.longest()
            tail = (tail + data)[-keep:] if keep else b""
    except OSError:
        # A reset on one side ends both directions.
        forwarding.wait()
        for connection in (source, destination):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    finally:
        ends.release()


def serve(client, target):
    forwarding.wait()
    try:
        upstream = socket.create_connection(target)
    except OSError:
        client.close()
        return
    for connection in (client, upstream):
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ends = threading.Semaphore(0)
    threading.Thread(target=pump, args=(client, upstream, True, ends), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client, False, ends), daemon=True).start()
    # Both directions over: close both sockets.
    ends.acquire()
    ends.acquire()
    client.close()
    upstream.close()


def accept(listener, target):
    while True:
        # While frozen, new connections wait in the listen backlog, unanswered.
        forwarding.wait()
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, target), daemon=True).start()


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: freezable-proxy.py TARGET_HOST TARGET_PORT\n")
        sys.exit(2)
    target = (sys.argv[1], int(sys.argv[2]))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    threading.Thread(target=accept, args=(listener, target), daemon=True).start()
    announce("ready %d" % listener.getsockname()[1])
    for line in sys.stdin:
        command, _, argument = line.rstrip("\n").partition(" ")
        if command == "freeze":
            freeze()
        elif command == "thaw":
            forwarding.set()
            announce("thawed")
        elif command == "freeze-after" and argument:
            trigger.arm(argument.encode("utf-8"))
            announce("armed")
        else:
            announce("unknown command: " + line.rstrip("\n"))
    # stdin closed: the test is over. Daemon threads blocked at the gate end with us.
    os._exit(0)


if __name__ == "__main__":
    main()
