"""HTTP transport: signed requests with failover across endpoints.

Like the Go client (``client/client.go``): each call goes to the endpoint
that answered last; on a connection error, or a 503 ``NotServing`` answer,
it moves to the next endpoint with exponential backoff. Idempotent calls
(reads) also retry on any 5xx and on timeouts and broken connections.
Writes whose resend could repeat an effect (commits, label moves) are
retried only when the node cannot have applied them. 4xx answers are never
retried. Connections are kept alive, one per endpoint per thread.
"""

from __future__ import annotations

import http.client
import json
import random
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote

from . import auth
from .config import Config, split_endpoint
from .errors import ConfigError, DatamonError, Unavailable, from_answer

MAX_TOKEN_FILE = 64 << 10
MAX_RETRY_AFTER = 30.0


@dataclass
class Answer:
    """A 2xx answer."""
    status: int
    body: bytes
    headers: Dict[str, str]
    endpoint: str

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class _ConnError(Exception):
    """The request could not be sent or answered (connection level)."""

    def __init__(self, err: BaseException, sent: bool) -> None:
        super().__init__(str(err))
        self.err = err
        self.sent = sent  # False: nothing reached the node (dial failed)


def read_token(path: str) -> str:
    """Reads a bearer token file (re-read on every request, for rotation)."""
    try:
        with open(path, "rb") as f:
            b = f.read(MAX_TOKEN_FILE + 1)
    except OSError as e:
        raise ConfigError(f"token file: {e}") from None
    if len(b) > MAX_TOKEN_FILE:
        raise ConfigError(f"token file {path}: larger than {MAX_TOKEN_FILE} bytes")
    tok = b.decode("utf-8", "replace").strip()
    if not tok or any(c in tok for c in " \t\r\n"):
        raise ConfigError(f"token file {path}: want one token")
    return tok


def _read_body(resp: http.client.HTTPResponse) -> bytes:
    """The whole body; a large one of known length is read straight into
    one buffer (http.client's read() joins many partial reads)."""
    n = resp.length
    if n is None or n < 256 << 10:
        return resp.read()
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = resp.readinto(view[got:])
        if not k:
            raise http.client.IncompleteRead(bytes(view[:got]), n - got)
        got += k
    return buf  # type: ignore[return-value]  # a bytearray: bytes-like, sliced and joined by callers


def escape_path(p: str) -> str:
    """Escapes each segment of an unescaped path."""
    return "/".join(quote(s, safe="") for s in p.split("/"))


