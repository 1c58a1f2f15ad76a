"""A seekable, read-only file object over a bundle file's chunks."""

from __future__ import annotations

import bisect
import io
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from .types import FileInfo

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client


class BundleFile(io.BufferedIOBase):
    """Reads one file of a bundle, fetching only the chunks a read touches.

    Each chunk is read from any node (failover on connection errors and
    5xx), verified (see ``Client.open``), and kept in a small cache; a
    sequential reader gets the next ``readahead`` chunks fetched in
    parallel. The bundle is pinned when the file is opened: a label that
    moves meanwhile does not change what this file returns.
    """

    def __init__(self, client: "Client", info: FileInfo, *, bundle_id: str, readahead: int = 4,
                 cache_chunks: int = 8) -> None:
        super().__init__()
        if info.type != "file":
            raise IsADirectoryError(info.path) if info.type == "dir" else OSError(f"{info.path}: a {info.type}")
        self._client = client
        self.info = info
        self.name = info.path
        self.bundle_id = bundle_id
        self.size = info.size
        self._starts: List[int] = []
        off = 0
        for c in info.chunks:
            self._starts.append(off)
            off += c.size
        self._pos = 0
        self._readahead = max(0, readahead)
        self._cap = max(2, cache_chunks, self._readahead + 2)
        self._cache: Dict[int, Future] = {}
        self._order: List[int] = []
        self._lock = threading.Lock()
        self._pool: Optional[ThreadPoolExecutor] = None
        self._last_idx = -2

    # -- io.BufferedIOBase -------------------------------------------------
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        self._check()
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check()
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"bad whence {whence}")
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def read(self, size: Optional[int] = -1) -> bytes:
        self._check()
        if size is None or size < 0:
            size = max(0, self.size - self._pos)
        end = min(self.size, self._pos + size)
        if end <= self._pos:
            return b""
        parts = []
        pos = self._pos
        while pos < end:
            i = bisect.bisect_right(self._starts, pos) - 1
            data = self._chunk(i)
            lo = pos - self._starts[i]
            hi = min(len(data), end - self._starts[i])
            parts.append(memoryview(data)[lo:hi])
            pos = self._starts[i] + hi
        self._pos = end
        return bytes(parts[0]) if len(parts) == 1 else b"".join(parts)

    def read1(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 20
        return self.read(size)

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.read(len(b))
        n = len(data)
        memoryview(b).cast("B")[:n] = data
        return n

    def close(self) -> None:
        if not self.closed:
            with self._lock:
                self._cache.clear()
                self._order.clear()
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
        super().close()

    # -- chunks ------------------------------------------------------------
    def _check(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def _fetch(self, i: int) -> Any:
        c = self.info.chunks[i]
        return self._client._chunk_buf(c.id, size=c.size)

    def _submit(self, i: int) -> Future:
        # Called with the lock held.
        f = self._cache.get(i)
        if f is not None:
            self._order.remove(i)
            self._order.append(i)
            return f
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=max(1, self._readahead), thread_name_prefix="datamon-read")
        f = self._pool.submit(self._fetch, i)
        self._cache[i] = f
        self._order.append(i)
        while len(self._order) > self._cap:
            old = self._order.pop(0)
            self._cache.pop(old).cancel()
        return f

    def _chunk(self, i: int) -> Any:
        with self._lock:
            sequential = i in (self._last_idx, self._last_idx + 1)
            self._last_idx = i
            if self._readahead == 0 and i not in self._cache:
                f = None
            else:
                f = self._submit(i)
                if sequential:
                    for j in range(i + 1, min(len(self.info.chunks), i + 1 + self._readahead)):
                        self._submit(j)
        if f is None:
            data = self._fetch(i)
            with self._lock:
                done: Future = Future()
                done.set_result(data)
                self._cache[i] = done
                self._order.append(i)
                while len(self._order) > self._cap:
                    self._cache.pop(self._order.pop(0))
            return data
        try:
            return f.result()
        except BaseException:
            with self._lock:  # do not cache a failure: the next read tries again
                if self._cache.get(i) is f:
                    del self._cache[i]
                    self._order.remove(i)
            raise
