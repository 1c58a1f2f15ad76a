"""BundleWriter: writing a new bundle through the chunk API.

Files are cut into fixed-size chunks, stored with PUT /v1/chunks (in
parallel, content addressed, so a resend is harmless), and listed with
their chunk IDs; commit sends the list to POST .../bundles/assemble, where
the node checks every chunk is stored, writes the manifest and commits the
bundle — moving the label in the same Raft command when asked, guarded by
``if_match``/``if_not_exists``. Until commit nothing is visible; an aborted
writer leaves only unreferenced chunks, which GC collects.
"""

from __future__ import annotations

import io
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Dict, List, Optional, Union

from .errors import DatamonError, Invalid
from .types import Bundle

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

Data = Union[bytes, bytearray, memoryview, str, BinaryIO, IO[bytes]]


def check_path(p: str) -> str:
    """A bundle path: relative, '/'-separated, no empty, '.' or '..' segment."""
    if not p or p.startswith("/") or p.endswith("/") or len(p) > 4096 or "\x00" in p:
        raise Invalid(f"bad bundle path {p!r}")
    if any(s in ("", ".", "..") for s in p.split("/")):
        raise Invalid(f"bad bundle path {p!r}")
    return p


class BundleWriter:
    """Collects files for one new bundle; see ``Client.new_bundle``."""

    def __init__(self, client: "Client", repo: str, *, message: str, label: Optional[str], if_match: Optional[str],
                 if_not_exists: bool, label_parent: bool, parents: Optional[List[str]], context: str,
                 chunk_size: int, parallel: int = 4, run: str = "") -> None:
        if not message:
            raise Invalid("a bundle needs a message")
        if not 1 <= chunk_size <= 32 << 20:
            raise ValueError("chunk_size must be 1 B .. 32 MiB")
        self._client = client
        self.repo, self.context, self.message = repo, context, message
        self.label, self.if_match, self.if_not_exists = label, if_match, if_not_exists
        self.label_parent, self.parents = label_parent, list(parents or [])
        self.chunk_size = chunk_size
        self.run = run  # the producing run ("" for none)
        self._files: Dict[str, Dict[str, Any]] = {}
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="datamon-put")
        self._parallel = parallel
        self.bundle: Optional[Bundle] = None
        self._done = False

    def __enter__(self) -> "BundleWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.discard()
            return
        self.commit()

    # -- adding files --------------------------------------------------------
    def _open(self) -> None:
        if self._done:
            raise DatamonError("bundle writer already committed or discarded")

    def write_file(self, path: str, data: Data, *, mode: int = 0o644, mtime_ns: Optional[int] = None,
                   attrs: Optional[Dict[str, str]] = None) -> int:
        """Adds (or replaces) one file from bytes, str (UTF-8) or a binary
        file object read to its end; returns its size."""
        self._open()
        check_path(path)
        if isinstance(data, str):
            data = data.encode("utf-8")
        src: IO[bytes] = io.BytesIO(bytes(data)) if isinstance(data, (bytes, bytearray, memoryview)) else data
        futs = []
        size = 0
        while True:
            b = src.read(self.chunk_size)
            if not b:
                break
            if len(b) < self.chunk_size:  # short read from a pipe: fill the chunk
                while len(b) < self.chunk_size:
                    more = src.read(self.chunk_size - len(b))
                    if not more:
                        break
                    b += more
            size += len(b)
            futs.append((self._pool.submit(self._client.put_chunk, b), len(b)))
            while len([f for f, _ in futs if not f.done()]) > 2 * self._parallel:
                futs[-2 * self._parallel][0].result()
        chunks = [{"id": f.result(), "size": n} for f, n in futs]
        entry: Dict[str, Any] = {"path": path, "mode": mode & 0o7777,
                                 "mtime": time.time_ns() if mtime_ns is None else mtime_ns, "chunks": chunks}
        if attrs:
            entry["attrs"] = dict(attrs)
        self._files[path] = entry
        return size

    def add_dir(self, localdir: str, prefix: str = "") -> List[str]:
        """Adds every regular file and symlink under localdir, at
        ``prefix/<relative path>``; returns the bundle paths added."""
        self._open()
        added = []
        base = os.path.abspath(localdir)
        for root, dirs, files in os.walk(base):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, base).replace(os.sep, "/")
                p = f"{prefix.rstrip('/')}/{rel}" if prefix else rel
                st = os.lstat(full)
                if os.path.islink(full):
                    self.add_symlink(p, os.readlink(full))
                else:
                    with open(full, "rb") as f:
                        self.write_file(p, f, mode=st.st_mode & 0o7777, mtime_ns=st.st_mtime_ns)
                added.append(p)
        return added

    def add_symlink(self, path: str, target: str) -> None:
        """Adds a symlink entry (the target is stored verbatim)."""
        self._open()
        check_path(path)
        self._files[path] = {"path": path, "type": "symlink", "target": target, "mode": 0o777}

    @property
    def paths(self) -> List[str]:
        """The paths added so far, sorted."""
        return sorted(self._files)

    # -- ending ------------------------------------------------------------
    def commit(self) -> Bundle:
        """Commits the files as one bundle and returns it. Raises
        PreconditionFailed (nothing committed) when the label guard fails."""
        self._open()
        self._done = True
        self._pool.shutdown(wait=True)
        body: Dict[str, Any] = {"message": self.message, "files": [self._files[p] for p in sorted(self._files)]}
        if self.parents:
            body["parents"] = self.parents
        if self.run:
            body["run"] = self.run
        if self.label:
            body["label"] = self.label
            if self.if_match:
                body["if_match"] = self.if_match
            if self.if_not_exists:
                body["if_not_exists"] = True
            if self.label_parent:
                body["label_parent"] = True
        a = self._client._send("POST", self._client._repo_path(self.repo, self.context) + "/bundles/assemble", body)
        self.bundle = Bundle.from_json(a.json())
        return self.bundle

    def discard(self) -> None:
        """Drops the writer: nothing is committed."""
        self._done = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._files.clear()
