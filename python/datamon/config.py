"""client.yaml: the configuration file the CLI, FUSE and this package share.

Resolution is the CLI's: the file named by ``path``, else ``$DATAMON_CONFIG``,
else ``~/.datamon/client.yaml`` (optional); then the environment
(``DATAMON_SERVER``, ``DATAMON_ACCESS_KEY``, ``DATAMON_SECRET_KEY``,
``DATAMON_CA_FILE``, ``DATAMON_TOKEN`` / ``DATAMON_TOKEN_FILE``) overrides the
file. The format is the subset of YAML the Go client writes and reads::

    server:                       # one URL, "u1,u2", or a list
      - https://127.0.0.1:7001
    access_key: AK...
    secret_key: ...
    token: eyJ...                 # or token_file: /path (instead of the keys)
    ca_file: tls/ca.crt           # relative: to the file's directory
    s3_endpoint: https://127.0.0.1:9001
    context: default
    name: Jane Doe
    email: jane@example.com

Unknown keys are errors, as in the Go client (they are usually typos).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from typing import Dict, List, Mapping, Optional, Tuple, Union

from .errors import ConfigError

KNOWN_KEYS = ("server", "access_key", "secret_key", "token", "token_file", "s3_endpoint",
              "ca_file", "context", "name", "email")
MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True)
class Config:
    """A resolved client configuration."""
    servers: List[str] = field(default_factory=list)
    access_key: str = ""
    secret_key: str = ""
    token: str = ""
    token_file: str = ""
    ca_file: str = ""
    s3_endpoint: str = ""
    context: str = "default"
    name: str = ""
    email: str = ""

    def validate(self) -> None:
        """Raises ConfigError unless the endpoints and credentials are usable."""
        if not self.servers:
            raise ConfigError("no endpoints (set server: in client.yaml, DATAMON_SERVER or servers=)")
        for s in self.servers:
            split_endpoint(s)
        if self.token and self.token_file:
            raise ConfigError("token and token_file are exclusive")
        if any(c in self.token for c in " \t\r\n"):
            raise ConfigError("token contains white space")
        if not (self.token or self.token_file) and not (self.access_key and self.secret_key):
            raise ConfigError("access key and secret key (or a bearer token) are required")


def split_endpoint(e: str) -> Tuple[str, str]:
    """Returns (scheme, host:port) of an endpoint URL ("host:port" means http)."""
    host = e.rstrip("/")
    scheme = "http"
    if "://" in host:
        scheme, host = host.split("://", 1)
    if scheme not in ("http", "https") or not host or any(c in host for c in "/?#@ "):
        raise ConfigError(f"bad endpoint {e!r} (want https://host:port)")
    return scheme, host


def split_servers(v: str) -> List[str]:
    """Splits "u1, u2" into trimmed, non-empty URLs."""
    return [p.strip() for p in v.split(",") if p.strip()]


def _scalar(v: str, line: int) -> str:
    v = v.strip()
    if v.startswith('"'):
        end = v.rfind('"')
        if end == 0:
            raise ConfigError(f"line {line}: unterminated string")
        try:
            return json.loads(v[: end + 1])
        except ValueError as e:
            raise ConfigError(f"line {line}: bad string: {e}") from None
    if v.startswith("'"):
        end = v.rfind("'")
        if end == 0:
            raise ConfigError(f"line {line}: unterminated string")
        return v[1:end].replace("''", "'")
    for i, c in enumerate(v):  # a comment starts at " #"
        if c == "#" and (i == 0 or v[i - 1] in " \t"):
            v = v[:i]
            break
    v = v.strip()
    return "" if v in ("~", "null") else v


def parse(text: str) -> Dict[str, Union[str, List[str]]]:
    """Parses client.yaml content: top-level ``key: scalar`` pairs, and for
    ``server`` a scalar, a block list or a flow list ``[a, b]``."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config larger than {MAX_CONFIG_BYTES} bytes")
    out: Dict[str, Union[str, List[str]]] = {}
    cur: Optional[str] = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped in ("---", "..."):
            continue
        if stripped.startswith("- "):
            if cur is None or not isinstance(out.get(cur), list):
                raise ConfigError(f"line {n}: list item outside a list")
            out[cur].append(_scalar(stripped[2:], n))  # type: ignore[union-attr]
            continue
        if line[0] in " \t":
            raise ConfigError(f"line {n}: unexpected indentation")
        key, sep, val = line.partition(":")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"line {n}: want key: value")
        if key not in KNOWN_KEYS:
            raise ConfigError(f"line {n}: unknown key {key!r}")
        if key in out:
            raise ConfigError(f"line {n}: key {key!r} repeated")
        cur = key
        v = _scalar(val, n)
        if v.startswith("[") and v.endswith("]"):
            out[key] = [_scalar(p, n) for p in v[1:-1].split(",") if p.strip()]
        elif v == "":
            out[key] = []
        else:
            out[key] = v
    for k, item in list(out.items()):
        if k != "server" and isinstance(item, list):
            if item:
                raise ConfigError(f"{k}: want a value, not a list")
            out[k] = ""
    return out


def _from_mapping(m: Mapping[str, Union[str, List[str]]], base_dir: str) -> Config:
    servers: List[str] = []
    s = m.get("server", [])
    for item in ([s] if isinstance(s, str) else list(s)):
        servers.extend(split_servers(item))
    for e in servers:
        split_endpoint(e)
    ca = str(m.get("ca_file", "") or "")
    if ca and not os.path.isabs(ca):
        ca = os.path.join(base_dir, ca)
    return Config(servers=servers, access_key=str(m.get("access_key", "")), secret_key=str(m.get("secret_key", "")),
                  token=str(m.get("token", "")), token_file=str(m.get("token_file", "")), ca_file=ca,
                  s3_endpoint=str(m.get("s3_endpoint", "")), context=str(m.get("context", "")) or "default",
                  name=str(m.get("name", "")), email=str(m.get("email", "")))


def load_file(path: str) -> Config:
    """Reads and parses one client.yaml file."""
    try:
        with open(path, "rb") as f:
            b = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror or e}") from None
    try:
        text = b.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8") from None
    try:
        return _from_mapping(parse(text), os.path.dirname(os.path.abspath(path)))
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def load(path: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> Config:
    """Resolves the configuration like the CLI: file, then environment."""
    env = os.environ if env is None else env
    explicit = bool(path or env.get("DATAMON_CONFIG"))
    p = path or env.get("DATAMON_CONFIG") or os.path.join(os.path.expanduser("~"), ".datamon", "client.yaml")
    cfg = Config()
    if explicit or os.path.exists(p):
        cfg = load_file(p)
    if env.get("DATAMON_SERVER"):
        cfg = replace(cfg, servers=split_servers(env["DATAMON_SERVER"]))
    if env.get("DATAMON_ACCESS_KEY"):
        cfg = replace(cfg, access_key=env["DATAMON_ACCESS_KEY"])
    if env.get("DATAMON_SECRET_KEY"):
        cfg = replace(cfg, secret_key=env["DATAMON_SECRET_KEY"])
    if env.get("DATAMON_CA_FILE"):
        cfg = replace(cfg, ca_file=env["DATAMON_CA_FILE"])
    if env.get("DATAMON_TOKEN") or env.get("DATAMON_TOKEN_FILE"):
        cfg = replace(cfg, token=env.get("DATAMON_TOKEN", ""), token_file=env.get("DATAMON_TOKEN_FILE", ""))
    return cfg


def replace_config(cfg: Config, **changes: object) -> Config:
    """A copy of cfg with changes (dataclasses.replace)."""
    return replace(cfg, **changes)
