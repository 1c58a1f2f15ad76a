"""datamon: read and write datamon bundles from Python.

Three ways in:

* the SDK — ``datamon.Client`` (this package, standard library only);
* fsspec — ``datamon://[context.]repo@label/path`` URLs in pandas, fsspec
  and anything built on them (``datamon.fsspec``, needs fsspec);
* S3 — boto3 against the node's S3 gateway (buckets are repos).

See docs/python.md.
"""

from .client import Client
from .config import Config, load as load_config
from .errors import (ConfigError, CorruptChunk, DatamonError, Exists, Invalid, NotFound, PermissionDenied,
                     PreconditionFailed, Throttled, TooLarge, Unauthenticated, Unavailable)
from .fileobj import BundleFile
from .runs import RUN_ENV
from .types import (Bundle, ChunkRef, ClusterStatus, CodeRef, Context, Contributor, FileInfo, Label, LabelMove,
                    Member, MetricPoint, Repo, Run, RunBundle)
from .writer import BundleWriter

__version__ = "0.1.0"

try:  # datamon:// for fsspec users without the installed entry point (PYTHONPATH use)
    import fsspec as _fsspec
except ImportError:  # fsspec is optional
    pass
else:
    from fsspec.registry import known_implementations as _known

    if "datamon" not in _fsspec.registry and "datamon" not in _known:
        _fsspec.register_implementation("datamon", "datamon.fsspec.DatamonFileSystem", clobber=False,
                                        errtxt="datamon.fsspec needs fsspec")

__all__ = [
    "Client", "Config", "load_config", "BundleFile", "BundleWriter",
    "DatamonError", "ConfigError", "NotFound", "Exists", "Invalid", "PreconditionFailed", "PermissionDenied",
    "Unauthenticated", "TooLarge", "Throttled", "Unavailable", "CorruptChunk",
    "Bundle", "ChunkRef", "ClusterStatus", "Context", "Contributor", "FileInfo", "Label", "LabelMove", "Member",
    "Repo", "Run", "RunBundle", "MetricPoint", "CodeRef", "RUN_ENV",
]
