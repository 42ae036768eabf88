#!/usr/bin/env python3
"""Checks where an installed liner package finds the C library when nobody calls
``loadLib(path)``: ``$LINER_LIB``, then next to the module, then the system library path, and
a clear error naming every place otherwise. Each case runs in a fresh interpreter (a process
loads the library once).

Run with the interpreter of a virtualenv that has the package installed (``pip install
./python``), from outside the repository, and the built library in ``LINER_TEST_LIBRARY``::

    LINER_TEST_LIBRARY=$PWD/target/release/libliner_broker.so \\
        /tmp/venv/bin/python python/test_liner_lookup.py

ci/test.d/70-python-install.sh does exactly this.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Dict, Optional

LIBRARY = os.environ.get("LINER_TEST_LIBRARY", "")
SOURCE_TREE = Path(__file__).resolve().parent

# Prints the version the library reports and where the package came from.
PROBE = "import liner; print(liner.version()); print(liner.__file__)"


def run_probe(env_changes: Dict[str, Optional[str]]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LINER_LIB", "PYTHONPATH")}
    env.pop("LD_LIBRARY_PATH", None)
    for key, value in env_changes.items():
        if value is not None:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tempfile.gettempdir(),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def installed_package_dir() -> Path:
    done = subprocess.run(
        [sys.executable, "-c", "import liner, os; print(os.path.dirname(liner.__file__))"],
        cwd=tempfile.gettempdir(),
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip())


@unittest.skipUnless(LIBRARY, "set LINER_TEST_LIBRARY to the built libliner_broker.so")
class LibraryLookup(unittest.TestCase):
    def setUp(self) -> None:
        self.package_dir = installed_package_dir()
        self.assertNotEqual(
            self.package_dir.parent, SOURCE_TREE, "this must test an installed package"
        )
        self.scratch = Path(tempfile.mkdtemp(prefix="liner-lookup-"))

    def tearDown(self) -> None:
        shutil.rmtree(self.scratch)
        for name in ("libliner_broker.so.0", "libliner_broker.so"):
            (self.package_dir / name).unlink(missing_ok=True)

    def assert_loads(self, done: subprocess.CompletedProcess) -> None:
        self.assertEqual(done.returncode, 0, done.stderr)
        version, module = done.stdout.split()
        self.assertRegex(version, r"^\d+\.\d+\.\d+")
        self.assertTrue(Path(module).is_relative_to(self.package_dir), module)

    def test_liner_lib_names_the_file(self) -> None:
        self.assert_loads(run_probe({"LINER_LIB": LIBRARY}))

    def test_next_to_the_module(self) -> None:
        shutil.copy(LIBRARY, self.package_dir / "libliner_broker.so.0")
        self.assert_loads(run_probe({}))

    def test_system_library_path_by_soname(self) -> None:
        (self.scratch / "libliner_broker.so.0").symlink_to(LIBRARY)
        self.assert_loads(run_probe({"LD_LIBRARY_PATH": str(self.scratch)}))

    def test_not_found_names_every_place(self) -> None:
        done = run_probe({})
        if done.returncode == 0:
            self.skipTest("a liner library is installed on this system's library path")
        for expected in (
            "LinerError: cannot load liner's C library",
            "$LINER_LIB: not set",
            f"next to the module: {self.package_dir / 'libliner_broker.so.0'}: no such file",
            "the system library path: libliner_broker.so.0",
        ):
            self.assertIn(expected, done.stderr)

    def test_a_wrong_liner_lib_is_not_passed_over(self) -> None:
        shutil.copy(LIBRARY, self.package_dir / "libliner_broker.so.0")
        missing = self.scratch / "nowhere.so"
        done = run_probe({"LINER_LIB": str(missing)})
        self.assertNotEqual(done.returncode, 0)
        self.assertIn(f"$LINER_LIB: {missing}: no such file", done.stderr)


if __name__ == "__main__":
    unittest.main()
