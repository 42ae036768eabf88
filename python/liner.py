"""ctypes binding of liner's C library (``libliner_broker.so``, ``include/liner.h``).

Usage::

    import liner
    liner.loadLib("target/release/libliner_broker.so")
    with liner.Client("my_unique_name", "my_topic", "127.0.0.1:0",
                      "redis://127.0.0.1/") as c:
        c.run(lambda to, from_, data: print(to, from_, data))
        c.refresh_address_topic("their_topic")
        c.send_to("their_topic", b"hello")          # at-least-once by default

The methods mirror the ``lnr_*`` functions and keep their style: most return ``True`` on
success and ``False`` on failure, with the reason in ``last_error_code()`` (one of the
``LNR_ERR_*`` constants) and ``last_error_message()``. Only two things raise ``LinerError``:
a ``Client`` that cannot be created (the library returned NULL; the message is the library's
log line saying why) and any call on a closed client.

Callbacks (receive, status, log) run on the library's threads. They may call ``send_to``,
``send_all``, ``subscribe`` and the other non-lifecycle methods, but not ``run``, ``stop``
or ``close`` of their own client (the library refuses: it would have to join the calling
thread). The library's next message on that thread waits until the callback returns, so keep
callbacks short. An exception raised in the receive callback refuses the message: it is not
acknowledged and comes again later, before anything newer from the same sender
(``lnr_run_fallible``); the first traceback of a run is printed, later ones in one line. An
exception in a status or log callback is printed by ctypes and otherwise ignored.

The C callback objects are kept on the ``Client`` (and, for the log callback, in this module)
for as long as the library may call them, so they are never garbage-collected under it.
Clients still open at interpreter exit are closed by an ``atexit`` hook before Python tears
down.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import sys
import threading
import traceback
import weakref
from ctypes import (
    CFUNCTYPE,
    POINTER,
    c_bool,
    c_char,
    c_char_p,
    c_int,
    c_int32,
    c_int64,
    c_longlong,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Callable, List, NamedTuple, Optional, Tuple, Union

# Error codes of lnr_last_error_code.
LNR_OK = 0
LNR_ERR_NOT_RUNNING = 1
LNR_ERR_ALREADY_RUNNING = 2
LNR_ERR_SELF_TOPIC = 3
LNR_ERR_INTERNAL_TOPIC = 4
LNR_ERR_NO_ADDR = 5
LNR_ERR_BIND = 6
LNR_ERR_STORE = 7
LNR_ERR_INVALID_ARG = 8
LNR_ERR_CLEAR_WHILE_RUNNING = 9
LNR_ERR_STARTUP = 10
LNR_ERR_BUSY = 11
LNR_ERR_ABANDONED = 12
LNR_ERR_DUPLICATE_NAME = 13
LNR_ERR_SEQ_EXHAUSTED = 14

# Kinds of the status callback.
LNR_PEER_CONNECTED = 1
LNR_PEER_DISCONNECTED = 2
LNR_PEER_SUBSCRIBED = 3
LNR_PEER_UNSUBSCRIBED = 4
LNR_SENDER_ROUTE_LOST = 5
LNR_SENDER_STORE_ERROR = 6
LNR_SENDER_SEND_ERROR = 7
LNR_LISTENER_STORE_ERROR = 8
LNR_SENDER_BUSY = 9
LNR_PEER_PROTOCOL_ERROR = 10
LNR_FRAMES_ABANDONED = 11
LNR_PARKED_DROPPED = 12
LNR_PEER_UNAUTHORIZED = 13
LNR_PEER_LIMITED = 14
LNR_ROUTES_TRUNCATED = 15

ERROR_NAMES = {v: k for k, v in globals().items() if k == "LNR_OK" or k.startswith("LNR_ERR_")}
STATUS_NAMES = {
    v: k for k, v in globals().items() if k.startswith("LNR_") and k not in ERROR_NAMES.values()
}

# Callback types, exactly as typedef'd in include/liner.h.
RECEIVE_CB = CFUNCTYPE(None, c_char_p, c_char_p, POINTER(c_char), c_size_t, c_void_p)
FALLIBLE_RECEIVE_CB = CFUNCTYPE(c_int, c_char_p, c_char_p, POINTER(c_char), c_size_t, c_void_p)
STATUS_CB = CFUNCTYPE(None, c_int, c_char_p, c_char_p, c_char_p, c_void_p)
LOG_CB = CFUNCTYPE(None, c_char_p, c_void_p)
ADDR_CB = CFUNCTYPE(None, c_char_p, c_char_p, c_void_p)
PENDING_CB = CFUNCTYPE(None, c_char_p, c_char_p, c_char_p, c_longlong, c_void_p)
PEER_CB = CFUNCTYPE(None, c_char_p, c_char_p, c_bool, c_int64, c_int64, c_void_p)

_HANDLE = c_void_p
_TEXT_ARG = [_HANDLE, c_char_p]
_SEND_ARGS = [_HANDLE, c_char_p, c_char_p, c_size_t, c_bool]

# name: (restype, argtypes)
_PROTOTYPES = {
    "lnr_version": (c_char_p, []),
    "lnr_max_clients": (c_size_t, []),
    "lnr_new_client_redis": (_HANDLE, [c_char_p, c_char_p, c_char_p, c_char_p]),
    "lnr_delete_client": (c_bool, [_HANDLE]),
    "lnr_last_error_code": (c_int, [_HANDLE]),
    "lnr_last_error_message": (c_char_p, [_HANDLE]),
    "lnr_run": (c_bool, [_HANDLE, RECEIVE_CB, c_void_p]),
    "lnr_run_fallible": (c_bool, [_HANDLE, FALLIBLE_RECEIVE_CB, c_void_p]),
    "lnr_stop": (c_bool, [_HANDLE]),
    "lnr_is_running": (c_bool, [_HANDLE]),
    "lnr_send_to": (c_bool, _SEND_ARGS),
    "lnr_send_all": (c_bool, _SEND_ARGS),
    "lnr_subscribe": (c_bool, _TEXT_ARG),
    "lnr_unsubscribe": (c_bool, _TEXT_ARG),
    "lnr_refresh_address_topic": (c_bool, _TEXT_ARG),
    "lnr_clear_stored_messages": (c_bool, [_HANDLE]),
    "lnr_clear_addresses_of_topic": (c_bool, [_HANDLE]),
    "lnr_set_status_cb": (c_bool, [_HANDLE, STATUS_CB, c_void_p]),
    "lnr_set_log_cb": (c_bool, [LOG_CB, c_void_p]),
    "lnr_list_addresses": (c_bool, [_HANDLE, c_char_p, ADDR_CB, c_void_p]),
    "lnr_pending_count": (c_longlong, [_HANDLE]),
    "lnr_pending_by_peer": (c_bool, [_HANDLE, PENDING_CB, c_void_p]),
    "lnr_set_max_message_size": (c_bool, [c_size_t]),
    "lnr_get_max_message_size": (c_size_t, []),
    "lnr_set_compress_threshold": (c_bool, [c_size_t]),
    "lnr_get_compress_threshold": (c_size_t, []),
    "lnr_set_max_send_queue": (c_bool, [c_size_t]),
    "lnr_get_max_send_queue": (c_size_t, []),
    "lnr_set_advertise_addr": (c_bool, _TEXT_ARG),
    "lnr_advertise_addr": (c_char_p, [_HANDLE]),
    "lnr_bound_listen_addr": (c_char_p, [_HANDLE]),
    "lnr_published_addr": (c_char_p, [_HANDLE]),
    # liner-p2p additions (not in liner 1.4).
    "lnr_unique_name": (c_char_p, [_HANDLE]),
    "lnr_list_peers": (c_bool, [_HANDLE, c_char_p, PEER_CB, c_void_p]),
    "lnr_config_reset": (c_bool, []),
    "lnr_config_set_secret": (c_bool, [c_char_p]),
    "lnr_config_has_secret": (c_bool, []),
}

# The lnr_config_* settings (liner-p2p additions) by name: lnr_config_set_<name>(value) and
# lnr_config_<name>(), each taking and returning this C type. See config_set.
_CONFIG_SETTINGS = {
    "window_bytes": c_size_t,
    "recv_buffer_bytes": c_size_t,
    "max_peers": c_size_t,
    "send_timeout_ms": c_uint32,
    "connect_timeout_ms": c_uint32,
    "redis_timeout_ms": c_uint32,
    "stop_timeout_ms": c_uint32,
    "liveness_ttl_ms": c_uint32,
    "retention_s": c_uint32,
    "retention_drops_parked": c_bool,
    "max_parked": c_uint64,
    "max_parked_age_ms": c_uint64,
    "max_handshakes": c_size_t,
    "max_handshakes_per_source": c_size_t,
    "max_conns_per_source": c_size_t,
    "large_frame_budget": c_size_t,
    "min_frame_rate": c_size_t,
    "max_route_topics": c_size_t,
    "max_listeners_per_topic": c_size_t,
    "park_replicas": c_int32,
    "park_confirm_timeout_ms": c_uint32,
}
# Settings taking a file path (str, bytes or os.PathLike; None or "" clears), set through
# config_set and not readable back.
_PATH_SETTINGS = ("redis_ca_file",)
# Settings taking a string: the secret with a function of its own (set_secret), the paths.
_STRING_SETTINGS = ("secret",) + _PATH_SETTINGS
for _name in _PATH_SETTINGS:
    _PROTOTYPES[f"lnr_config_set_{_name}"] = (c_bool, [c_char_p])
for _name, _ctype in _CONFIG_SETTINGS.items():
    _PROTOTYPES[f"lnr_config_set_{_name}"] = (c_bool, [_ctype])
    _PROTOTYPES[f"lnr_config_{_name}"] = (_ctype, [])
del _name, _ctype

Data = Union[bytes, bytearray, memoryview, str]
ReceiveCallback = Callable[[str, str, bytes], None]
StatusCallback = Callable[[int, str, str, str], None]
LogCallback = Callable[[str], None]


class LinerError(RuntimeError):
    """A client could not be created, the library is not loaded, or a client is closed."""


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


_lib: Optional[ctypes.CDLL] = None
_user_log: Optional[LogCallback] = None
_last_log = threading.local()
_open_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()


def _text(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8", errors="replace")


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


def _dispatch_log(message: Optional[bytes], _user: Optional[int]) -> None:
    # Installed once per loaded library: remembers the line per thread (so a failed
    # constructor can quote it) and forwards it to the user's callback or to stderr.
    line = _text(message) or ""
    _last_log.line = line
    callback = _user_log
    if callback is None:
        sys.stderr.write(f"liner: {line}\n")
    else:
        callback(line)


_LOG_TRAMPOLINE = LOG_CB(_dispatch_log)


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


def loadLib(path: str) -> None:
    """Loads the C library at ``path`` and declares every function's C types.

    Raises ``OSError`` if the file cannot be loaded and ``LinerError`` if it lacks one of the
    functions this binding uses (a library of another version).
    """
    global _lib
    lib = ctypes.CDLL(path)
    missing = [name for name in _PROTOTYPES if not hasattr(lib, name)]
    if missing:
        raise LinerError(f"{path} does not export: {', '.join(missing)}")
    for name, (restype, argtypes) in _PROTOTYPES.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    lib.lnr_set_log_cb(_LOG_TRAMPOLINE, None)
    _lib = lib


def _loaded() -> ctypes.CDLL:
    if _lib is None:
        raise LinerError("the liner library is not loaded: call liner.loadLib(path) first")
    return _lib


def version() -> str:
    """The library's version string."""
    return _text(_loaded().lnr_version()) or ""


