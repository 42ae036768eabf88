"""A minimal Redis client speaking RESP2 over a socket, for inspecting liner's keys.

The scenarios only read a few keys (GET, LLEN, HGETALL, SCAN) and delete their own, so a
hundred lines of protocol beat a dependency on the ``redis`` package or a ``redis-cli``
process per command. Understands the URL forms liner accepts:
``redis://[[user]:password@]host[:port][/db]`` and unix sockets as
``redis+unix:///path`` or ``unix:///path``, with ``?db=N&user=U&pass=P``.
"""

from __future__ import annotations

import socket
from typing import List, Optional, Union
from urllib.parse import parse_qs, unquote, urlparse

Reply = Union[None, int, bytes, str, List["Reply"]]


class RedisReplyError(RuntimeError):
    """Redis answered a command with an error reply."""


class Redis:
    """One connection; each ``command`` call sends a command and reads its reply."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parsed = urlparse(url)
        if parsed.scheme == "redis":
            address = (parsed.hostname or "127.0.0.1", parsed.port or 6379)
            self._sock = socket.create_connection(address, timeout=timeout)
            user = unquote(parsed.username) if parsed.username else None
            password = None if parsed.password is None else unquote(parsed.password)
            db = parsed.path.strip("/")
        elif parsed.scheme in ("redis+unix", "unix"):
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._sock.settimeout(timeout)
            self._sock.connect(parsed.path)
            query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
            user, password, db = query.get("user"), query.get("pass"), query.get("db")
        else:
            raise ValueError(f"unsupported Redis URL scheme in {url!r}")
        self._reader = self._sock.makefile("rb")
        if password is not None:
            self.command("AUTH", *([user, password] if user else [password]))
        if db:
            self.command("SELECT", db)

    def close(self) -> None:
        self._reader.close()
        self._sock.close()

    def __enter__(self) -> "Redis":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def command(self, *args: Union[str, bytes, int]) -> Reply:
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            raw = arg if isinstance(arg, bytes) else str(arg).encode("utf-8")
            parts.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
        self._sock.sendall(b"".join(parts))
        return self._read()

    def _read(self) -> Reply:
        line = self._reader.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("connection to Redis closed mid-reply")
        kind, body = line[:1], line[1:-2]
        if kind == b"+":
            return body.decode("utf-8")
        if kind == b"-":
            raise RedisReplyError(body.decode("utf-8", errors="replace"))
        if kind == b":":
            return int(body)
        if kind == b"$":
            size = int(body)
            if size < 0:
                return None
            data = self._reader.read(size + 2)
            return data[:-2]
        if kind == b"*":
            count = int(body)
            return None if count < 0 else [self._read() for _ in range(count)]
        raise ConnectionError(f"unexpected reply from Redis: {line!r}")

    # Typed helpers for the commands the scenarios use.

    def get_text(self, key: str) -> Optional[str]:
        value = self.command("GET", key)
        return None if value is None else value.decode("utf-8")

    def llen(self, key: str) -> int:
        return self.command("LLEN", key)

    def hgetall(self, key: str) -> dict:
        flat = self.command("HGETALL", key)
        return {
            flat[i].decode("utf-8"): flat[i + 1].decode("utf-8") for i in range(0, len(flat), 2)
        }

    def scan_keys(self, pattern: str) -> List[str]:
        keys: List[str] = []
        cursor = b"0"
        while True:
            cursor, batch = self.command("SCAN", cursor, "MATCH", pattern, "COUNT", 500)
            keys.extend(k.decode("utf-8") for k in batch)
            if cursor == b"0":
                return keys
