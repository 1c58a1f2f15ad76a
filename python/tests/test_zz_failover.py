"""A node killed mid-read: the read continues through another node.

Runs last (file name): it kills a node of the test's cluster."""

from __future__ import annotations

import os
import signal
import time

import datamon


def test_read_survives_node_kill(client: datamon.Client, repo: str) -> None:
    data = os.urandom(8 << 20)
    with client.new_bundle(repo, message="failover", label="main") as b:
        b.write_file("f.bin", data)
    pids = [int(p) for p in os.environ["DATAMON_TEST_NODE_PIDS"].split(",")]
    reader = datamon.Client(config_path=os.environ["DATAMON_CONFIG"], retries=6)
    f = reader.open(repo, "f.bin", label="main", readahead=0)
    first = f.read(1 << 20)
    assert first == data[: 1 << 20]
    victim = reader.transport._preferred  # the node that answered last
    os.kill(pids[victim], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # wait until its port refuses
        try:
            os.kill(pids[victim], 0)
            time.sleep(0.05)
        except ProcessLookupError:
            break
        try:
            with open(f"/proc/{pids[victim]}/stat") as st:
                if st.read().split()[2] == "Z":
                    break
        except FileNotFoundError:
            break
    rest = f.read()
    assert first + rest == data
    assert reader.transport._preferred != victim