def max_clients() -> int:
    """How many clients can be alive at once in this process (``lnr_max_clients``): the
    size of the library's handle table, 256 unless it was built with ``LINER_MAX_CLIENTS``."""
    return _loaded().lnr_max_clients()


def set_log_callback(callback: Optional[LogCallback]) -> bool:
    """Routes the library's diagnostic lines (process-wide) to ``callback(line)``; ``None``
    restores the default, which writes ``liner: <line>`` to ``sys.stderr``. The callback may
    run on any thread."""
    global _user_log
    _loaded()
    _user_log = callback
    return True


def set_max_message_size(size: int) -> bool:
    """Largest payload accepted by ``send_to``/``send_all`` (process-wide); 0 is rejected."""
    return _loaded().lnr_set_max_message_size(size)


def get_max_message_size() -> int:
    return _loaded().lnr_get_max_message_size()


def set_compress_threshold(size: int) -> bool:
    """Payloads above this size may be compressed (process-wide); 0 is rejected."""
    return _loaded().lnr_set_compress_threshold(size)


def get_compress_threshold() -> int:
    return _loaded().lnr_get_compress_threshold()


def set_max_send_queue(size: int) -> bool:
    """Per-peer in-memory send bound in bytes (process-wide); 0 means the library default."""
    return _loaded().lnr_set_max_send_queue(size)


