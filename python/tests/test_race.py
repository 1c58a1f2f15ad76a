"""if_match races between two processes: exactly one wins."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import datamon

RACER = r"""
import os, sys, time
sys.path.insert(0, sys.argv[4])
import datamon
repo, base, go = sys.argv[1], sys.argv[2], sys.argv[3]
c = datamon.Client()
w = c.new_bundle(repo, message="racer %d" % os.getpid(), label="main", if_match=base)
w.write_file("who", str(os.getpid()))
deadline = time.monotonic() + 30
while not os.path.exists(go):
    if time.monotonic() > deadline:
        sys.exit(3)
    time.sleep(0.005)
try:
    b = w.commit()
    print("WON", b.id)
except datamon.PreconditionFailed:
    print("LOST")
"""


def test_if_match_race(client: datamon.Client, repo: str, tmp_path) -> None:
    with client.new_bundle(repo, message="base", label="main") as b:
        b.write_file("who", "base")
    base = b.bundle.id
    pkg = os.path.join(os.path.dirname(__file__), "..")
    for rnd in range(3):
        go = str(tmp_path / f"go{rnd}")
        procs = [subprocess.Popen([sys.executable, "-c", RACER, repo, base, go, pkg], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        time.sleep(0)  # both start; they poll for the go file
        open(go, "w").close()
        outs = [p.communicate(timeout=60) for p in procs]
        results = [o.strip().split()[0] if o.strip() else "ERR:" + e for o, e in outs]
        assert sorted(results) == ["LOST", "WON"], outs
        winner = [o.split()[1] for o, _ in outs if o.startswith("WON")][0]
        assert client.get_label(repo, "main").bundle_id == winner
        base = winner
