"""Runs deploy/healthcheck.sh (the image's HEALTHCHECK) against a real HTTP
server on 127.0.0.1 and real liveness files."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from deploy_support import HEALTHCHECK

pytestmark = pytest.mark.skipif(not shutil.which("bash"), reason="the script needs bash")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DELOTON_")}
    return subprocess.run(["bash", str(HEALTHCHECK), *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=20)


class Health:
    """A stand-in for `deloton serve`: answers GET /ready with a set status."""

    def __init__(self, status: int):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.paths.append(self.path)
                body = b'{"status":"ok"}' if owner.status == 200 else b'{"error":{"code":503}}'
                self.send_response(owner.status if self.path == "/ready" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.status = status
        self.paths: list[str] = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthy_when_ready_answers_200():
    with Health(200) as server:
        result = run({"DELOTON_PORT": str(server.port)})
    assert result.returncode == 0, result.stderr
    assert server.paths == ["/ready"]


def test_unhealthy_when_the_warehouse_is_down():
    with Health(503) as server:
        result = run({"DELOTON_PORT": str(server.port)})
    assert result.returncode == 1
    assert "503" in result.stderr


def test_unhealthy_when_nothing_listens():
    port = free_port()
    result = run({"DELOTON_PORT": str(port)})
    assert result.returncode == 1
    assert f"nothing listens on 127.0.0.1:{port}" in result.stderr


def test_unhealthy_when_the_server_never_answers():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        started = time.monotonic()
        result = run({"DELOTON_PORT": str(silent.getsockname()[1])})
    assert result.returncode == 1
    assert time.monotonic() - started < 10, "the check must give up before Docker's timeout"


def test_fresh_liveness_file_is_healthy(tmp_path: Path):
    alive = tmp_path / "alive"
    alive.touch()
    assert run({"DELOTON_LIVENESS_FILE": str(alive)}).returncode == 0


def test_stale_liveness_file_is_unhealthy(tmp_path: Path):
    alive = tmp_path / "alive"
    alive.touch()
    two_minutes_ago = time.time() - 120
    os.utime(alive, (two_minutes_ago, two_minutes_ago))
    result = run({"DELOTON_LIVENESS_FILE": str(alive)})
    assert result.returncode == 1
    assert "old" in result.stderr
    # The limit is an argument, for slower roles.
    assert run({"DELOTON_LIVENESS_FILE": str(alive)}, "300").returncode == 0


def test_missing_liveness_file_is_unhealthy(tmp_path: Path):
    result = run({"DELOTON_LIVENESS_FILE": str(tmp_path / "never-written")})
    assert result.returncode == 1
    assert "does not exist" in result.stderr


def test_liveness_mode_ignores_http(tmp_path: Path):
    # ingest and schedule open no port: the file alone decides.
    alive = tmp_path / "alive"
    alive.touch()
    assert run({"DELOTON_LIVENESS_FILE": str(alive), "DELOTON_PORT": str(free_port())}).returncode == 0
