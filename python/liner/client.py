"""One liner client (``lnr_new_client_redis`` and the calls on its handle), the receive
callback that refuses a message by raising, and closing the clients still open at exit."""

from __future__ import annotations

import atexit
import ctypes
import sys
import threading
import traceback
import weakref
from typing import Callable, List, NamedTuple, Optional, Tuple, Union

from ._abi import ADDR_CB, FALLIBLE_RECEIVE_CB, PEER_CB, PENDING_CB, STATUS_CB
from ._library import (
    LinerError,
    _loaded,
    _stop_logging,
    _text,
    forget_last_log_line,
    last_log_line,
)
from .metrics import Stats, read_metrics_text, read_stats

Data = Union[bytes, bytearray, memoryview, str]
ReceiveCallback = Callable[[str, str, bytes], None]
StatusCallback = Callable[[int, str, str, str], None]


class PendingPeer(NamedTuple):
    """One listener's offline backlog, as reported by ``Client.pending_by_peer``."""

    addr: str
    topic: str
    unique_name: str
    count: int


class Peer(NamedTuple):
    """One catalog row of a topic with its liveness, as reported by ``Client.peers``. Times
    are unix milliseconds of the Redis clock, ``None`` when unknown."""

    addr: str
    unique_name: str
    live: bool
    """The client behind the row sent a heartbeat within its liveness TTL."""
    since_unix_ms: Optional[int]
    """When the row was registered ("live since" for a live row)."""
    last_seen_unix_ms: Optional[int]
    """The last heartbeat of the client behind the row (a dead one's last sign of life)."""


_open_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()


def _arg(text: str) -> bytes:
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return text.encode("utf-8")


def _payload(data: Data) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"data must be bytes, bytearray, memoryview or str, not {type(data).__name__}")


def _refusing_on_exception(receive_cb: ReceiveCallback):
    """The C receive callback around ``receive_cb``: 0 when it returned, 1 (refused, deliver
    again) when it raised. An exception must not escape into ctypes, which would print it
    and return 0, acknowledging a message nobody processed."""
    printed = threading.Event()

    def on_message(to, from_, data, size, _user) -> int:
        try:
            receive_cb(_text(to), _text(from_), ctypes.string_at(data, size) if size else b"")
        except BaseException as exc:  # noqa: B036 - even SystemExit must not ack the message
            _report_refusal(exc, printed)
            return 1
        return 0

    return on_message


def _report_refusal(exc: BaseException, printed: threading.Event) -> None:
    # A refused message comes back, maybe failing the same way: the whole traceback once per
    # run, then one line per refusal.
    if printed.is_set():
        sys.stderr.write(f"liner: receive callback raised {exc!r}; refused, it will come again\n")
        return
    printed.set()
    sys.stderr.write("liner: receive callback raised; the message is refused and will come again\n")
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)