def get_max_send_queue() -> int:
    return _loaded().lnr_get_max_send_queue()


def _config_type(name: str):
    try:
        return _CONFIG_SETTINGS[name]
    except KeyError:
        known = ", ".join([*_CONFIG_SETTINGS, *_PATH_SETTINGS])
        raise ValueError(f"no liner setting {name!r}; the settings are: {known}") from None


def _set_path(name: str, value: "Union[str, bytes, os.PathLike, None]") -> bool:
    if value is not None and not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} takes a path or None, not {type(value).__name__}")
    path = None if value is None else os.fsencode(value)
    if path is not None and b"\0" in path:
        raise ValueError(f"the {name} path must not contain a NUL byte")
    return getattr(_loaded(), f"lnr_config_set_{name}")(path or None)


def config_set(name: str, value: "Union[int, bool, str, os.PathLike, None]") -> bool:
    """Sets the process-wide setting ``name`` for clients created afterwards
    (``lnr_config_set_<name>``, docs/c-api.md, "Capacities"); ``False`` when the library
    refuses the value (it logs why) and the setting is unchanged.

    Capacities and timeouts, where 0 restores the default: ``window_bytes``,
    ``recv_buffer_bytes``, ``max_peers``, ``send_timeout_ms``, ``connect_timeout_ms``,
    ``redis_timeout_ms``, ``stop_timeout_ms``. Liveness, retention and parked queues
    (docs/operations.md): ``liveness_ttl_ms`` (0 refused), ``retention_s`` (0 keeps everything
    forever), ``retention_drops_parked`` (a bool), ``max_parked`` and ``max_parked_age_ms``
    (0: no limit). Inbound limits (docs/operations.md, "Trust boundary"), 0 restoring the
    default: ``max_handshakes``, ``max_handshakes_per_source``, ``max_conns_per_source``,
    ``large_frame_budget`` (bytes; the default 0 is automatic) and ``min_frame_rate`` (bytes
    per second). Parking durability (docs/operations.md, "Parking durability"):
    ``park_replicas`` (-1 automatic, the default; 0 never wait; n replicas) and
    ``park_confirm_timeout_ms`` (0 restores 1000). ``redis_ca_file``: the CA file (PEM) a ``rediss://`` server's certificate
    must be signed by (a path; ``None`` or ``""`` clears it, and ``LINER_REDIS_CA_FILE`` then
    applies; it cannot be read back). The shared secret has its own ``set_secret``. An int
    outside the C type's range raises ``ValueError``, another type ``TypeError``, an unknown
    name ``ValueError``."""
    if name in _PATH_SETTINGS:
        return _set_path(name, value)
    ctype = _config_type(name)
    if ctype is c_bool:
        if not isinstance(value, bool):
            raise TypeError(f"{name} takes a bool, not {type(value).__name__}")
    else:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} takes an int, not {type(value).__name__}")
        # ctypes would wrap a value outside the C type's range silently.
        bits = 8 * ctypes.sizeof(ctype)
        low, high = (-(1 << (bits - 1)), 1 << (bits - 1)) if ctype is c_int32 else (0, 1 << bits)
        if not low <= value < high:
            raise ValueError(f"{name}={value} is outside the range of its C type")
    return getattr(_loaded(), f"lnr_config_set_{name}")(value)


