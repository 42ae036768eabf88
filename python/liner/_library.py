"""Finding and loading the C library (``libliner_broker.so``): the lookup order, the
function declarations, the process-wide log callback, and the text conversions every call
shares."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from pathlib import Path
from typing import Callable, List, Optional, Tuple, Union

from ._abi import _PROTOTYPES, LOG_CB

# The SONAME of the C ABI this binding speaks (docs/install.md, "Versions").
LIBRARY_SONAME = "libliner_broker.so.0"
LIBRARY_ENV = "LINER_LIB"

LogCallback = Callable[[str], None]
PathLike = Union[str, "os.PathLike[str]"]


class LinerError(RuntimeError):
    """The library cannot be found or lacks a function, a client could not be created, or a
    client is closed."""


_lib: Optional[ctypes.CDLL] = None
_load_lock = threading.Lock()
_user_log: Optional[LogCallback] = None
_last_log = threading.local()


def _text(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8", errors="replace")


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


def _candidates() -> List[Tuple[str, str]]:
    """Where the library may be, in lookup order, as ``(what, path or name for dlopen)``.
    An explicit ``LINER_LIB`` is the only candidate: a wrong one must not silently load
    another copy."""
    explicit = os.environ.get(LIBRARY_ENV)
    if explicit:
        return [(f"${LIBRARY_ENV}", explicit)]
    here = Path(__file__).resolve().parent
    found: List[Tuple[str, str]] = [
        ("next to the module", str(here / name))
        for name in (LIBRARY_SONAME, "libliner_broker.so")
    ]
    found.append(("the system library path", LIBRARY_SONAME))
    # find_library also sees an unversioned libliner_broker.so (e.g. through gcc's paths).
    by_name = ctypes.util.find_library("liner_broker")
    if by_name and by_name != LIBRARY_SONAME:
        found.append(("ctypes.util.find_library('liner_broker')", by_name))
    return found


def _find() -> Tuple[ctypes.CDLL, str]:
    tried = []
    for what, where in _candidates():
        if os.sep in where and not os.path.exists(where):
            tried.append(f"  {what}: {where}: no such file")
            continue
        try:
            return ctypes.CDLL(where), where
        except OSError as error:
            tried.append(f"  {what}: {error}")
    if not os.environ.get(LIBRARY_ENV):
        tried.insert(0, f"  ${LIBRARY_ENV}: not set")
    raise LinerError(
        "cannot load liner's C library (libliner_broker.so); looked at, in order:\n"
        + "\n".join(tried)
        + f"\nInstall it (docs/install.md), set {LIBRARY_ENV} to its path, or call"
        " liner.loadLib(path)."
    )


def _declare(lib: ctypes.CDLL, where: str) -> None:
    global _lib
    missing = [name for name in _PROTOTYPES if not hasattr(lib, name)]
    if missing:
        raise LinerError(f"{where} does not export: {', '.join(missing)}")
    for name, (restype, argtypes) in _PROTOTYPES.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    lib.lnr_set_log_cb(_LOG_TRAMPOLINE, None)
    _lib = lib


def loadLib(path: Optional[PathLike] = None) -> None:
    """Loads the C library and declares every function's C types. Optional: the first call
    that needs the library loads it.

    With ``path``, exactly that file (``OSError`` if it cannot be loaded). Without, the first
    of: ``$LINER_LIB``; ``libliner_broker.so.0`` or ``libliner_broker.so`` next to this
    module; ``libliner_broker.so.0`` on the system library path (``LD_LIBRARY_PATH``, the
    ``ldconfig`` cache, ``/usr/lib``); what ``ctypes.util.find_library("liner_broker")``
    finds. ``LinerError`` names every place it looked when none loads, or the functions a
    library of another version lacks.
    """
    with _load_lock:
        if path is None:
            lib, where = _find()
        else:
            where = os.fspath(path)
            lib = ctypes.CDLL(where)
        _declare(lib, where)


def _loaded() -> ctypes.CDLL:
    lib = _lib
    if lib is None:
        with _load_lock:
            if _lib is None:
                _declare(*_find())
        lib = _lib
    return lib


def _stop_logging() -> None:
    # Library threads must not call into Python while the interpreter is being torn down.
    if _lib is not None:
        _lib.lnr_set_log_cb(LOG_CB(), None)


def last_log_line() -> Optional[str]:
    """The library's last log line on this thread (what a failed constructor quotes)."""
    return getattr(_last_log, "line", None)


def forget_last_log_line() -> None:
    _last_log.line = None


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
