"""Fixtures: a real cluster started by the Go test e2e/python_test.go.

It exports DATAMON_CONFIG (client.yaml with every node's URL, the root
key and the cluster CA) and DATAMON_TEST_NODE_PIDS (node PIDs in the
config's server order). Run: go test -tags fuse3 ./e2e -run TestPython
"""

from __future__ import annotations

import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import datamon  # noqa: E402


def _need_cluster() -> str:
    cfg = os.environ.get("DATAMON_CONFIG", "")
    if not cfg or not os.environ.get("DATAMON_TEST_NODE_PIDS"):
        pytest.fail("no test cluster: run through `go test -tags fuse3 ./e2e -run TestPython` "
                    "(it sets DATAMON_CONFIG and DATAMON_TEST_NODE_PIDS)")
    return cfg


@pytest.fixture(scope="session")
def config_path() -> str:
    return _need_cluster()


@pytest.fixture(scope="session")
def client(config_path: str) -> datamon.Client:
    return datamon.Client(config_path=config_path)


@pytest.fixture()
def repo(client: datamon.Client) -> str:
    name = "py-" + uuid.uuid4().hex[:10]
    client.create_repo(name, "pytest repo")
    return name
