"""Request signing: the DATAMON-HMAC-SHA256 scheme of package apiauth.

A request carries::

    Authorization: DATAMON-HMAC-SHA256 Credential=<key>, Date=<RFC3339>, Signature=<hex>
    X-Datamon-Content-Sha256: <hex SHA-256 of the body | UNSIGNED-PAYLOAD>

with Signature = hex(HMAC-SHA256(secret, METHOD \\n path \\n canonical-query \\n
date \\n body-digest)); path is the unescaped request path and the
canonical query is sorted by key, then value, and encoded as Go's
``url.Values.Encode`` does (``quote_plus`` with no safe characters).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
from typing import Iterable, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote_plus

SCHEME = "DATAMON-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
HEADER_CONTENT_DIGEST = "X-Datamon-Content-Sha256"

Query = Union[Mapping[str, Union[str, Sequence[str]]], Iterable[Tuple[str, str]], None]


def body_digest(body: bytes) -> str:
    """Lowercase hex SHA-256 of body."""
    return hashlib.sha256(body).hexdigest()


def _pairs(query: Query) -> list:
    if not query:
        return []
    items = query.items() if isinstance(query, Mapping) else query
    out: list = []
    for k, v in items:
        if isinstance(v, (list, tuple)):
            out.extend((k, str(x)) for x in v)
        else:
            out.append((k, str(v)))
    return out


def canonical_query(query: Query) -> str:
    """Sorted by key then value, URL-encoded; empty names are dropped."""
    pairs = sorted((k, v) for k, v in _pairs(query) if k != "")
    return "&".join(quote_plus(k, safe="") + "=" + quote_plus(v, safe="") for k, v in pairs)


def format_date(t: Optional[_dt.datetime] = None) -> str:
    """RFC 3339 in UTC, seconds precision (the Go signer's format)."""
    t = t or _dt.datetime.now(_dt.timezone.utc)
    return t.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def string_to_sign(method: str, path: str, query: Query, date: str, digest: str) -> str:
    """The signed text of one request."""
    return "\n".join([method.upper(), path, canonical_query(query), date, digest])


def signature(secret: str, method: str, path: str, query: Query, date: str, digest: str) -> str:
    """hex(HMAC-SHA256(secret, string_to_sign(...)))."""
    msg = string_to_sign(method, path, query, date, digest).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).hexdigest()


def sign(access_key: str, secret: str, method: str, path: str, query: Query, digest: str,
         date: Optional[str] = None) -> str:
    """The Authorization header value of a request signed with the key."""
    date = date or format_date()
    sig = signature(secret, method, path, query, date, digest)
    return f"{SCHEME} Credential={access_key}, Date={date}, Signature={sig}"
