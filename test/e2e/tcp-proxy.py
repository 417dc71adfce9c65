#!/usr/bin/env python3
"""A TCP proxy on loopback that the e2e suite can cut, to take the API server away from the
webhook without stopping it. Usage: tcp-proxy.py LISTEN_PORT TARGET_PORT [--closed]
SIGUSR1 cuts: every open connection is reset and the port is closed (new connections are
refused). SIGUSR2 restores. Traffic stays on 127.0.0.1."""
import os
import signal
import socket
import sys
import threading

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
lock = threading.Lock()
connections = set()
listener = None
open_requested = threading.Event()
if "--closed" not in sys.argv:
    open_requested.set()


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve():
    global listener
    while True:
        open_requested.wait()
        with lock:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", listen_port))
            listener.listen(128)
            current = listener
        while open_requested.is_set():
            try:
                client, _ = current.accept()
            except OSError:
                break
            try:
                upstream = socket.create_connection(("127.0.0.1", target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with lock:
                connections.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()


def cut(*_):
    open_requested.clear()
    with lock:
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            except OSError:
                pass
            listener.close()
        for s in connections:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        connections.clear()


def restore(*_):
    open_requested.set()


signal.signal(signal.SIGUSR1, cut)
signal.signal(signal.SIGUSR2, restore)

threading.Thread(target=serve, daemon=True).start()
print(f"tcp-proxy {os.getpid()}: 127.0.0.1:{listen_port} -> 127.0.0.1:{target_port}", flush=True)

while True:
    signal.pause()
