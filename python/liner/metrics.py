"""A client's counters and gauges (``lnr_stats``) and their Prometheus text exposition
(``lnr_metrics_text``), docs/metrics.md. ``Client.stats()`` and ``Client.metrics_text()``
call these."""

from __future__ import annotations

import ctypes
from typing import NamedTuple, Optional

from ._abi import STATS_FIELDS, LnrStats
from ._library import LinerError

# Room for counters that grow between measuring the text and writing it.
_METRICS_HEADROOM = 256


class Stats(NamedTuple):
    """Counters (only grow, from 0 when the client was created) and gauges (the value at the
    time of the call) of one client, as ``lnr_stats_t`` reports them."""

    delivered: int
    """Messages handed to the receive callback."""
    duplicates: int
    """Messages received again after a reconnect and dropped as already delivered."""
    unknown_topic: int
    """Messages for a topic key this client does not know (the sender sends them again)."""
    rejected_connections: int
    """Inbound connections closed for a protocol error or a refused handshake."""
    callback_panics: int
    """Receive callback calls that panicked in the library (each also counts in refused)."""
    refused: int
    """Messages the receive callback refused (it raised): delivered again later."""
    abandoned: int
    """At-least-once messages ``stop`` could neither deliver nor park in Redis (lost)."""
    best_effort_dropped: int
    """Best-effort messages dropped: peer unreachable or its window full."""
    parked_dropped: int
    """Parked messages this client dropped on purpose (queue limits, retention)."""
    channels_removed: int
    """Channels the retention sweeps of this client removed."""
    peers_known: int
    """Gauge: listeners this client has sent to since it was created (connected or not)."""
    peers_connected: int
    """Gauge: outbound peers with an established connection."""
    listening_topics: int
    """Gauge: topics this client listens on: its own plus its subscriptions."""


def read_stats(lib: ctypes.CDLL, handle: int) -> Optional[Stats]:
    """``lnr_stats`` into a ``Stats``; None when the library refuses (bad handle).
    ``LinerError`` when the library fills fewer fields than this binding knows (an older
    library)."""
    raw = LnrStats(size=ctypes.sizeof(LnrStats))
    if not lib.lnr_stats(handle, ctypes.byref(raw)):
        return None
    if raw.size < ctypes.sizeof(LnrStats):
        raise LinerError(
            f"the library fills {raw.size} bytes of lnr_stats_t, this binding reads "
            f"{ctypes.sizeof(LnrStats)}: the library is older than the binding"
        )
    return Stats(*(getattr(raw, name) for name in STATS_FIELDS))


def read_metrics_text(lib: ctypes.CDLL, handle: int) -> Optional[str]:
    """``lnr_metrics_text``: measures, then writes into a buffer with headroom, measuring
    again in the rare case the counters outgrew it. None when the library refuses."""
    needed = lib.lnr_metrics_text(handle, None, 0)
    while needed >= 0:
        capacity = needed + 1 + _METRICS_HEADROOM
        buffer = ctypes.create_string_buffer(capacity)
        needed = lib.lnr_metrics_text(handle, buffer, capacity)
        if 0 <= needed < capacity:
            return buffer.raw[:needed].decode("utf-8", errors="replace")
    return None
