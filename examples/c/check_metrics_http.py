#!/usr/bin/env python3
"""Runs examples/c/metrics_http against the Redis of $LINER_REDIS_URL and scrapes it the way
Prometheus would, over a plain TCP socket: GET /metrics answers 200 with the text format
(every line a `# HELP`/`# TYPE` comment or `name{labels} value`, each family's HELP and TYPE
before its sample, the client's labels, the warm-up messages counted as delivered), another
path answers 404, another method 405, and the program exits 0 after those three requests.

Usage: check_metrics_http.py PROGRAM   ($RUN_PREFIX, e.g. "valgrind ..." or "qemu-arm ...",
is put in front of PROGRAM, like `make run` does.)"""

from __future__ import annotations

import os
import re
import select
import shlex
import socket
import subprocess
import sys
import time

# Slow under valgrind or qemu: generous, but a hang still fails.
STARTUP_SECONDS = 180
EXIT_SECONDS = 60

SERVING = re.compile(
    r"serving http://127\.0\.0\.1:(\d+)/metrics for (\S+) on topic (\S+) "
    r"\((\d+) messages delivered\)"
)
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_]\w*="(?:[^"\\\n]|\\.)*",?)*)\} (\S+)$')
COMMENT = re.compile(r"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$")


def fail(message: str) -> None:
    print(f"check_metrics_http: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def http(port: int, request: bytes) -> tuple[str, dict[str, str], str]:
    """Sends one request, reads until the server closes; (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status, *header_lines = head.decode("ascii").split("\r\n")
    headers = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, headers, body.decode("utf-8")


def check_exposition(text: str, unique: str, topic: str, delivered: int) -> int:
    """Checks every line; returns the number of samples."""
    if not text.endswith("\n"):
        fail("the text does not end with a newline")
    declared: dict[str, set[str]] = {}
    samples = {}
    for line in text.splitlines():
        if comment := COMMENT.match(line):
            kind, name, rest = comment.groups()
            declared.setdefault(name, set()).add(kind)
            if kind == "TYPE" and rest not in ("counter", "gauge"):
                fail(f"unknown type: {line}")
            continue
        sample = SAMPLE.match(line)
        if not sample:
            fail(f"not `name{{labels}} value`: {line!r}")
        name, labels, value = sample.groups()
        if declared.get(name) != {"HELP", "TYPE"}:
            fail(f"{name}: sample before its HELP and TYPE")
        if labels != f'unique_name="{unique}",topic="{topic}"':
            fail(f"labels of {name}: {labels}")
        float(value)  # the format's value syntax
        samples[name] = value
    if samples.get("liner_messages_delivered_total") != str(delivered):
        fail(f"liner_messages_delivered_total is {samples.get('liner_messages_delivered_total')}, "
             f"the program reported {delivered} delivered")
    return len(samples)


def main() -> None:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    redis_url = os.environ.get("LINER_REDIS_URL")
    if not redis_url:
        print("set LINER_REDIS_URL", file=sys.stderr)
        sys.exit(2)
    command = shlex.split(os.environ.get("RUN_PREFIX", "")) + [sys.argv[1], redis_url, "0", "3"]
    program = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([program.stdout], [], [], STARTUP_SECONDS)
        line = program.stdout.readline() if ready else ""
        serving = SERVING.search(line)
        if not serving:
            fail(f"no 'serving' line within {STARTUP_SECONDS}s (got {line!r})")
        port, unique, topic, delivered = serving.groups()
        port = int(port)

        status, headers, body = http(port, b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        if status != "HTTP/1.0 200 OK":
            fail(f"GET /metrics: {status}")
        if not headers.get("content-type", "").startswith("text/plain; version=0.0.4"):
            fail(f"content type {headers.get('content-type')}")
        if int(headers.get("content-length", "-1")) != len(body.encode()):
            fail("Content-Length differs from the body")
        count = check_exposition(body, unique, topic, int(delivered))

        status, _, _ = http(port, b"GET /elsewhere HTTP/1.0\r\n\r\n")
        if status != "HTTP/1.0 404 Not Found":
            fail(f"GET /elsewhere: {status}")
        status, _, _ = http(port, b"POST /metrics HTTP/1.0\r\n\r\n")
        if status != "HTTP/1.0 405 Method Not Allowed":
            fail(f"POST /metrics: {status}")

        deadline = time.monotonic() + EXIT_SECONDS
        while program.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if program.returncode != 0:
            fail(f"the program ended with {program.returncode} after its 3 requests")
        print(f"check_metrics_http: {count} samples parsed, {delivered} messages delivered")
    finally:
        if program.poll() is None:
            program.kill()
            program.wait()


if __name__ == "__main__":
    main()
