"""fsspec filesystem for ``datamon://`` URLs.

``datamon://[context.]repo[@label|@bundle-id]/path`` names a file of a
bundle: ``@label`` (or, when no such label exists, a 27-character bundle
ID) picks the bundle, and without ``@`` the repo's head label does. With
fsspec registered (importing this module does it; an installed package
also registers the ``fsspec.specs`` entry point), ``pandas.read_csv``,
``pandas.read_parquet``, ``fsspec.open``, ``fs.glob`` and ``fs.ls`` work
unmodified.

Writes (``open(..., "wb")``) go into a draft kept by the filesystem
object, one per ``context/repo``: each closed file's chunks are stored at
once, and ``fs.commit(repo, message, label)`` commits the draft as a new
bundle holding the files written (``if_match`` guards the label move);
``fs.discard(repo)`` drops it.
"""

from __future__ import annotations

import tempfile
from typing import Any, Dict, List, Optional, Tuple

from fsspec import register_implementation
from fsspec.spec import AbstractFileSystem

from .client import BUNDLE_ID, Client
from .errors import Invalid, NotFound
from .types import Bundle, FileInfo
from .writer import BundleWriter


class DatamonFileSystem(AbstractFileSystem):
    """The ``datamon`` protocol. Keyword arguments go to ``datamon.Client``
    (e.g. ``servers=``, ``config_path=``); a ready ``client=`` is used as is."""

    protocol = "datamon"
    root_marker = ""

    def __init__(self, client: Optional[Client] = None, **client_kwargs: Any) -> None:
        super().__init__(client=client, **client_kwargs)
        self.client = client or Client(**client_kwargs)
        self._drafts: Dict[Tuple[str, str], BundleWriter] = {}

    # -- paths ---------------------------------------------------------------
    @classmethod
    def _strip_protocol(cls, path: Any) -> str:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]  # type: ignore[return-value]
        path = str(path)
        if path.startswith("datamon://"):
            path = path[len("datamon://"):]
        elif path.startswith("datamon:"):
            path = path[len("datamon:"):]
        return path.strip("/")

    def split(self, path: str) -> Tuple[str, str, Optional[str], str]:
        """(context, repo, ref or None, path inside the bundle) of a URL."""
        p = self._strip_protocol(path)
        head, _, rest = p.partition("/")
        name, at, ref = head.partition("@")
        if at and not ref:
            raise ValueError(f"{path}: empty ref after '@'")
        ctx, dot, repo = name.partition(".")
        if not dot:
            ctx, repo = self.client.context, name
        if not repo:
            raise ValueError(f"{path}: no repo (want datamon://[context.]repo[@ref]/path)")
        return ctx, repo, (ref if at else None), rest

    def _bundle(self, ctx: str, repo: str, ref: Optional[str]) -> str:
        if ref is None:
            return self.client.resolve(repo, context=ctx)
        try:
            return self.client.get_label(repo, ref, context=ctx).bundle_id
        except NotFound:
            if BUNDLE_ID.match(ref):
                return self.client.get_bundle(repo, ref, context=ctx).id
            raise

    @staticmethod
    def _entry(prefix: str, fi: FileInfo) -> Dict[str, Any]:
        t = "directory" if fi.type == "dir" else ("link" if fi.type == "symlink" else "file")
        d: Dict[str, Any] = {"name": f"{prefix}/{fi.path}", "size": fi.size, "type": t, "mode": fi.mode,
                             "mtime": fi.mtime_ns / 1e9}
        if fi.type == "symlink":
            d["destination"] = fi.target
        return d

    # -- reading -------------------------------------------------------------
    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> List[Any]:
        ctx, repo, ref, rest = self.split(path)
        prefix = self._strip_protocol(path).partition("/")[0]
        bid = self._bundle(ctx, repo, ref)
        out = [self._entry(prefix, fi) for fi in self.client.list_files(repo, bundle=bid, dir=rest, context=ctx)]
        if not out and rest:
            try:
                fi = self.client.stat(repo, rest, bundle=bid, context=ctx)
            except (NotFound, Invalid):
                raise FileNotFoundError(path) from None
            out = [self._entry(prefix, fi)]
        return out if detail else [o["name"] for o in out]

    def info(self, path: str, **kwargs: Any) -> Dict[str, Any]:
        ctx, repo, ref, rest = self.split(path)
        prefix = self._strip_protocol(path).partition("/")[0]
        bid = self._bundle(ctx, repo, ref)
        if not rest:
            return {"name": prefix, "size": 0, "type": "directory", "bundle": bid}
        try:
            d = self._entry(prefix, self.client.stat(repo, rest, bundle=bid, context=ctx))
            d["bundle"] = bid
            return d
        except NotFound:
            pass
        for _ in self.client.list_files(repo, bundle=bid, dir=rest, context=ctx):
            return {"name": f"{prefix}/{rest}", "size": 0, "type": "directory", "bundle": bid}
        raise FileNotFoundError(path)

    def _open(self, path: str, mode: str = "rb", block_size: Any = None, autocommit: bool = True,
              cache_options: Any = None, **kwargs: Any) -> Any:
        ctx, repo, ref, rest = self.split(path)
        if not rest:
            raise IsADirectoryError(path)
        if "r" in mode:
            bid = self._bundle(ctx, repo, ref)
            try:
                return self.client.open(repo, rest, bundle=bid, context=ctx)
            except NotFound:
                raise FileNotFoundError(path) from None
        if ref is not None:
            raise ValueError(f"{path}: writes go to the repo's draft: drop '@{ref}' and name the label at commit")
        if "w" not in mode:
            raise ValueError(f"mode {mode!r}: datamon files are read (rb) or written whole (wb)")
        return _DraftFile(self._draft(ctx, repo), rest)

    # -- writing -------------------------------------------------------------
    def _draft(self, ctx: str, repo: str) -> BundleWriter:
        w = self._drafts.get((ctx, repo))
        if w is None:
            # message and label are given to commit; the writer only stores chunks until then.
            w = self._drafts[(ctx, repo)] = self.client.new_bundle(repo, message="(draft)", context=ctx)
        return w

    def draft_paths(self, repo: str, context: Optional[str] = None) -> List[str]:
        """The files written into repo's draft so far."""
        w = self._drafts.get((context or self.client.context, repo))
        return w.paths if w else []

    def commit(self, repo: str, message: str, label: Optional[str] = None, *, if_match: Optional[str] = None,
               if_not_exists: bool = False, context: Optional[str] = None, run: Optional[str] = None) -> Bundle:
        """Commits repo's draft as a new bundle; ``label`` moves to it in the
        same command, guarded by ``if_match`` / ``if_not_exists``; ``run``
        (default: the client's, ``$DATAMON_RUN``) gets the bundle as an output. On a failed
        guard (PreconditionFailed) nothing is committed and the draft is dropped."""
        ctx = context or self.client.context
        w = self._drafts.pop((ctx, repo), None)
        if w is None:
            raise ValueError(f"nothing written to {ctx}/{repo}")
        w.message, w.label, w.if_match, w.if_not_exists = message, label, if_match, if_not_exists
        if run is not None:
            w.run = run
        return w.commit()

    def discard(self, repo: str, context: Optional[str] = None) -> None:
        """Drops repo's draft (its chunks stay unreferenced until GC)."""
        w = self._drafts.pop((context or self.client.context, repo), None)
        if w is not None:
            w.discard()


class _DraftFile(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
    """A file being written: spooled locally, stored into the draft on close."""

    def __init__(self, writer: BundleWriter, path: str) -> None:
        super().__init__(max_size=64 << 20, mode="w+b")
        self._writer, self._path = writer, path
        self._stored = False

    def close(self) -> None:
        if not self._stored and not self.closed:
            self._stored = True
            self.seek(0)
            self._writer.write_file(self._path, self)  # type: ignore[arg-type]
        super().close()

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is not None:
            self._stored = True  # a failed write stores nothing
        self.close()


register_implementation("datamon", DatamonFileSystem, clobber=True)
