#!/usr/bin/env python3
"""Runs liner's Redis scenarios (``tests/redis/scenario_*.py``) against the C library through
the Python binding, one subprocess per scenario, and prints a summary as its last line:
``N passed, M failed, K skipped in T s``.

Usage:
  python3 tests/redis/run_integration.py                     # every scenario
  python3 tests/redis/run_integration.py --list              # scenario names
  python3 tests/redis/run_integration.py --only offline,burst   # names containing a word
  python3 tests/redis/run_integration.py --continue-on-fail  # do not stop at the first failure

Redis: ``LINER_TEST_REDIS_URL`` when set (used as is); otherwise
``redis://127.0.0.1:$LINER_TEST_REDIS_PORT/`` (port default 16379). When nothing listens on
that port, a private ``redis-server`` is started there (no persistence, own temp dir) and
stopped by its PID at exit; a server that was already running is used and left alone.

Scenarios inspect Redis keys through ``_resp.py`` (a small RESP client), so neither the
``redis`` package nor ``redis-cli`` is needed; a passed scenario deletes the keys of its
run, a failed one leaves them for inspection.

Library: ``$LINER_LIB`` when set, else ``${CARGO_TARGET_DIR:-target}/release/libliner_broker.so``,
built with ``cargo build --release -p liner-p2p-c`` when missing. Scenario knobs:
``LINER_TEST_BURST_N`` (default 1000), ``LINER_TEST_TIMEOUT`` (seconds per scenario, default
120). Exit status: 0 when nothing failed, 1 otherwise, 2 on a usage or setup error.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _redis_server import LocalRedis, answers_ping, listening  # noqa: E402
from _support import REPO_ROOT, default_library  # noqa: E402

SCENARIO_PREFIX = "scenario_"
SKIPPED_EXIT = 77


def scenarios() -> List[Path]:
    return sorted(HERE.glob(f"{SCENARIO_PREFIX}*.py"))


def short_name(script: Path) -> str:
    return script.stem[len(SCENARIO_PREFIX):]


def ensure_library() -> Path:
    """``$LINER_LIB`` when set (it must exist), else the release build, built when missing."""
    explicit = os.environ.get("LINER_LIB")
    if explicit:
        if not Path(explicit).is_file():
            raise RuntimeError(f"LINER_LIB={explicit} is not a file")
        return Path(explicit)
    library = default_library()
    if not library.exists():
        print(f"{library} is missing: building it", flush=True)
        command = ["cargo", "build", "--release", "-p", "liner-p2p-c"]
        subprocess.run(command, cwd=REPO_ROOT, check=True)
        if not library.exists():
            raise RuntimeError(f"cargo built, but {library} still does not exist")
    return library


def redis_for_tests() -> "tuple[str, Optional[LocalRedis]]":
    """The URL to test against and, when the harness started it, the server to stop."""
    url = os.environ.get("LINER_TEST_REDIS_URL")
    if url:
        if not answers_ping(url):
            raise RuntimeError(f"LINER_TEST_REDIS_URL={url} does not answer PING")
        return url, None
    port = int(os.environ.get("LINER_TEST_REDIS_PORT", "16379"))
    if not listening(port):
        server = LocalRedis(port)
        print(f"started redis-server pid {server.pid} on 127.0.0.1:{port}", flush=True)
        return server.url, server
    url = f"redis://127.0.0.1:{port}/"
    if not answers_ping(url):
        raise RuntimeError(f"something listens on 127.0.0.1:{port} but does not answer PING")
    print(f"using the Redis already listening on 127.0.0.1:{port}", flush=True)
    return url, None


def run_one(script: Path, env: dict, timeout: float) -> "tuple[str, float, str]":
    """Runs one scenario; returns (outcome, seconds, output)."""
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, str(script)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        output = (expired.output or b"").decode("utf-8", errors="replace")
        return "failed", time.monotonic() - start, output + f"\ntimed out after {timeout:.0f} s"
    output = done.stdout.decode("utf-8", errors="replace")
    if done.returncode == 0:
        outcome = "passed"
    elif done.returncode == SKIPPED_EXIT:
        outcome = "skipped"
    else:
        outcome = "failed"
        output += f"\nexit status {done.returncode}"
    return outcome, time.monotonic() - start, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the scenario names and exit")
    parser.add_argument("--only", default="", help="comma-separated name substrings to run")
    parser.add_argument(
        "--continue-on-fail", action="store_true", help="run the rest after a failure"
    )
    args = parser.parse_args()

    selected = scenarios()
    if args.list:
        for script in selected:
            print(short_name(script))
        return 0
    words = [word.strip() for word in args.only.split(",") if word.strip()]
    if words:
        selected = [s for s in selected if any(word in short_name(s) for word in words)]
    if not selected:
        print(f"no scenario matches --only {args.only!r} (see --list)", file=sys.stderr)
        return 2

    # A SIGTERM unwinds like an exception, so a private redis-server is still stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    try:
        library = ensure_library()
        url, server = redis_for_tests()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        print(f"setup failed: {error}", file=sys.stderr)
        return 2
    timeout = float(os.environ.get("LINER_TEST_TIMEOUT", "120"))
    env = dict(os.environ, LINER_TEST_REDIS_URL=url, LINER_LIB=str(library))
    # The scenario's own watchdog fires first and prints where every thread was stuck.
    env["LINER_TEST_TIMEOUT"] = str(timeout - min(5.0, timeout / 5))
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    try:
        for index, script in enumerate(selected):
            name = short_name(script)
            outcome, took, output = run_one(script, env, timeout)
            counts[outcome] += 1
            print(f"{outcome.upper():7} {name} ({took:.1f} s)", flush=True)
            if outcome == "failed":
                print("    " + output.strip().replace("\n", "\n    "), flush=True)
                if not args.continue_on_fail:
                    counts["skipped"] += len(selected) - index - 1
                    break
    finally:
        if server is not None:
            server.stop()
            print(f"stopped redis-server pid {server.pid}", flush=True)
    elapsed = time.monotonic() - started
    print(
        f"{counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped in {elapsed:.1f} s"
    )
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
