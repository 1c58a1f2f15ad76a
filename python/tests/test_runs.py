"""Pipeline runs through the SDK against the real cluster: start, get,
list with filters, metrics, inputs, commits naming the run (new_bundle,
fsspec, $DATAMON_RUN), finish, and the error kinds the server answers."""

from __future__ import annotations

import uuid

import pytest

import datamon


def _input_bundle(client: datamon.Client, repo: str) -> str:
    with client.new_bundle(repo, message="input", label="v1", run="") as b:
        b.write_file("data.csv", "a,b\n1,2\n")
    assert b.bundle is not None
    return b.bundle.id


def test_run_lifecycle(client: datamon.Client, config_path: str, repo: str,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    src = _input_bundle(client, repo)
    name = "pyrun-" + uuid.uuid4().hex[:8]
    run = client.start_run(name, params={"lr": 0.1, "epochs": 3}, inputs=[f"{repo}@v1"],
                           code_ref=("https://example.invalid/x.git", "abc1234"), tags={"team": "py"})
    assert (run.name, run.status, run.context, run.finished) == (name, "running", "default", False)
    assert run.params == {"lr": "0.1", "epochs": "3"} and run.tags == {"team": "py"}
    assert (run.code.repo, run.code.commit) == ("https://example.invalid/x.git", "abc1234")
    assert [(i.repo, i.bundle, i.label) for i in run.inputs] == [(repo, src, "v1")]
    assert run.owner and run.started is not None and run.ended is None
    got = client.get_run(run.id)
    assert got.id == run.id and got.inputs == run.inputs

    # Filters: by name, by status, and a status nothing has.
    assert [r.id for r in client.runs(name=name)] == [run.id]
    assert run.id in [r.id for r in client.runs(status="running")]
    assert run.id not in [r.id for r in client.runs(status="failed")]
    assert len(client.runs(limit=1)) == 1
    with pytest.raises(datamon.Invalid):
        client.runs(status="bogus")

    # Metrics: the last value per key, the history in order.
    client.log_metric(run.id, "loss", 0.5, step=1)
    after = client.log_metric(run.id, "loss", 0.25, step=2)
    assert after.metrics["loss"] == 0.25 and after.points == 2
    hist = client.run_metrics(run.id, "loss")
    assert [(p.value, p.step) for p in hist] == [(0.5, 1), (0.25, 2)] and hist[0].time is not None
    assert client.log_metrics(run.id, [("acc", 0.9, 0)]).metrics == {"loss": 0.25, "acc": 0.9}
    assert client.heartbeat_run(run.id).status == "running"
    more = client.add_run_inputs(run.id, [{"repo": repo, "ref": src, "path": "data.csv"}])
    assert [(i.bundle, i.path) for i in more.inputs if i.path] == [(src, "data.csv")]

    # Outputs: new_bundle(run=...), $DATAMON_RUN through a new client, fsspec commit.
    with client.new_bundle(repo, message="out", run=run.id) as b:
        b.write_file("model.txt", "m")
    assert b.bundle is not None and b.bundle.run == run.id
    monkeypatch.setenv(datamon.RUN_ENV, run.id)
    envc = datamon.Client(config_path=config_path)
    assert envc.run == run.id
    with envc.new_bundle(repo, message="out via env") as b2:
        b2.write_file("e.txt", "e")
    assert b2.bundle is not None and b2.bundle.run == run.id
    monkeypatch.delenv(datamon.RUN_ENV)
    import fsspec
    fs = fsspec.filesystem("datamon", skip_instance_cache=True)
    with fs.open(f"{repo}/f.txt", "wb") as f:
        f.write(b"f")
    fb = fs.commit(repo, "out via fsspec", run=run.id)
    assert fb.run == run.id
    outs = client.get_run(run.id).outputs
    assert [(o.repo, o.bundle) for o in outs] == [(repo, b.bundle.id), (repo, b2.bundle.id), (repo, fb.id)]

    # Finish: the same finish again answers the run; another status is refused.
    done = client.finish_run(run.id, "succeeded")
    assert done.status == "succeeded" and done.finished and done.ended is not None
    assert client.finish_run(run.id, "succeeded").status == "succeeded"
    with pytest.raises(datamon.PreconditionFailed):
        client.finish_run(run.id, "failed")
    with pytest.raises(datamon.PreconditionFailed):
        client.log_metric(run.id, "loss", 1.0)
    with pytest.raises(datamon.PreconditionFailed):  # a finished run takes no more outputs
        with client.new_bundle(repo, message="late", run=run.id) as late:
            late.write_file("late.txt", "l")
    assert client.get_run(run.id).status == "succeeded"
    assert run.id in [r.id for r in client.runs(status="succeeded", name=name)]
    assert client.runs(status="running", name=name) == []
    with pytest.raises(datamon.Invalid):
        client.finish_run(run.id, "running")


def test_run_errors(client: datamon.Client, repo: str) -> None:
    with pytest.raises(datamon.NotFound):
        client.get_run("no-such-run-" + uuid.uuid4().hex[:6])
    with pytest.raises(datamon.NotFound):
        client.finish_run("no-such-run", "failed")
    with pytest.raises(datamon.NotFound):
        client.get_run("..")
    with pytest.raises(datamon.NotFound):  # an input naming a label that does not exist
        client.start_run("bad-input", inputs=[f"{repo}@no-such-label"])
    with pytest.raises(datamon.NotFound):  # a commit naming an unknown run commits nothing
        with client.new_bundle(repo, message="orphan", run="no-such-run") as b:
            b.write_file("x", "x")
    assert client.bundles(repo) == []
    with pytest.raises(datamon.Invalid):
        client.start_run("bad", inputs=["no-at-sign"])
    failed = client.start_run("to-fail")
    assert client.finish_run(failed.id, "failed", reason="boom").reason == "boom"
    with pytest.raises(datamon.PreconditionFailed):
        client.finish_run(failed.id, "succeeded")



def test_run_owner(client: datamon.Client) -> None:
    """A commit may name only its identity's own run unless the identity
    administers the context (PermissionDenied, nothing committed); the
    run's owner is the authenticated identity."""
    import os
    kv = os.environ.get("DATAMON_TEST_WRITER_KEY", "")
    if ":" not in kv:
        pytest.fail("DATAMON_TEST_WRITER_KEY unset: run through go test ./e2e -run TestPython")
    kid, secret = kv.split(":", 1)
    writer = datamon.Client(client.config.servers, access_key=kid, secret_key=secret,
                            ca_file=client.config.ca_file, run="")
    name = "runown-" + uuid.uuid4().hex[:8]
    client.create_repo(name, "writer's repo")
    roots = client.start_run("root-run")
    with pytest.raises(datamon.PermissionDenied):
        with writer.new_bundle(name, message="into root's run", run=roots.id) as b:
            b.write_file("x", "x")
    assert client.bundles(name) == [] and client.get_run(roots.id).outputs == []
    with pytest.raises(datamon.PermissionDenied):
        writer.finish_run(roots.id, "failed")
    mine = writer.start_run("writer-run", inputs=[])
    assert mine.owner == "writer"
    with writer.new_bundle(name, message="into writer's run", run=mine.id) as b:
        b.write_file("x", "x")
    assert b.bundle is not None
    assert [o.bundle for o in writer.get_run(mine.id).outputs] == [b.bundle.id]
    assert writer.finish_run(mine.id).status == "succeeded"
    # The token identity (alice, admin of default through her group) may commit into anyone's run.
    tok = os.environ.get("DATAMON_TEST_TOKEN", "")
    alice = datamon.Client(client.config.servers, token=tok, ca_file=client.config.ca_file, run="")
    with alice.new_bundle(name, message="admin into root's run", run=roots.id) as a:
        a.write_file("y", "y")
    assert a.bundle is not None and [o.bundle for o in client.get_run(roots.id).outputs] == [a.bundle.id]
    assert client.finish_run(roots.id, "canceled").status == "canceled"
