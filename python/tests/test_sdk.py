"""Every SDK call against the real cluster, error kinds from real answers."""

from __future__ import annotations

import json
import os
import uuid

import pytest

import datamon
from datamon._blake3 import hexdigest


def test_contexts_repos_and_errors(client: datamon.Client, config_path: str) -> None:
    ctx = "pyctx-" + uuid.uuid4().hex[:8]
    created = client.create_context(ctx, "from pytest")
    assert created.name == ctx and client.get_context(ctx).description == "from pytest"
    assert ctx in [c.name for c in client.contexts()]
    with pytest.raises(datamon.Exists):
        client.create_context(ctx, "again")
    r = client.create_repo("inctx", "repo in a context", context=ctx)
    assert (r.context, r.name, r.head) == (ctx, "inctx", "main")
    assert [x.name for x in client.repos(context=ctx)] == ["inctx"]
    assert client.get_repo("inctx", context=ctx).description == "repo in a context"
    with pytest.raises(datamon.NotFound):
        client.get_repo("no-such-repo")
    with pytest.raises(datamon.NotFound):
        client.get_context("no-such-context")
    with pytest.raises(datamon.Invalid):
        client.create_repo("bad_name!", "x")


def test_bundles_labels_files(client: datamon.Client, repo: str, tmp_path) -> None:
    with pytest.raises(datamon.NotFound):
        client.latest_bundle(repo)
    with client.new_bundle(repo, message="first", label="main") as b:
        b.write_file("a/x.txt", b"hello")
        b.write_file("a/y.bin", os.urandom(3000))
        b.write_file("empty", b"")
        b.add_symlink("link", "a/x.txt")
    first = b.bundle
    assert first is not None and first.file_count == 3 and first.byte_count == 3005
    assert first.contributors and first.contributors[0].name
    assert client.get_bundle(repo, first.id) == first
    assert client.latest_bundle(repo).id == first.id
    assert client.get_label(repo, "main").bundle_id == first.id
    with client.new_bundle(repo, message="second", label="main", if_match=first.id, label_parent=True) as b2:
        b2.write_file("a/x.txt", "changed")
    second = b2.bundle
    assert second.parents == [first.id]
    assert [x.id for x in client.bundles(repo)] == [first.id, second.id]
    # Labels: compare-and-set, create-only, history, listing with an odd prefix
    # (the canonical query the node re-computes for the signature).
    with pytest.raises(datamon.PreconditionFailed):
        client.set_label(repo, "main", first.id, if_match=first.id)
    client.set_label(repo, "v1.0", first.id, if_not_exists=True)
    with pytest.raises(datamon.PreconditionFailed):
        client.set_label(repo, "v1.0", second.id, if_not_exists=True)
    assert [l.name for l in client.labels(repo)] == ["main", "v1.0"]
    assert [l.name for l in client.labels(repo, prefix="v1.")] == ["v1.0"]
    assert client.labels(repo, prefix="a b/ü+&=%") == []
    hist = client.label_history(repo, "main")
    assert [(m.from_bundle, m.to) for m in hist] == [("", first.id), (first.id, second.id)]
    with pytest.raises(datamon.NotFound):
        client.set_label(repo, "main", "0" * 27)
    # Files of a bundle.
    assert [f.path for f in client.list_files(repo, label="v1.0")] == ["a/x.txt", "a/y.bin", "empty", "link"]
    assert [(f.path, f.type) for f in client.list_files(repo, bundle=first.id, dir="")] == \
        [("a", "dir"), ("empty", "file"), ("link", "symlink")]
    st = client.stat(repo, "a/x.txt")
    assert st.size == 7 and len(st.chunks) == 1
    assert hexdigest(b"changed") == st.chunks[0].id  # the node's BLAKE3 = ours
    with pytest.raises(datamon.NotFound):
        client.stat(repo, "a/none")
    with client.open(repo, "a/x.txt", label="v1.0") as f:
        assert f.read() == b"hello"
    # download
    got = client.download(repo, str(tmp_path / "out"), label="v1.0")
    assert sorted(got) == ["a/x.txt", "a/y.bin", "empty", "link"]
    assert (tmp_path / "out" / "a" / "x.txt").read_bytes() == b"hello"
    assert os.readlink(tmp_path / "out" / "link") == "a/x.txt"
    assert (tmp_path / "out" / "empty").read_bytes() == b""


