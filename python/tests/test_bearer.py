"""Bearer JWTs instead of signed requests (token and token_file)."""

from __future__ import annotations

import os
import uuid

import pytest

import datamon


def _token(name: str) -> str:
    tok = os.environ.get(name, "")
    if not tok:
        pytest.fail(f"{name} unset: run through go test ./e2e -run TestPython")
    return tok


def test_bearer_token_and_token_file(client: datamon.Client, tmp_path) -> None:
    servers, ca = client.config.servers, client.config.ca_file
    alice = datamon.Client(servers, token=_token("DATAMON_TEST_TOKEN"), ca_file=ca)
    name = "jwt-" + uuid.uuid4().hex[:8]
    r = alice.create_repo(name, "made with a JWT")
    assert r.contributor.name == "alice"
    with alice.new_bundle(name, message="by alice", label="main") as b:
        b.write_file("x", b"jwt")
    assert b.bundle.contributors[0].name == "alice"
    tf = tmp_path / "token"
    tf.write_text(_token("DATAMON_TEST_TOKEN") + "\n")
    from_file = datamon.Client(servers, token_file=str(tf), ca_file=ca)
    with from_file.open(name, "x") as f:
        assert f.read() == b"jwt"
    expired = datamon.Client(servers, token=_token("DATAMON_TEST_TOKEN_EXPIRED"), ca_file=ca)
    with pytest.raises(datamon.Unauthenticated):
        expired.repos()
    tf.write_text("two tokens\n")  # re-read per request: a bad rotation is a clear error
    with pytest.raises(datamon.ConfigError):
        from_file.repos()