class Transport:
    """Sends signed API calls to a list of endpoints with failover."""

    def __init__(self, cfg: Config, *, timeout: float = 60.0, retries: int = 4,
                 backoff: float = 0.05, max_backoff: float = 2.0) -> None:
        cfg.validate()
        self.cfg = cfg
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.endpoints: List[Tuple[str, str]] = [split_endpoint(e) for e in cfg.servers]
        self._preferred = 0
        self._local = threading.local()
        self._ssl: Optional[ssl.SSLContext] = None
        if any(s == "https" for s, _ in self.endpoints):
            ctx = ssl.create_default_context(cafile=cfg.ca_file or None)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            self._ssl = ctx

    # -- connections -------------------------------------------------------
    def _conn(self, i: int) -> http.client.HTTPConnection:
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        c = conns.get(i)
        if c is None:
            scheme, host = self.endpoints[i]
            if scheme == "https":
                c = http.client.HTTPSConnection(host, timeout=self.timeout, context=self._ssl)
            else:
                c = http.client.HTTPConnection(host, timeout=self.timeout)
            conns[i] = c
        return c

    def _drop(self, i: int) -> None:
        conns = getattr(self._local, "conns", {})
        c = conns.pop(i, None)
        if c is not None:
            c.close()

    def close(self) -> None:
        """Closes this thread's connections."""
        for i in list(getattr(self._local, "conns", {})):
            self._drop(i)

    def base(self, i: int) -> str:
        s, h = self.endpoints[i]
        return f"{s}://{h}"

    # -- one attempt -------------------------------------------------------
    def _authorization(self, method: str, path: str, query: Any, digest: str) -> str:
        tok = self.cfg.token
        if self.cfg.token_file:
            tok = read_token(self.cfg.token_file)
        if tok:
            return "Bearer " + tok
        return auth.sign(self.cfg.access_key, self.cfg.secret_key, method, path, query, digest)

    def _once(self, i: int, method: str, path: str, query: Any, body: bytes, unsigned: bool,
              headers: Optional[Dict[str, str]]) -> Answer:
        q = auth.canonical_query(query)
        url = escape_path(path) + ("?" + q if q else "")
        digest = auth.UNSIGNED_PAYLOAD if unsigned else auth.body_digest(body)
        h = {auth.HEADER_CONTENT_DIGEST: digest,
             "Authorization": self._authorization(method, path, query, digest),
             "User-Agent": "datamon-python"}
        if body:
            h["Content-Type"] = "application/octet-stream" if unsigned else "application/json"
        if headers:
            h.update(headers)
        conn = self._conn(i)
        sent = False
        try:
            if conn.sock is None:
                conn.connect()
            sent = True
            conn.request(method, url, body=body if body else None, headers=h)
            resp = conn.getresponse()
            data = _read_body(resp)
        except (OSError, http.client.HTTPException) as e:
            self._drop(i)
            # A reused keep-alive connection the node closed: nothing was applied.
            raise _ConnError(e, sent) from None
        if resp.getheader("Connection", "").lower() == "close":
            self._drop(i)
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        if not 200 <= resp.status <= 299:
            ra = 0.0
            try:
                ra = min(float(hdrs.get("retry-after", "0")), MAX_RETRY_AFTER)
            except ValueError:
                pass
            raise from_answer(self.base(i), resp.status, data, retry_after=ra)
        return Answer(resp.status, data, hdrs, self.base(i))

    # -- failover ----------------------------------------------------------
    @staticmethod
    def _retryable(err: DatamonError, idempotent: bool) -> bool:
        if err.code == "NodesDown":
            return False  # lasts until a node is back: fail fast
        if idempotent:
            return err.status >= 500
        # A write is resent only when the node said it did not process it.
        return err.status == 503 and err.code == "NotServing"

    def call(self, method: str, path: str, *, query: Any = None, body: bytes = b"", unsigned: bool = False,
             idempotent: Optional[bool] = None, headers: Optional[Dict[str, str]] = None,
             check: Optional[Callable[[Answer], None]] = None) -> Answer:
        """Sends one call with failover and returns its 2xx answer.

        Raises a DatamonError subclass. ``check(answer)`` validates a 2xx
        answer; a DatamonError with status 0 raised there (a corrupt chunk)
        makes the call try the next endpoint.
        """
        if idempotent is None:
            idempotent = method in ("GET", "HEAD")
        n = len(self.endpoints)
        start = self._preferred
        last: Optional[BaseException] = None
        for attempt in range(self.retries + 1):
            if attempt:
                d = min(self.backoff * (2 ** (attempt - 1)), self.max_backoff)
                if isinstance(last, DatamonError) and last.retry_after > d:
                    d = last.retry_after
                time.sleep(d * (0.75 + random.random() / 2))
            i = (start + attempt) % n
            if not idempotent:
                self._drop(i)  # a fresh connection: a stale keep-alive could eat a write
            try:
                a = self._once(i, method, path, query, body, unsigned, headers)
                if check is not None:
                    check(a)
                self._preferred = i
                return a
            except _ConnError as e:
                last = e
                if not (idempotent or not e.sent):
                    raise Unavailable(f"{method} {self.base(i)}{path}: {e.err} (may have been applied)",
                                      endpoint=self.base(i)) from None
            except ConfigError:
                raise
            except DatamonError as e:
                last = e
                if e.status != 0 and not self._retryable(e, idempotent):
                    raise
        if isinstance(last, _ConnError):
            raise Unavailable(f"{method} {path}: no endpoint answered (last: {last.err})")
        assert isinstance(last, DatamonError)
        if isinstance(last, Unavailable) or last.status == 0:
            raise last
        raise Unavailable(f"{method} {path}: {last}", status=last.status, code=last.code, endpoint=last.endpoint)
