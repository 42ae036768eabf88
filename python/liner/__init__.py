"""ctypes binding of liner's C library (``libliner_broker.so``, ``include/liner.h``).

Usage::

    import liner
    with liner.Client("my_unique_name", "my_topic", "127.0.0.1:0",
                      "redis://127.0.0.1/") as c:
        c.run(lambda to, from_, data: print(to, from_, data))
        c.refresh_address_topic("their_topic")
        c.send_to("their_topic", b"hello")          # at-least-once by default

The library is loaded on first use from ``$LINER_LIB``, next to this package, or the
system library path (``loadLib`` says where it looks, and takes an explicit path).

The methods mirror the ``lnr_*`` functions and keep their style: most return ``True`` on
success and ``False`` on failure, with the reason in ``last_error_code()`` (one of the
``LNR_ERR_*`` constants) and ``last_error_message()``. Only three things raise
``LinerError``: a library that cannot be found or lacks a function, a ``Client`` that cannot
be created (the library returned NULL; the message is the library's log line saying why) and
any call on a closed client.

Callbacks (receive, status, log) run on the library's threads. They may call ``send_to``,
``send_all``, ``subscribe`` and the other non-lifecycle methods, but not ``run``, ``stop``
or ``close`` of their own client (the library refuses: it would have to join the calling
thread). The library's next message on that thread waits until the callback returns, so keep
callbacks short. An exception raised in the receive callback refuses the message: it is not
acknowledged and comes again later, before anything newer from the same sender
(``lnr_run_fallible``); the first traceback of a run is printed, later ones in one line. An
exception in a status or log callback is printed by ctypes and otherwise ignored.

The C callback objects are kept on the ``Client`` (and, for the log callback, in this
package) for as long as the library may call them, so they are never garbage-collected under
it. Clients still open at interpreter exit are closed by an ``atexit`` hook before Python
tears down.
"""

from ._abi import *  # noqa: F401,F403 - the LNR_* constants, name tables, callback types
from ._library import (
    LIBRARY_ENV,
    LIBRARY_SONAME,
    LinerError,
    LogCallback,
    loadLib,
    max_clients,
    set_log_callback,
    version,
)
from .client import Client, Data, PendingPeer, Peer, ReceiveCallback, StatusCallback
from .metrics import Stats
from .settings import (
    config_get,
    config_reset,
    config_set,
    get_compress_threshold,
    get_max_message_size,
    get_max_send_queue,
    has_secret,
    set_compress_threshold,
    set_max_message_size,
    set_max_send_queue,
    set_secret,
)
