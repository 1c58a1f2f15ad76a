"""Typed results of the client: dataclasses mirroring the API's JSON."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

_FRAC = re.compile(r"\.(\d+)")


def parse_time(v: Optional[str]) -> Optional[_dt.datetime]:
    """Parses an RFC 3339 timestamp (nanoseconds are cut to microseconds)."""
    if not v:
        return None
    s = v.replace("Z", "+00:00")
    s = _FRAC.sub(lambda m: "." + (m.group(1) + "000000")[:6], s, count=1)
    try:
        return _dt.datetime.fromisoformat(s)
    except ValueError:
        return None


@dataclass(frozen=True)
class Contributor:
    """Who made a change."""
    name: str = ""
    email: str = ""

    @classmethod
    def from_json(cls, d: Optional[Dict[str, Any]]) -> "Contributor":
        d = d or {}
        return cls(name=d.get("name", ""), email=d.get("email", ""))


@dataclass(frozen=True)
class Context:
    """A namespace of repos."""
    name: str
    description: str = ""
    timestamp: Optional[_dt.datetime] = None
    contributor: Contributor = field(default_factory=Contributor)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Context":
        return cls(name=d.get("name", ""), description=d.get("description", ""),
                   timestamp=parse_time(d.get("timestamp")), contributor=Contributor.from_json(d.get("contributor")))


@dataclass(frozen=True)
class Repo:
    """A repository of bundles."""
    context: str
    name: str
    description: str = ""
    timestamp: Optional[_dt.datetime] = None
    contributor: Contributor = field(default_factory=Contributor)
    head_label: str = ""

    @property
    def head(self) -> str:
        """The label S3 writes and ``bundle upload`` move (default "main")."""
        return self.head_label or "main"

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Repo":
        return cls(context=d.get("context", ""), name=d.get("name", ""), description=d.get("description", ""),
                   timestamp=parse_time(d.get("timestamp")), contributor=Contributor.from_json(d.get("contributor")),
                   head_label=d.get("head_label", ""))


@dataclass(frozen=True)
class Bundle:
    """An immutable, committed set of files."""
    context: str
    repo: str
    id: str
    message: str = ""
    contributors: List[Contributor] = field(default_factory=list)
    timestamp: Optional[_dt.datetime] = None
    parents: List[str] = field(default_factory=list)
    manifest_root: str = ""
    file_count: int = 0
    byte_count: int = 0
    run: str = ""  # the run that produced it, if any

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Bundle":
        return cls(context=d.get("context", ""), repo=d.get("repo", ""), id=d.get("id", ""),
                   message=d.get("message", ""),
                   contributors=[Contributor.from_json(c) for c in d.get("contributors") or []],
                   timestamp=parse_time(d.get("timestamp")), parents=list(d.get("parents") or []),
                   manifest_root=d.get("manifest_root", ""), file_count=int(d.get("file_count", 0)),
                   byte_count=int(d.get("byte_count", 0)), run=d.get("run", ""))


@dataclass(frozen=True)
class Label:
    """A movable name pointing at a bundle."""
    context: str
    repo: str
    name: str
    bundle_id: str
    timestamp: Optional[_dt.datetime] = None
    contributor: Contributor = field(default_factory=Contributor)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Label":
        return cls(context=d.get("context", ""), repo=d.get("repo", ""), name=d.get("name", ""),
                   bundle_id=d.get("bundle_id", ""), timestamp=parse_time(d.get("timestamp")),
                   contributor=Contributor.from_json(d.get("contributor")))


@dataclass(frozen=True)
class LabelMove:
    """One move of a label (``from_bundle`` empty: the label was created)."""
    name: str
    to: str
    from_bundle: str = ""
    timestamp: Optional[_dt.datetime] = None
    contributor: Contributor = field(default_factory=Contributor)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "LabelMove":
        return cls(name=d.get("name", ""), to=d.get("to", ""), from_bundle=d.get("from", ""),
                   timestamp=parse_time(d.get("timestamp")), contributor=Contributor.from_json(d.get("contributor")))


@dataclass(frozen=True)
class ChunkRef:
    """One chunk of a file's content (``id`` is the hex BLAKE3-256)."""
    id: str
    size: int


@dataclass(frozen=True)
class FileInfo:
    """One entry of a bundle: ``type`` is "file", "dir" or "symlink"."""
    path: str
    type: str
    size: int = 0
    mode: int = 0
    mtime_ns: int = 0
    target: str = ""
    chunks: List[ChunkRef] = field(default_factory=list)
    attrs: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "FileInfo":
        return cls(path=d.get("path", ""), type=d.get("type", ""), size=int(d.get("size", 0)),
                   mode=int(d.get("mode", 0)), mtime_ns=int(d.get("mtime", 0)), target=d.get("target", ""),
                   chunks=[ChunkRef(c["id"], int(c["size"])) for c in d.get("chunks") or []],
                   attrs=dict(d.get("attrs") or {}))


