#!/usr/bin/env python3
"""Checks the liner package's ctypes declarations (liner/_abi.py) against include/liner.h:
every function the binding declares exists in the header with the same return and parameter
types, every callback type has the header typedef's parameters and return type, and every
``lnr_config_set_*`` setting is reachable. Needs neither the library nor Redis:
``python3 python/test_liner_header.py``."""

from __future__ import annotations

import ctypes
import re
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import liner  # noqa: E402
from liner import _abi  # noqa: E402

HEADER = HERE.parent / "include" / "liner.h"

# C spelling (whitespace-normalised) -> the ctypes type a declaration must use.
C_TYPES = {
    "void": None,
    "bool": ctypes.c_bool,
    "int": ctypes.c_int,
    "long long": ctypes.c_longlong,
    "int32_t": ctypes.c_int32,
    "int64_t": ctypes.c_int64,
    "size_t": ctypes.c_size_t,
    "uint32_t": ctypes.c_uint32,
    "uint64_t": ctypes.c_uint64,
    "const char *": ctypes.c_char_p,
    # A buffer the library writes into (lnr_metrics_text): no c_char_p conversion.
    "char *": ctypes.POINTER(ctypes.c_char),
    "lnr_stats_t *": ctypes.POINTER(_abi.LnrStats),
    "lnr_hClient": ctypes.c_void_p,
    "lnr_uData": ctypes.c_void_p,
    "lnr_receive_cb": liner.RECEIVE_CB,
    "lnr_fallible_receive_cb": liner.FALLIBLE_RECEIVE_CB,
    "lnr_status_cb": liner.STATUS_CB,
    "lnr_log_cb": liner.LOG_CB,
    "lnr_addr_cb": liner.ADDR_CB,
    "lnr_pending_cb": liner.PENDING_CB,
    "lnr_peer_cb": liner.PEER_CB,
}

# A payload pointer handed to a callback is read with string_at(data, size), never as a
# NUL-terminated string, so the binding declares it char* without c_char_p's conversion.
PAYLOAD_POINTER = ctypes.POINTER(ctypes.c_char)


def header_text() -> str:
    text = HEADER.read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"\s+", " ", text)


def split_param(param: str) -> "tuple[str, str]":
    """'const char *topic' -> ('const char *', 'topic')."""
    match = re.fullmatch(r"(.*?)\s*(\**)\s*(\w+)", param.strip())
    base, stars, name = match.groups()
    return (f"{base} {stars}" if stars else base), name


def c_type(spelling: str):
    return C_TYPES[spelling.strip()]


class HeaderMatchesBinding(unittest.TestCase):
    def setUp(self) -> None:
        text = header_text()
        self.functions = {
            name: (ret.strip(), [] if params.strip() == "void" else params.split(","))
            for ret, name, params in re.findall(
                r"((?:const )?\w+(?: \w+)? \*?) ?(lnr_\w+)\(([^()]*)\);", text
            )
        }
        self.callbacks = {
            name: (c_type(ret), params.split(","))
            for ret, name, params in re.findall(
                r"typedef (void|int) \(\*(lnr_\w+)\)\(([^()]*)\);", text
            )
        }

    def test_every_declared_function_matches_its_prototype(self) -> None:
        for name, (restype, argtypes) in _abi._PROTOTYPES.items():
            with self.subTest(function=name):
                self.assertIn(name, self.functions, "not in include/liner.h")
                ret, params = self.functions[name]
                self.assertIs(restype, c_type(ret), f"return type {ret}")
                expected = [c_type(split_param(p)[0]) for p in params]
                self.assertEqual(argtypes, expected, f"parameters ({', '.join(params)})")

    def test_every_callback_type_matches_its_typedef(self) -> None:
        declared = {
            "lnr_receive_cb": liner.RECEIVE_CB,
            "lnr_fallible_receive_cb": liner.FALLIBLE_RECEIVE_CB,
            "lnr_status_cb": liner.STATUS_CB,
            "lnr_log_cb": liner.LOG_CB,
            "lnr_addr_cb": liner.ADDR_CB,
            "lnr_pending_cb": liner.PENDING_CB,
            "lnr_peer_cb": liner.PEER_CB,
        }
        self.assertEqual(sorted(declared), sorted(self.callbacks))
        for name, callback_type in declared.items():
            with self.subTest(callback=name):
                restype, params = self.callbacks[name]
                expected = []
                for param in params:
                    spelling, pname = split_param(param)
                    payload = spelling == "const char *" and pname == "data"
                    expected.append(PAYLOAD_POINTER if payload else c_type(spelling))
                self.assertEqual(list(callback_type._argtypes_), expected)
                self.assertIs(callback_type._restype_, restype)

    def test_every_config_setting_is_exposed(self) -> None:
        setters = {
            name[len("lnr_config_set_"):]
            for name in self.functions
            if name.startswith("lnr_config_set_")
        }
        self.assertEqual(
            setters,
            set(_abi._CONFIG_SETTINGS) | set(_abi._STRING_SETTINGS),
            "lnr_config_set_* of the header and the binding's settings differ",
        )

    def test_stats_struct_matches_the_header(self) -> None:
        body = re.search(r"typedef struct \{(.*?)\} lnr_stats_t;", header_text())
        self.assertIsNotNone(body, "no lnr_stats_t in include/liner.h")
        fields = re.findall(r"(\w+) (\w+);", body.group(1))
        self.assertEqual(
            [(name, C_TYPES[spelling]) for spelling, name in fields],
            list(_abi.LnrStats._fields_),
        )
        self.assertEqual(list(liner.Stats._fields), [name for _, name in fields[1:]])

    def test_constants_match_the_header(self) -> None:
        defines = dict(re.findall(r"#define (LNR_\w+) (-?\d+)", header_text()))
        ours = {k: v for k, v in vars(liner).items() if k.startswith("LNR_")}
        for name, value in ours.items():
            with self.subTest(constant=name):
                self.assertEqual(int(defines[name]), value)
        kinds = (
            "LNR_ERR_",
            "LNR_PEER_",
            "LNR_SENDER_",
            "LNR_LISTENER_",
            "LNR_FRAMES_",
            "LNR_PARKED_",
            "LNR_ROUTES_",
        )
        codes = {k for k in defines if k == "LNR_OK" or k.startswith(kinds)}
        self.assertEqual(codes, set(ours), "error/status constants missing on one side")


if __name__ == "__main__":
    unittest.main()
