"""The process-wide settings: message size, compression and send-queue bounds, the
``lnr_config_*`` settings by name, and the shared secret. They apply to clients created
afterwards."""

from __future__ import annotations

import ctypes
import os
from ctypes import c_bool, c_int32
from typing import Optional, Union

from ._abi import _CONFIG_SETTINGS, _PATH_SETTINGS
from ._library import _loaded


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