class Client:
    """One liner client on the Redis backend (``lnr_new_client_redis``).

    ``unique_name`` identifies this process across restarts (it keys the offline queues and
    cursors), ``topic`` is the topic it listens on, ``localhost`` the bind address
    (``"127.0.0.1:0"`` for an ephemeral port) and ``url`` the Redis URL shared by every peer.
    Raises ``LinerError`` with the library's reason when the client cannot be created
    (empty or invalid name, Redis unreachable, no free client slot).
    """

    def __init__(self, unique_name: str, topic: str, localhost: str, url: str) -> None:
        self._handle: Optional[int] = None
        self._keepalive: List[object] = []
        lib = _loaded()
        self._lib = lib
        forget_last_log_line()
        handle = lib.lnr_new_client_redis(_arg(unique_name), _arg(topic), _arg(localhost), _arg(url))
        if not handle:
            # The library logs why on this thread just before returning NULL.
            reason = last_log_line()
            raise LinerError(reason or f"cannot create liner client {unique_name!r} (see stderr)")
        self._handle = handle
        _open_clients.add(self)

    # -- lifecycle ----------------------------------------------------------------------

    def _h(self) -> int:
        if self._handle is None:
            raise LinerError("this liner client is closed")
        return self._handle

    def _keep(self, c_callback: object) -> object:
        # The library may call a replaced callback once more, so none is released before close.
        self._keepalive.append(c_callback)
        return c_callback

    def run(self, receive_cb: Optional[ReceiveCallback]) -> bool:
        """Binds, registers this client's topics and starts receiving:
        ``receive_cb(to_topic, from_topic, data: bytes)`` is called for each message on a
        library thread (``None``: a send-only client). A message whose callback raises is
        refused and delivered again later. True if already running (the new callback is
        then ignored)."""
        if receive_cb is None:
            c_cb = FALLIBLE_RECEIVE_CB()
        else:
            c_cb = self._keep(FALLIBLE_RECEIVE_CB(_refusing_on_exception(receive_cb)))
        return self._lib.lnr_run_fallible(self._h(), c_cb, None)

    def stop(self) -> bool:
        """Unregisters, parks unacknowledged at-least-once messages in Redis and joins the
        client's threads. ``run`` may be called again."""
        return self._lib.lnr_stop(self._h())

    def is_running(self) -> bool:
        return self._lib.lnr_is_running(self._h())

    def close(self) -> bool:
        """Stops and frees the client. True the first time, False afterwards. Refused (False,
        client left open) when called from one of this client's own callbacks."""
        handle = self._handle
        if handle is None:
            return False
        ok = self._lib.lnr_delete_client(handle)
        # A refused delete leaves the handle valid (its error message is readable); any other
        # failure means the library no longer knows it.
        if ok or self._lib.lnr_last_error_message(handle) is None:
            self._handle = None
            self._keepalive.clear()
            _open_clients.discard(self)
        return ok

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None:
            self.close()

    # -- messages -----------------------------------------------------------------------

    def send_to(self, topic: str, data: Data, at_least_once: bool = True) -> bool:
        """Sends ``data`` (bytes-like, or str as UTF-8) to one receiver of ``topic``
        (round-robin). True means accepted, also when the receiver is offline."""
        payload = _payload(data)
        return self._lib.lnr_send_to(self._h(), _arg(topic), payload, len(payload), at_least_once)

    def send_all(self, topic: str, data: Data, at_least_once: bool = True) -> bool:
        """Sends ``data`` to every address registered under ``topic``."""
        payload = _payload(data)
        return self._lib.lnr_send_all(self._h(), _arg(topic), payload, len(payload), at_least_once)

    # -- topics and catalog -------------------------------------------------------------

    def subscribe(self, topic: str) -> bool:
        return self._lib.lnr_subscribe(self._h(), _arg(topic))

    def unsubscribe(self, topic: str) -> bool:
        """Stops listening on ``topic`` and removes this client's catalog rows of it, also
        in a process that never subscribed to it (a row a crashed predecessor left)."""
        return self._lib.lnr_unsubscribe(self._h(), _arg(topic))

    def refresh_address_topic(self, topic: str) -> bool:
        """Reloads the addresses of ``topic`` from the store; False with
        ``LNR_ERR_NO_ADDR`` while it has none."""
        return self._lib.lnr_refresh_address_topic(self._h(), _arg(topic))

    def clear_stored_messages(self) -> bool:
        """Deletes this sender's offline queues (only while stopped)."""
        return self._lib.lnr_clear_stored_messages(self._h())

    def clear_addresses_of_topic(self) -> bool:
        """Deletes the catalog of this client's topic (only while stopped)."""
        return self._lib.lnr_clear_addresses_of_topic(self._h())

    def list_addresses(self, topic: str) -> Optional[List[Tuple[str, str]]]:
        """Catalog rows of ``topic`` as ``(address, unique_name)``; None on error."""
        rows: List[Tuple[str, str]] = []

        def on_row(addr, unique_name, _user):
            rows.append((_text(addr), _text(unique_name)))

        ok = self._lib.lnr_list_addresses(self._h(), _arg(topic), ADDR_CB(on_row), None)
        return rows if ok else None

    def peers(self, topic: str) -> Optional[List[Peer]]:
        """Catalog rows of ``topic`` with whether each client is alive, since when its row is
        registered and when it last sent a heartbeat (``lnr_list_peers``), sorted by
        address; None on error. Rows of dead clients are reported, not removed."""
        rows: List[Peer] = []

        def on_row(addr, unique_name, live, since, last_seen, _user):
            rows.append(Peer(_text(addr), _text(unique_name), bool(live),
                             None if since < 0 else since,
                             None if last_seen < 0 else last_seen))

        ok = self._lib.lnr_list_peers(self._h(), _arg(topic), PEER_CB(on_row), None)
        return rows if ok else None

    def pending_count(self) -> int:
        """Offline messages of this sender waiting in the store; -1 on error."""
        return self._lib.lnr_pending_count(self._h())

    def pending_by_peer(self) -> Optional[List[PendingPeer]]:
        """The same per listener; None on error."""
        peers: List[PendingPeer] = []

        def on_peer(addr, topic, unique_name, count, _user):
            peers.append(PendingPeer(_text(addr), _text(topic), _text(unique_name), count))

        ok = self._lib.lnr_pending_by_peer(self._h(), PENDING_CB(on_peer), None)
        return peers if ok else None

    # -- metrics (docs/metrics.md) ------------------------------------------------------

    def stats(self) -> Optional[Stats]:
        """This client's counters and gauges (``lnr_stats``); also while stopped. None on
        error."""
        return read_stats(self._lib, self._h())

    def metrics_text(self) -> Optional[str]:
        """The Prometheus text exposition (format 0.0.4) of this client's counters and
        gauges (``lnr_metrics_text``), to serve from your own HTTP endpoint. None on error."""
        return read_metrics_text(self._lib, self._h())

    def set_status_callback(self, callback: Optional[StatusCallback]) -> bool:
        """``callback(kind, topic, peer, message)`` with ``kind`` one of ``LNR_PEER_*`` /
        ``LNR_SENDER_*`` / ``LNR_LISTENER_*``; ``None`` removes it. Runs on library threads."""
        if callback is None:
            c_cb = STATUS_CB()
        else:

            def on_status(kind, topic, peer, message, _user):
                callback(kind, _text(topic), _text(peer), _text(message))

            c_cb = self._keep(STATUS_CB(on_status))
        return self._lib.lnr_set_status_cb(self._h(), c_cb, None)

    # -- errors and addresses -----------------------------------------------------------

    def last_error_code(self) -> int:
        """Code of the last failed call on this client (``LNR_OK`` after a success)."""
        return self._lib.lnr_last_error_code(self._h())

    def last_error_message(self) -> str:
        return _text(self._lib.lnr_last_error_message(self._h())) or ""

    def set_advertise_addr(self, addr: Optional[str]) -> bool:
        """Address published in the catalog instead of the bind address (only while
        stopped); port 0 is replaced by the bound port. ``None`` publishes the bind address."""
        return self._lib.lnr_set_advertise_addr(self._h(), None if addr is None else _arg(addr))

    def advertise_addr(self) -> Optional[str]:
        return _text(self._lib.lnr_advertise_addr(self._h()))

    def bound_listen_addr(self) -> Optional[str]:
        """The address the listener is bound to (after the first ``run``)."""
        return _text(self._lib.lnr_bound_listen_addr(self._h()))

    def published_addr(self) -> Optional[str]:
        """The address registered in the catalog while running."""
        return _text(self._lib.lnr_published_addr(self._h()))

    def unique_name(self) -> str:
        return _text(self._lib.lnr_unique_name(self._h())) or ""



@atexit.register
def _close_open_clients() -> None:
    # Library threads must not call into Python while the interpreter is being torn down.
    for client in list(_open_clients):
        client.close()
    _stop_logging()
