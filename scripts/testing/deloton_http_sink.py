"""A tiny HTTP server for deloton's tests that records POST bodies.

    python3 scripts/testing/deloton_http_sink.py PORT DIR [STATUS]

Every POST is answered with STATUS (default 200) and, whatever the status, its body is
stored as DIR/NNNNNN.body, with the request line and headers in DIR/NNNNNN.headers.
Files appear atomically (written under a dot name, then renamed). GET /health answers 200.
"""
import http.server
import itertools
import os
import sys
import threading


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    status = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    os.makedirs(directory, exist_ok=True)
    counter = itertools.count(1)
    lock = threading.Lock()

    def store(name, data):
        tmp = os.path.join(directory, "." + name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(directory, name))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                n = next(counter)
            headers = f"{self.command} {self.path}\n{self.headers}".encode()
            store(f"{n:06d}.headers", headers)
            store(f"{n:06d}.body", body)
            self.reply(status)

        def do_GET(self):
            self.reply(200)

        def reply(self, code):
            payload = b'{"ok":true}' if code < 400 else b'{"ok":false}'
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
