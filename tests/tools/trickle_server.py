#!/usr/bin/env python3
"""A hostile HTTP server for tests: it reads a request, then sends its status line and headers one byte
at a time, every `--interval` seconds, never finishing them. Prints its port, then serves until
`--lifetime` seconds have passed (bounded, loopback only)."""
import argparse
import socket
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--interval", type=float, default=0.5)
parser.add_argument("--lifetime", type=float, default=120)
args = parser.parse_args()

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(16)
server.settimeout(1)
print(server.getsockname()[1], flush=True)
end = time.monotonic() + args.lifetime


def trickle(conn):
    with conn:
        try:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 100000:
                if time.monotonic() > end:
                    return
                conn.sendall(bytes([byte]))
                time.sleep(args.interval)
        except OSError:
            return


while time.monotonic() < end:
    try:
        conn, _ = server.accept()
    except socket.timeout:
        continue
    threading.Thread(target=trickle, args=(conn,), daemon=True).start()
