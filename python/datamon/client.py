"""datamon.Client: the node's JSON API from Python."""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional

from . import config as _config
from ._blake3 import hexdigest as _blake3_hex
from .errors import CorruptChunk, Invalid, NotFound
from .fileobj import BundleFile
from .runs import RunsMixin, env_run
from .transport import Answer, Transport
from .types import Bundle, ClusterStatus, Context, FileInfo, Label, LabelMove, Member, Repo

if TYPE_CHECKING:  # pragma: no cover
    from .writer import BundleWriter

BUNDLE_ID = re.compile(r"^[0-9A-Za-z]{27}$")
VERIFY_MODES = ("node", "client")


class Client(RunsMixin):
    """A client of a datamon cluster.

    Built from a client.yaml (``config_path``, else ``$DATAMON_CONFIG``, else
    ``~/.datamon/client.yaml``) and the ``DATAMON_*`` environment, or from
    explicit arguments, which win. ``servers`` is a list of node URLs: every
    call fails over between them. Requests are signed with the access key
    (DATAMON-HMAC-SHA256, like the CLI) or carry a bearer JWT (``token`` /
    ``token_file``). ``context`` is the default context of every call.

    ``verify`` chooses who checks a chunk's bytes against its BLAKE3 ID:
    ``"node"`` (default) — the node verifies every chunk it serves and TLS
    protects the transfer; ``"client"`` — this process recomputes BLAKE3 in
    pure Python as well (a few MB/s; for a node you do not trust).

    ``run`` (default ``$DATAMON_RUN``, like the CLI) is the pipeline run this
    client works for: every bundle it commits names the run and becomes one
    of its outputs.
    """

    def __init__(self, servers: Optional[List[str]] = None, *, access_key: Optional[str] = None,
                 secret_key: Optional[str] = None, token: Optional[str] = None, token_file: Optional[str] = None,
                 ca_file: Optional[str] = None, context: Optional[str] = None, config_path: Optional[str] = None,
                 timeout: float = 60.0, retries: int = 4, verify: str = "node",
                 run: Optional[str] = None) -> None:
        explicit = servers is not None and (access_key is not None or token is not None or token_file is not None)
        cfg = _config.Config() if explicit and config_path is None else _config.load(config_path)
        upd: Dict[str, Any] = {}
        if servers is not None:
            upd["servers"] = list(servers)
        for k, v in (("access_key", access_key), ("secret_key", secret_key), ("ca_file", ca_file),
                     ("context", context)):
            if v is not None:
                upd[k] = v
        if token is not None or token_file is not None:
            upd["token"], upd["token_file"] = token or "", token_file or ""
        self.config = _config.replace_config(cfg, **upd)
        if verify not in VERIFY_MODES:
            raise ValueError(f"verify must be one of {VERIFY_MODES}")
        self.verify = verify
        self.run = env_run() if run is None else run
        self.context = self.config.context or "default"
        self.transport = Transport(self.config, timeout=timeout, retries=retries)

    def close(self) -> None:
        """Closes this thread's connections."""
        self.transport.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------
    def _ctx(self, context: Optional[str]) -> str:
        return context or self.context

    def _repo_path(self, repo: str, context: Optional[str]) -> str:
        if not repo:
            raise Invalid("repo name is empty")
        return f"/v1/contexts/{self._ctx(context)}/repos/{repo}"

    def _get(self, path: str, query: Any = None) -> Any:
        return self.transport.call("GET", path, query=query).json()

    def _send(self, method: str, path: str, body: Any, idempotent: bool = False) -> Answer:
        return self.transport.call(method, path, body=json.dumps(body).encode("utf-8"), idempotent=idempotent)

    # -- contexts and repos ------------------------------------------------
    def contexts(self) -> List[Context]:
        """Lists the contexts."""
        return [Context.from_json(d) for d in self._get("/v1/contexts")]

    def get_context(self, name: str) -> Context:
        """Gets one context (NotFound)."""
        return Context.from_json(self._get(f"/v1/contexts/{name}"))

    def create_context(self, name: str, description: str = "") -> Context:
        """Creates a context (Exists if it does)."""
        return Context.from_json(self._send("POST", "/v1/contexts", {"name": name, "description": description}).json())

    def repos(self, context: Optional[str] = None) -> List[Repo]:
        """Lists the repos of a context."""
        return [Repo.from_json(d) for d in self._get(f"/v1/contexts/{self._ctx(context)}/repos")]

    def get_repo(self, repo: str, context: Optional[str] = None) -> Repo:
        """Gets one repo (NotFound)."""
        return Repo.from_json(self._get(self._repo_path(repo, context)))

    def create_repo(self, repo: str, description: str, *, head_label: str = "",
                    context: Optional[str] = None) -> Repo:
        """Creates a repo (Exists if it does; a description is required)."""
        body: Dict[str, Any] = {"name": repo, "description": description}
        if head_label:
            body["head_label"] = head_label
        return Repo.from_json(self._send("POST", f"/v1/contexts/{self._ctx(context)}/repos", body).json())

    # -- bundles and labels ------------------------------------------------
    def bundles(self, repo: str, context: Optional[str] = None) -> List[Bundle]:
        """Lists a repo's bundles in commit order."""
        return [Bundle.from_json(d) for d in self._get(self._repo_path(repo, context) + "/bundles")]

    def get_bundle(self, repo: str, bundle_id: str, context: Optional[str] = None) -> Bundle:
        """Gets one bundle by ID (NotFound)."""
        return Bundle.from_json(self._get(self._repo_path(repo, context) + "/bundles/" + bundle_id))

    def latest_bundle(self, repo: str, context: Optional[str] = None) -> Bundle:
        """The repo's most recent bundle (NotFound if none)."""
        return Bundle.from_json(self._get(self._repo_path(repo, context) + "/bundles/latest"))

    def labels(self, repo: str, prefix: str = "", context: Optional[str] = None) -> List[Label]:
        """Lists a repo's labels whose names start with prefix."""
        q = {"prefix": prefix} if prefix else None
        return [Label.from_json(d) for d in self._get(self._repo_path(repo, context) + "/labels", q)]

    def get_label(self, repo: str, name: str, context: Optional[str] = None) -> Label:
        """Gets one label (NotFound)."""
        return Label.from_json(self._get(self._repo_path(repo, context) + "/labels/" + name))

    def set_label(self, repo: str, name: str, bundle_id: str, *, if_match: Optional[str] = None,
                  if_not_exists: bool = False, context: Optional[str] = None) -> Label:
        """Points a label at a bundle; with ``if_match`` only if it points at
        that bundle now, with ``if_not_exists`` only if it does not exist
        (PreconditionFailed otherwise). Never resent after it may have applied."""
        body: Dict[str, Any] = {"bundle_id": bundle_id}
        if if_match:
            body["if_match"] = if_match
        if if_not_exists:
            body["if_not_exists"] = True
        return Label.from_json(self._send("PUT", self._repo_path(repo, context) + "/labels/" + name, body).json())

    def label_history(self, repo: str, name: str, context: Optional[str] = None) -> List[LabelMove]:
        """The moves of a label, oldest first."""
        return [LabelMove.from_json(d) for d in self._get(self._repo_path(repo, context) + f"/labels/{name}/history")]

    def resolve(self, repo: str, *, label: Optional[str] = None, bundle: Optional[str] = None,
                context: Optional[str] = None) -> str:
        """The bundle ID a read names: ``bundle`` as given, else ``label``'s
        bundle, else the bundle of the repo's head label."""
        if label and bundle:
            raise ValueError("give label or bundle, not both")
        if bundle:
            return bundle
        if not label:
            label = self.get_repo(repo, context).head
        return self.get_label(repo, label, context).bundle_id

    # -- bundle contents ---------------------------------------------------
    def list_files(self, repo: str, *, label: Optional[str] = None, bundle: Optional[str] = None,
                   prefix: str = "", dir: Optional[str] = None, context: Optional[str] = None) -> Iterator[FileInfo]:
        """Yields a bundle's entries: every path starting with ``prefix``, or
        with ``dir`` ("" is the root) the directory's immediate children."""
        bid = self.resolve(repo, label=label, bundle=bundle, context=context)
        path = self._repo_path(repo, context) + f"/bundles/{bid}/files"
        after = ""
        while True:
            q: Dict[str, str] = {"dir": dir} if dir is not None else {"prefix": prefix}
            if after:
                q["after"] = after
            page = self._get(path, q)
            for d in page.get("files") or []:
                yield FileInfo.from_json(d)
            after = page.get("next", "")
            if not after:
                return

    def stat(self, repo: str, path: str, *, label: Optional[str] = None, bundle: Optional[str] = None,
             context: Optional[str] = None) -> FileInfo:
        """One entry with its chunk list (NotFound)."""
        bid = self.resolve(repo, label=label, bundle=bundle, context=context)
        return self._stat(repo, bid, path, context)

    def _stat(self, repo: str, bid: str, path: str, context: Optional[str]) -> FileInfo:
        return FileInfo.from_json(self._get(self._repo_path(repo, context) + f"/bundles/{bid}/file", {"path": path}))

    def get_chunk(self, chunk_id: str, size: Optional[int] = None) -> bytes:
        """One chunk's bytes, from any node, verified (see ``verify``); a
        chunk that fails verification is fetched from the next node
        (CorruptChunk if none has good bytes)."""
        return bytes(self._chunk_buf(chunk_id, size))

    def _chunk_buf(self, chunk_id: str, size: Optional[int] = None) -> Any:
        """get_chunk without the final copy (a bytes-like object)."""
        def check(a: Answer) -> None:
            if size is not None and len(a.body) != size:
                raise CorruptChunk(f"chunk {chunk_id} from {a.endpoint}: {len(a.body)} bytes, want {size}")
            if self.verify == "client" and _blake3_hex(a.body) != chunk_id:
                raise CorruptChunk(f"chunk {chunk_id} from {a.endpoint}: content does not match its ID")
        return self.transport.call("GET", "/v1/chunks/" + chunk_id, check=check).body

    def put_chunk(self, data: bytes) -> str:
        """Stores one chunk and returns its ID (content addressed: resending is harmless)."""
        a = self.transport.call("PUT", "/v1/chunks", body=bytes(data), unsigned=True, idempotent=True)
        cid = a.json()["id"]
        if self.verify == "client" and _blake3_hex(data) != cid:
            raise CorruptChunk(f"node {a.endpoint} answered id {cid} for a chunk with another hash")
        return cid

    def open(self, repo: str, path: str, *, label: Optional[str] = None, bundle: Optional[str] = None,
             context: Optional[str] = None, readahead: int = 2) -> BundleFile:
        """Opens a bundle file for reading: a seekable binary file object
        that fetches only the chunks it reads (and ``readahead`` chunks ahead
        of a sequential reader), each verified. The bundle is resolved once."""
        bid = self.resolve(repo, label=label, bundle=bundle, context=context)
        info = self._stat(repo, bid, path, context)
        return BundleFile(self, info, bundle_id=bid, readahead=readahead)

    def download(self, repo: str, dest: str, *, label: Optional[str] = None, bundle: Optional[str] = None,
                 prefix: str = "", context: Optional[str] = None) -> List[str]:
        """Writes a bundle's files (under ``prefix``) into directory ``dest``;
        returns the paths written. Paths are checked to stay inside ``dest``."""
        bid = self.resolve(repo, label=label, bundle=bundle, context=context)
        root = os.path.realpath(dest)
        out = []
        for fi in self.list_files(repo, bundle=bid, prefix=prefix, context=context):
            target = os.path.realpath(os.path.join(root, fi.path))
            if not target.startswith(root + os.sep):
                raise Invalid(f"path {fi.path!r} leaves {dest}")
            if fi.type == "dir":
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if fi.type == "symlink":
                if os.path.lexists(target):
                    os.remove(target)
                os.symlink(fi.target, target)
                out.append(fi.path)
                continue
            tmp = target + ".datamon-part"
            with self.open(repo, fi.path, bundle=bid, context=context) as src, open(tmp, "wb") as dst:
                while True:
                    b = src.read(8 << 20)
                    if not b:
                        break
                    dst.write(b)
            os.chmod(tmp, (fi.mode & 0o7777) or 0o644)
            os.replace(tmp, target)
            out.append(fi.path)
        return out

    def new_bundle(self, repo: str, *, message: str, label: Optional[str] = None, if_match: Optional[str] = None,
                   if_not_exists: bool = False, label_parent: bool = False, parents: Optional[List[str]] = None,
                   context: Optional[str] = None, chunk_size: int = 1 << 20,
                   run: Optional[str] = None) -> "BundleWriter":
        """A bundle being written: use as a context manager. Files are
        chunked and stored as they are added; leaving the block commits the
        bundle (and moves ``label``, guarded by ``if_match`` /
        ``if_not_exists``, in the same Raft command); leaving it with an
        exception commits nothing. ``run`` (default: the client's ``run``,
        ``$DATAMON_RUN``; "" for none) names the run producing the bundle:
        the bundle becomes its output (the run's owner's, PermissionDenied
        otherwise)."""
        from .writer import BundleWriter
        return BundleWriter(self, repo, message=message, label=label, if_match=if_match,
                            if_not_exists=if_not_exists, label_parent=label_parent, parents=parents,
                            context=self._ctx(context), chunk_size=chunk_size,
                            run=self.run if run is None else run)

    # -- cluster -----------------------------------------------------------
    def cluster_status(self) -> ClusterStatus:
        """The answering node's Raft status."""
        return ClusterStatus.from_json(self._get("/v1/cluster/status"))

    def members(self) -> List[Member]:
        """The cluster members (gossip view)."""
        return [Member.from_json(d) for d in self._get("/v1/cluster/members")]


__all__ = ["Client", "NotFound"]
