"""The package's type hints hold (Debian's mypy)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_mypy_clean() -> None:
    pkg = os.path.join(os.path.dirname(__file__), "..", "datamon")
    r = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--cache-dir", os.devnull, pkg],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
