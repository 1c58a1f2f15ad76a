"""Pipeline runs: the /v1/runs API of the node (docs/runs.md).

A run records what a pipeline step read (inputs, pinned to bundle IDs by
the server), what it wrote (outputs: bundles committed naming the run) and
what it measured (metrics). Starting a run and logging metrics are sent
once (a resend after a possibly applied attempt would start a second run or
log a point twice); reads and a finish are retried: the same finish again
answers the finished run, another status is refused (PreconditionFailed).
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from .errors import Invalid, NotFound
from .types import RUN_STATUSES, MetricPoint, Run

RUN_ENV = "DATAMON_RUN"  # the run a process belongs to (set by `datamon run start` / `run exec`)

InputSpec = Union[str, Mapping[str, str]]


def parse_input(s: InputSpec) -> Dict[str, str]:
    """An input as the API takes it: ``[context/]repo@label-or-bundle[:path]``
    (the CLI's syntax) or a dict with ``repo``, ``ref`` (and ``context``, ``path``)."""
    if not isinstance(s, str):
        m = {k: str(v) for k, v in s.items() if v}
        if not m.get("repo") or not m.get("ref"):
            raise Invalid(f"input {s!r} needs repo and ref")
        return m
    head, _, path = s.partition(":")
    name, at, ref = head.partition("@")
    if not at or not ref or not name:
        raise Invalid(f"input {s!r} is not [context/]repo@label-or-bundle[:path]")
    d: Dict[str, str] = {}
    if "/" in name:
        d["context"], name = name.split("/", 1)
        if not d["context"]:
            raise Invalid(f"input {s!r} has an empty context")
    d["repo"], d["ref"] = name, ref
    if path:
        d["path"] = path
    return d


def _run_path(run_id: str) -> str:
    if not run_id or run_id in (".", ".."):
        raise NotFound(f"run {run_id!r}")
    return "/v1/runs/" + urllib.parse.quote(run_id, safe="")


def env_run() -> str:
    """The run named by ``$DATAMON_RUN`` ("" if unset)."""
    return os.environ.get(RUN_ENV, "")


class RunsMixin:
    """The run calls of ``datamon.Client``."""

    context: str
    _get: Any
    _send: Any
    _ctx: Any

    def start_run(self, name: str, *, params: Optional[Mapping[str, Any]] = None,
                  inputs: Iterable[InputSpec] = (), code_ref: Optional[Union[str, Tuple[str, str]]] = None,
                  dirty: bool = False, pipeline: str = "", step: str = "",
                  tags: Optional[Mapping[str, str]] = None, context: Optional[str] = None) -> Run:
        """Starts a run owned by the caller. ``inputs`` are
        ``repo@label-or-bundle[:path]`` strings (pinned to bundle IDs by the
        server); ``code_ref`` is a commit or ``(repo_url, commit)``. Sent once."""
        body: Dict[str, Any] = {"context": self._ctx(context), "name": name}
        if params:
            body["params"] = {str(k): str(v) for k, v in params.items()}
        ins = [parse_input(i) for i in inputs]
        if ins:
            body["inputs"] = ins
        if code_ref:
            repo, commit = ("", code_ref) if isinstance(code_ref, str) else code_ref
            body["code"] = {k: v for k, v in (("repo", repo), ("commit", commit), ("dirty", dirty)) if v}
        for k, v in (("pipeline", pipeline), ("step", step)):
            if v:
                body[k] = v
        if tags:
            body["tags"] = dict(tags)
        return Run.from_json(self._send("POST", f"/v1/contexts/{body['context']}/runs", body).json())

    def get_run(self, run_id: str) -> Run:
        """Gets one run (NotFound)."""
        return Run.from_json(self._get(_run_path(run_id)))

    def runs(self, *, status: Optional[str] = None, name: Optional[str] = None, after: Optional[str] = None,
             since: Optional[str] = None, limit: int = 0, context: Optional[str] = None) -> List[Run]:
        """Lists a context's runs in start order, filtered by ``status``
        (running/succeeded/failed/canceled), ``name``, ``after`` (a run ID:
        the page after it), ``since`` (RFC 3339) and ``limit``."""
        if status is not None and status not in RUN_STATUSES:
            raise Invalid(f"status {status!r} is not one of {RUN_STATUSES}")
        q = {k: v for k, v in (("status", status), ("name", name), ("after", after), ("since", since)) if v}
        if limit > 0:
            q["limit"] = str(limit)
        return [Run.from_json(d) for d in self._get(f"/v1/contexts/{self._ctx(context)}/runs", q or None) or []]

    def log_metric(self, run_id: str, key: str, value: float, step: int = 0) -> Run:
        """Logs one metric point of a running run (sent once)."""
        return self.log_metrics(run_id, [(key, value, step)])

    def log_metrics(self, run_id: str, points: Iterable[Tuple[str, float, int]]) -> Run:
        """Logs several ``(key, value, step)`` points at once (sent once)."""
        pts = [{"key": k, "value": float(v), **({"step": int(s)} if s else {})} for k, v, s in points]
        return Run.from_json(self._send("POST", _run_path(run_id) + "/metrics", {"points": pts}).json())

    def run_metrics(self, run_id: str, key: str = "") -> List[MetricPoint]:
        """The history of metric ``key`` ("" : every key) of a run."""
        d = self._get(_run_path(run_id) + "/metrics", {"key": key} if key else None)
        return [MetricPoint.from_json(p) for p in d or []]

    def add_run_inputs(self, run_id: str, inputs: Iterable[InputSpec]) -> Run:
        """Records more inputs of a running run (sent once)."""
        ins = [parse_input(i) for i in inputs]
        return Run.from_json(self._send("POST", _run_path(run_id) + "/inputs", {"inputs": ins}).json())

    def heartbeat_run(self, run_id: str) -> Run:
        """Extends a running run's lease."""
        return Run.from_json(self._send("POST", _run_path(run_id) + "/heartbeat", {}, idempotent=True).json())

    def finish_run(self, run_id: str, status: str = "succeeded", reason: str = "") -> Run:
        """Ends a running run with ``status`` (succeeded/failed/canceled).
        The same finish again answers the finished run; a different status
        for a finished run is refused (PreconditionFailed)."""
        if status not in RUN_STATUSES[1:]:
            raise Invalid(f"finish status {status!r} is not one of {RUN_STATUSES[1:]}")
        body = {"status": status, **({"reason": reason} if reason else {})}
        return Run.from_json(self._send("POST", _run_path(run_id) + "/finish", body, idempotent=True).json())