def config_get(name: str) -> Union[int, bool]:
    """The value of the process-wide setting ``name`` that clients created now get
    (``lnr_config_<name>``); see ``config_set``. A path setting cannot be read back
    (``ValueError``)."""
    if name in _PATH_SETTINGS:
        raise ValueError(f"{name} can be set, not read back")
    _config_type(name)
    return getattr(_loaded(), f"lnr_config_{name}")()


def set_secret(secret: Optional[Union[str, bytes]]) -> bool:
    """Sets the shared secret (at least 16 bytes, no NUL) that clients created afterwards
    prove to their peers and require from them (``lnr_config_set_secret``); ``None`` or empty
    clears it (clients then read ``LINER_SECRET`` from the environment). ``False`` when the
    library refuses it (too short; it logs why). The secret cannot be read back."""
    if isinstance(secret, str):
        secret = secret.encode()
    if secret is not None and b"\0" in secret:
        raise ValueError("the secret must not contain a NUL byte")
    return _loaded().lnr_config_set_secret(secret or None)


def has_secret() -> bool:
    """Whether a secret was set with ``set_secret`` (``lnr_config_has_secret``)."""
    return _loaded().lnr_config_has_secret()


def config_reset() -> bool:
    """Restores every process-wide setting, including the ``set_*`` ones above, to the
    library defaults (``lnr_config_reset``)."""
    return _loaded().lnr_config_reset()


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
        _last_log.line = None
        handle = lib.lnr_new_client_redis(_arg(unique_name), _arg(topic), _arg(localhost), _arg(url))
        if not handle:
            # The library logs why on this thread just before returning NULL.
            reason = getattr(_last_log, "line", None)
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
    if _lib is not None:
        _lib.lnr_set_log_cb(LOG_CB(), None)