@dataclass(frozen=True)
class Member:
    """One cluster member as the gossip view reports it."""
    id: str
    site: str = ""
    addr: str = ""
    state: str = ""
    capacity: int = 0
    api_addr: str = ""
    s3_addr: str = ""
    raft: str = ""

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Member":
        return cls(id=d.get("id", ""), site=d.get("site", ""), addr=d.get("addr", ""), state=d.get("state", ""),
                   capacity=int(d.get("capacity", 0)), api_addr=d.get("api_addr", ""), s3_addr=d.get("s3_addr", ""),
                   raft=d.get("raft", ""))


@dataclass(frozen=True)
class ClusterStatus:
    """A node's Raft status."""
    node_id: str
    state: str
    leader_id: str = ""
    term: int = 0
    commit_index: int = 0
    applied_index: int = 0
    voters: List[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "ClusterStatus":
        return cls(node_id=d.get("node_id", ""), state=d.get("state", ""), leader_id=d.get("leader_id", ""),
                   term=int(d.get("term", 0)), commit_index=int(d.get("commit_index", 0)),
                   applied_index=int(d.get("applied_index", 0)), voters=list(d.get("voters") or []))


@dataclass(frozen=True)
class CodeRef:
    """The code a run ran: repository URL, commit, uncommitted changes."""
    repo: str = ""
    commit: str = ""
    dirty: bool = False

    @classmethod
    def from_json(cls, d: Optional[Dict[str, Any]]) -> "CodeRef":
        d = d or {}
        return cls(repo=d.get("repo", ""), commit=d.get("commit", ""), dirty=bool(d.get("dirty", False)))


@dataclass(frozen=True)
class RunBundle:
    """An input or output of a run: a pinned bundle (``label`` is the label
    it was named by, ``path`` the part of it an input read)."""
    context: str
    repo: str
    bundle: str
    label: str = ""
    path: str = ""
    at: Optional[_dt.datetime] = None

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "RunBundle":
        return cls(context=d.get("context", ""), repo=d.get("repo", ""), bundle=d.get("bundle", ""),
                   label=d.get("label", ""), path=d.get("path", ""), at=parse_time(d.get("at")))


@dataclass(frozen=True)
class MetricPoint:
    """One logged metric value (``time`` is the leader's clock)."""
    key: str
    value: float
    step: int = 0
    time: Optional[_dt.datetime] = None

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "MetricPoint":
        return cls(key=d.get("key", ""), value=float(d.get("value", 0.0)), step=int(d.get("step", 0)),
                   time=parse_time(d.get("time")))


RUN_STATUSES = ("running", "succeeded", "failed", "canceled")


@dataclass(frozen=True)
class Run:
    """A pipeline run: what it read (inputs), wrote (outputs) and measured
    (``metrics``: the last value of each key)."""
    id: str
    context: str
    name: str
    status: str
    owner: str = ""
    pipeline: str = ""
    step: str = ""
    reason: str = ""
    started: Optional[_dt.datetime] = None
    ended: Optional[_dt.datetime] = None
    params: Dict[str, str] = field(default_factory=dict)
    code: CodeRef = field(default_factory=CodeRef)
    metrics: Dict[str, float] = field(default_factory=dict)
    points: int = 0
    inputs: List[RunBundle] = field(default_factory=list)
    outputs: List[RunBundle] = field(default_factory=list)
    tags: Dict[str, str] = field(default_factory=dict)
    notes: str = ""

    @property
    def finished(self) -> bool:
        """Whether the run has ended (any status but running)."""
        return self.status != "running"

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Run":
        return cls(id=d.get("id", ""), context=d.get("context", ""), name=d.get("name", ""),
                   status=d.get("status", ""), owner=d.get("owner", ""), pipeline=d.get("pipeline", ""),
                   step=d.get("step", ""), reason=d.get("reason", ""), started=parse_time(d.get("started")),
                   ended=parse_time(d.get("ended")), params=dict(d.get("params") or {}),
                   code=CodeRef.from_json(d.get("code")),
                   metrics={k: float(v) for k, v in (d.get("metrics") or {}).items()},
                   points=int(d.get("points", 0)),
                   inputs=[RunBundle.from_json(x) for x in d.get("inputs") or []],
                   outputs=[RunBundle.from_json(x) for x in d.get("outputs") or []],
                   tags=dict(d.get("tags") or {}), notes=d.get("notes", ""))
