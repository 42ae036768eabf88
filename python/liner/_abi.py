"""What ``include/liner.h`` declares, in ctypes terms: the error and status constants, the
callback types, every function's prototype and the ``lnr_config_*`` settings by name.
``python/test_liner_header.py`` checks all of it against the header."""

from __future__ import annotations

from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
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

# The fields of lnr_stats_t after `size`, in order: every one a uint64_t (the library only
# ever appends fields).
STATS_FIELDS = (
    "delivered",
    "duplicates",
    "unknown_topic",
    "rejected_connections",
    "callback_panics",
    "refused",
    "abandoned",
    "best_effort_dropped",
    "parked_dropped",
    "channels_removed",
    "peers_known",
    "peers_connected",
    "listening_topics",
)


class LnrStats(Structure):
    """``lnr_stats_t``: ``size`` (in: this struct's size; out: the bytes filled), then the
    counters and gauges."""

    _fields_ = [("size", c_uint64)] + [(name, c_uint64) for name in STATS_FIELDS]


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
    "lnr_stats": (c_bool, [_HANDLE, POINTER(LnrStats)]),
    "lnr_metrics_text": (c_longlong, [_HANDLE, POINTER(c_char), c_size_t]),
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

# What ``from liner._abi import *`` (the package's __init__) makes public: the constants,
# their name tables and the callback types.
__all__ = [name for name in dict(globals()) if name.startswith("LNR_")] + [
    "ERROR_NAMES",
    "STATUS_NAMES",
    "RECEIVE_CB",
    "FALLIBLE_RECEIVE_CB",
    "STATUS_CB",
    "LOG_CB",
    "ADDR_CB",
    "PENDING_CB",
    "PEER_CB",
]
