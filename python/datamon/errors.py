"""Exceptions raised by the datamon client, one per error kind of the API.

Every error answer of a node is ``{"error": {"code": C, "message": M}}``;
:func:`from_answer` maps the code (or, failing that, the HTTP status) to a
class, the same mapping as the Go client (``client/errors.go``).
"""

from __future__ import annotations

import json
from typing import Optional


class DatamonError(Exception):
    """Base class of every datamon error.

    Attributes: ``status`` (HTTP status, 0 when no answer), ``code`` (the
    API's error code), ``message`` and ``endpoint`` (the node that answered).
    """

    def __init__(self, message: str, *, status: int = 0, code: str = "", endpoint: str = "",
                 retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.endpoint = endpoint
        self.retry_after = retry_after


class ConfigError(DatamonError):
    """The client configuration (client.yaml, arguments, environment) is unusable."""


class NotFound(DatamonError):
    """404: the context, repo, bundle, label, file or chunk does not exist."""


class Exists(DatamonError):
    """409: the context, repo or key already exists."""


class Invalid(DatamonError):
    """400: the request was refused as invalid (bad name, path, body...)."""


class PreconditionFailed(DatamonError):
    """412: a compare-and-set failed (``if_match``, ``if_not_exists``)."""


class PermissionDenied(DatamonError):
    """403: the key may not do this."""


class Unauthenticated(PermissionDenied):
    """401: the signature, key or bearer token was refused."""


class TooLarge(DatamonError):
    """413: the request body is larger than the node accepts."""


class Throttled(DatamonError):
    """429: too many failed authentications; see ``retry_after``."""


class Unavailable(DatamonError):
    """5xx or no endpoint reachable: the cluster could not serve the call."""


class CorruptChunk(DatamonError):
    """A chunk's bytes did not hash to its ID (client-side verification)."""


_BY_CODE = {
    "NotFound": NotFound,
    "Exists": Exists,
    "NotEmpty": Exists,
    "Invalid": Invalid,
    "Precondition": PreconditionFailed,
    "PermissionDenied": PermissionDenied,
    "Unauthenticated": Unauthenticated,
    "TooLarge": TooLarge,
    "Unavailable": Unavailable,
    "NodesDown": Unavailable,
    "NotServing": Unavailable,
    "Throttled": Throttled,
}

_BY_STATUS = {
    400: Invalid,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: Exists,
    412: PreconditionFailed,
    413: TooLarge,
    429: Throttled,
}


def from_answer(endpoint: str, status: int, body: bytes, retry_after: float = 0.0) -> DatamonError:
    """Builds the exception of a non-2xx answer (non-JSON bodies map by status)."""
    code, message = "", ""
    try:
        env = json.loads(body.decode("utf-8"))
        if isinstance(env, dict) and isinstance(env.get("error"), dict):
            code = str(env["error"].get("code", ""))
            message = str(env["error"].get("message", ""))
    except (ValueError, UnicodeDecodeError):
        pass
    if not message:
        message = f"{endpoint}: HTTP {status}"
        text = body.decode("utf-8", "replace").strip()
        if text and len(text) <= 200 and not any(c in text for c in "<{\n"):
            message += ": " + text
    cls: Optional[type] = _BY_CODE.get(code)
    if cls is None:
        cls = _BY_STATUS.get(status, Unavailable if status >= 500 else DatamonError)
    return cls(message, status=status, code=code, endpoint=endpoint, retry_after=retry_after)
