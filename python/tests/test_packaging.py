"""The package builds offline with Debian's tools and registers datamon://
through its fsspec entry point (no import of datamon needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

HERE = os.path.join(os.path.dirname(__file__), "..")


def test_wheel_builds_offline_and_registers_entry_point(tmp_path) -> None:
    src = tmp_path / "src"
    shutil.copytree(HERE, src, ignore=shutil.ignore_patterns("tests", "bench", "__pycache__", "build", "*.egg-info"))
    out = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(tmp_path / "dist"),
                          str(src)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    wheels = list((tmp_path / "dist").glob("datamon-*.whl"))
    assert len(wheels) == 1
    site = tmp_path / "site"
    with zipfile.ZipFile(wheels[0]) as z:
        names = z.namelist()
        assert "datamon/client.py" in names and "datamon/fsspec.py" in names
        z.extractall(site)
    code = ("import fsspec, sys; c = fsspec.get_filesystem_class('datamon'); "
            "assert c.__module__ == 'datamon.fsspec', c; print(c.__name__)")
    env = dict(os.environ, PYTHONPATH=str(site))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=str(tmp_path),
                       timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "DatamonFileSystem", r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "datamon", "--help"], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path), timeout=60)
    assert r.returncode == 0 and "download" in r.stdout
