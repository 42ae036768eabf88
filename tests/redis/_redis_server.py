"""The harness's private ``redis-server``: started on a loopback port with no persistence in
its own temporary directory, and stopped by the PID it was started with (never by name), so
a server someone else runs is never touched."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from _resp import Redis

HOST = "127.0.0.1"


def listening(port: int) -> bool:
    """Whether something accepts TCP connections on the loopback ``port``."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def answers_ping(url: str) -> bool:
    try:
        with Redis(url, timeout=2.0) as redis:
            return redis.command("PING") == "PONG"
    except (OSError, RuntimeError):
        return False


class LocalRedis:
    """A ``redis-server`` child process on ``port``; ``stop`` ends it and removes its files."""

    def __init__(self, port: int, startup_timeout: float = 15.0) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server not found on PATH (apt-get install redis-server)")
        self.port = port
        self.url = f"redis://{HOST}:{port}/"
        self._dir = Path(tempfile.mkdtemp(prefix="liner-py-redis-"))
        self._log = self._dir / "redis.log"
        self._process = subprocess.Popen(
            [
                executable,
                "--bind", HOST,
                "--port", str(port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self._dir),
                "--logfile", str(self._log),
                "--daemonize", "no",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + startup_timeout
        while not answers_ping(self.url):
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = self._log.read_text(errors="replace") if self._log.exists() else ""
                self.stop()
                raise RuntimeError(f"redis-server on port {port} did not start:\n{log}")
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self._dir, ignore_errors=True)
