"""What every scenario script shares: loading the library, per-run unique names, clients on
the test Redis, a thread-safe inbox for received messages, waiting, checks, the offline queue
of a channel, and ``main`` (watchdog, exit code, cleanup of the run's keys).

Scenarios run as ``python3 tests/redis/scenario_X.py`` with these environment variables
(``run_integration.py`` sets them; defaults let a scenario run alone):

- ``LINER_TEST_REDIS_URL``: the Redis URL (default ``redis://127.0.0.1:$LINER_TEST_REDIS_PORT/``,
  port default 16379);
- ``LINER_LIB``: the C library (default ``${CARGO_TARGET_DIR:-target}/release/libliner_broker.so``);
- ``LINER_TEST_TIMEOUT``: seconds before the watchdog dumps every thread's stack and exits.
"""

from __future__ import annotations

import faulthandler
import os
import secrets
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable, List, Optional, Tuple

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "python"))

import liner  # noqa: E402
from _resp import Redis  # noqa: E402

# How long a scenario waits for any single expected event before failing.
WAIT_S = 30.0


class CheckFailed(AssertionError):
    """A scenario's expectation did not hold."""


def check(condition: object, what: str) -> None:
    """Fails the scenario with ``what`` unless ``condition`` holds (kept under ``python -O``)."""
    if not condition:
        raise CheckFailed(what)


def default_library() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR") or "target")
    if not target.is_absolute():
        target = REPO_ROOT / target
    return target / "release" / "libliner_broker.so"


def load_library() -> None:
    liner.loadLib(os.environ.get("LINER_LIB") or str(default_library()))


def redis_url() -> str:
    url = os.environ.get("LINER_TEST_REDIS_URL")
    if url:
        return url
    return f"redis://127.0.0.1:{os.environ.get('LINER_TEST_REDIS_PORT', '16379')}/"


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT_S, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


class Inbox:
    """Collects ``(to, from, data)`` from a receive callback, safely across threads."""

    def __init__(self) -> None:
        self._items: List[Tuple[str, str, bytes]] = []
        self._changed = threading.Condition()

    def __call__(self, to: str, from_: str, data: bytes) -> None:
        with self._changed:
            self._items.append((to, from_, data))
            self._changed.notify_all()

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)

    def items(self) -> List[Tuple[str, str, bytes]]:
        with self._changed:
            return list(self._items)

    def payloads(self) -> List[bytes]:
        return [data for _, _, data in self.items()]

    def texts(self) -> List[str]:
        return [data.decode("utf-8") for data in self.payloads()]

    def wait_for(self, count: int, timeout: float = WAIT_S) -> bool:
        """True once at least ``count`` messages arrived."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._items) >= count, timeout)


class Scenario:
    """Names, clients and Redis access of one scenario run. Every name starts with a prefix
    unique to the run, so reruns and parallel runs on a shared Redis never collide."""

    def __init__(self, tag: str) -> None:
        self.prefix = f"py{os.getpid()}{secrets.token_hex(3)}_{tag}_"
        self.url = redis_url()
        self.redis = Redis(self.url)
        self._clients: List[liner.Client] = []

    def name(self, role: str) -> str:
        return self.prefix + role

    def client(self, role: str, topic: Optional[str] = None) -> liner.Client:
        """A client named ``<prefix><role>`` listening on ``<prefix><topic or role>``."""
        c = liner.Client(self.name(role), self.name(topic or role), "127.0.0.1:0", self.url)
        self._clients.append(c)
        return c

    def running_listener(self) -> Tuple[liner.Client, Inbox]:
        """The client ``listener`` on its own topic, running, and the new inbox it fills."""
        inbox = Inbox()
        listener = self.client("listener")
        check(listener.run(inbox), f"listener run: {listener.last_error_message()}")
        return listener, inbox

    def running_sender(self, topic: str) -> liner.Client:
        """The client ``sender``, running (no receive callback), with ``topic`` looked up."""
        sender = self.client("sender")
        check(sender.run(None), f"sender run: {sender.last_error_message()}")
        check(sender.refresh_address_topic(topic), sender.last_error_message())
        return sender

    def queue_key(self, sender_role: str, sender_topic: str, listener_role: str) -> Optional[str]:
        """The Redis list parking the channel's offline messages, once its key exists."""
        ck = self.redis.get_text(
            f"lnr_connection:{self.name(sender_role)}:{self.name(sender_topic)}:"
            f"{self.name(listener_role)}:key"
        )
        return None if ck is None else f"lnr_connection:{ck}:messages"

    def parked(self, sender_role: str, sender_topic: str, listener_role: str) -> int:
        key = self.queue_key(sender_role, sender_topic, listener_role)
        return 0 if key is None else self.redis.llen(key)

    def close_clients(self) -> None:
        for c in self._clients:
            c.close()

    def delete_keys(self) -> None:
        """Removes the run's keys: every key naming the prefix, and the ``lnr_connection:{ck}:*``
        keys of the connection keys found among them."""
        keys = self.redis.scan_keys(f"lnr_*{self.prefix}*")
        for key in keys:
            if key.startswith("lnr_connection:") and key.endswith(":key"):
                ck = self.redis.get_text(key)
                if ck is not None:
                    keys.extend(self.redis.scan_keys(f"lnr_connection:{ck}:*"))
        for key in keys:
            self.redis.command("DEL", key)


def main(tag: str, body: Callable[[Scenario], None]) -> None:
    """Runs ``body`` and exits: 0 when it passed, 1 when a check failed or it raised. Keys of
    a passed run are deleted; a failed run leaves them for inspection."""
    timeout = float(os.environ.get("LINER_TEST_TIMEOUT", "120"))
    faulthandler.dump_traceback_later(timeout, exit=True)
    load_library()
    scenario = Scenario(tag)
    try:
        body(scenario)
    except CheckFailed as failure:
        print(f"FAIL {tag}: {failure}", flush=True)
        scenario.close_clients()
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        print(f"FAIL {tag}: unexpected exception (prefix {scenario.prefix})", flush=True)
        scenario.close_clients()
        sys.exit(1)
    scenario.close_clients()
    scenario.delete_keys()
    print(f"PASS {tag}", flush=True)