def test_raising_block_commits_nothing(client: datamon.Client, repo: str) -> None:
    with client.new_bundle(repo, message="base", label="main") as b:
        b.write_file("keep", b"1")
    before = client.bundles(repo)
    with pytest.raises(RuntimeError):
        with client.new_bundle(repo, message="doomed", label="main") as b:
            b.write_file("half", os.urandom(10000))
            raise RuntimeError("pipeline failed")
    assert client.bundles(repo) == before
    assert client.get_label(repo, "main").bundle_id == before[-1].id
    # A failed label guard commits no bundle either.
    with pytest.raises(datamon.PreconditionFailed):
        with client.new_bundle(repo, message="stale", label="main", if_match="0" * 27) as b:
            b.write_file("x", b"x")
    assert client.bundles(repo) == before


def test_permission_and_auth_errors(client: datamon.Client, config_path: str, repo: str) -> None:
    t = client.transport
    user = "pyuser-" + uuid.uuid4().hex[:6]
    t.call("POST", "/v1/users", body=json.dumps({"name": user}).encode())
    k = t.call("POST", "/v1/keys", body=json.dumps({"user": user, "grants": [f"default/{repo}=read"]}).encode()).json()
    key_id = k.get("id") or k["key"]["id"]
    secret = k.get("secret") or k["key"].get("secret")
    reader = datamon.Client(client.config.servers, access_key=key_id, secret_key=secret,
                            ca_file=client.config.ca_file)
    assert reader.get_repo(repo).name == repo
    with pytest.raises(datamon.PermissionDenied):
        with reader.new_bundle(repo, message="nope") as b:
            b.write_file("f", b"f")
    with pytest.raises(datamon.PermissionDenied):
        reader.get_repo("py-other-repo")
    wrong = datamon.Client(client.config.servers, access_key=key_id, secret_key="wrong",
                           ca_file=client.config.ca_file)
    with pytest.raises(datamon.Unauthenticated):
        wrong.repos()
    assert isinstance(datamon.Unauthenticated("x"), datamon.PermissionDenied)


def test_unavailable_when_no_node_answers(client: datamon.Client) -> None:
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    dead = datamon.Client([f"https://127.0.0.1:{port}"], access_key="AK", secret_key="s",
                          ca_file=client.config.ca_file, retries=1)
    with pytest.raises(datamon.Unavailable):
        dead.contexts()


def test_client_side_verification(client: datamon.Client, repo: str, config_path: str) -> None:
    data = os.urandom(200_000)
    v = datamon.Client(config_path=config_path, verify="client")
    with v.new_bundle(repo, message="verified", label="main", chunk_size=64 << 10) as b:
        b.write_file("v.bin", data)  # each returned ID recomputed here
    with v.open(repo, "v.bin") as f:
        f.seek(70_000)
        assert f.read(100_000) == data[70_000:170_000]


def test_cluster_calls(client: datamon.Client) -> None:
    st = client.cluster_status()
    assert st.state in ("Leader", "Follower") and st.node_id
    ms = client.members()
    assert len(ms) >= 3 and all(m.api_addr for m in ms)


def test_chunks_and_cli_mirror(client: datamon.Client, repo: str, config_path: str, tmp_path) -> None:
    import subprocess
    import sys
    cid = client.put_chunk(b"chunk bytes")
    assert cid == hexdigest(b"chunk bytes")  # the node's ID is BLAKE3 of the bytes
    assert client.get_chunk(cid) == b"chunk bytes"
    with pytest.raises(datamon.CorruptChunk):
        client.get_chunk(cid, size=5)  # length checked against what the manifest says
    with pytest.raises(datamon.NotFound):
        client.get_chunk(hexdigest(b"never stored"))
    with pytest.raises(datamon.Invalid):
        client.get_chunk("not-hex")
    with client.new_bundle(repo, message="cli", label="main") as b:
        b.write_file("d/f.txt", "from the CLI mirror\n")
    env = dict(os.environ, DATAMON_CONFIG=config_path,
               PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "datamon", *args], capture_output=True, text=True, env=env,
                              timeout=60)
    r = run("cat", repo, "d/f.txt", "--label", "main")
    assert r.returncode == 0 and r.stdout == "from the CLI mirror\n", r.stderr
    r = run("--json", "label", repo, "main")
    assert r.returncode == 0 and json.loads(r.stdout)["bundle_id"] == b.bundle.id
    r = run("files", repo)
    assert r.returncode == 0 and "path=d/f.txt" in r.stdout
    r = run("download", repo, str(tmp_path / "dl"))
    assert r.returncode == 0 and (tmp_path / "dl" / "d" / "f.txt").read_text() == "from the CLI mirror\n"
    r = run("label", repo, "absent")
    assert r.returncode == 1 and "NotFound" in r.stderr
