"""Pure-Python parts: config parsing, signing text, BLAKE3 vectors."""

from __future__ import annotations

import os
import random

import pytest

from datamon import ConfigError, auth, config
from datamon._blake3 import hexdigest


def test_blake3_vectors() -> None:
    assert hexdigest(b"") == "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    # Cross-checked with the Go implementation (chunk.Sum).
    d = bytes(i % 251 for i in range(1 << 20))
    assert hexdigest(bytes(range(251)) * 5) == "8b929b2d329f8795b15060a2e5d087ea507aeba8dcf19fb00eb92ceb890d179e"
    assert hexdigest(d[: 3 * 1024 + 5]) == "35c95069edeed2a03dd533d6f90a0709e9a88452e7570223aa8e69de6325721f"


def test_canonical_query_matches_go_encoding() -> None:
    # url.Values{"b": {"2", "1"}, "a b": {"x/y~"}, "": {"z"}}.Encode() after sorting values.
    assert auth.canonical_query({"b": ["2", "1"], "a b": "x/y~", "": "z"}) == "a+b=x%2Fy~&b=1&b=2"
    assert auth.string_to_sign("get", "/v1/x", None, "D", "H") == "GET\n/v1/x\n\nD\nH"
    h = auth.sign("AK", "s", "GET", "/p", None, "UNSIGNED-PAYLOAD", date="2026-01-02T03:04:05Z")
    assert h.startswith("DATAMON-HMAC-SHA256 Credential=AK, Date=2026-01-02T03:04:05Z, Signature=")


def test_config_forms(tmp_path) -> None:
    p = tmp_path / "client.yaml"
    p.write_text('server:\n    - https://127.0.0.1:1\n    - "https://127.0.0.1:2"\naccess_key: AK # c\n'
                 "secret_key: 'it''s'\nca_file: tls/ca.crt\ncontext: prod\n")
    c = config.load_file(str(p))
    assert c.servers == ["https://127.0.0.1:1", "https://127.0.0.1:2"]
    assert (c.access_key, c.secret_key, c.context) == ("AK", "it's", "prod")
    assert c.ca_file == os.path.join(str(tmp_path), "tls/ca.crt")
    p.write_text("server: http://a:1, http://b:2\naccess_key: k\nsecret_key: s\n")
    assert config.load_file(str(p)).servers == ["http://a:1", "http://b:2"]
    p.write_text("server: [http://a:1, http://b:2]\ntoken: t\n")
    assert config.load_file(str(p)).servers == ["http://a:1", "http://b:2"]
    env = {"DATAMON_CONFIG": str(p), "DATAMON_SERVER": "http://c:3", "DATAMON_TOKEN_FILE": "/tok"}
    c = config.load(env=env)
    assert c.servers == ["http://c:3"] and c.token == "" and c.token_file == "/tok"


@pytest.mark.parametrize("text", [
    "servr: http://a:1\n",                  # unknown key (a typo)
    "server: ftp://a:1\n",                  # bad scheme
    "  server: http://a:1\n",               # indentation
    "- http://a:1\n",                       # list outside a key
    "server: http://a:1\nserver: http://b:1\n",
    'access_key: "unterminated\n',
    "access_key:\n  - a\n",                 # a list where a value belongs
])
def test_config_refused(tmp_path, text: str) -> None:
    p = tmp_path / "client.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError):
        config.load_file(str(p))


def test_config_parser_random_input_never_crashes() -> None:
    rnd = random.Random(7)
    alphabet = "server:access_key-[]'\"# \n\t,.xyz:/@"
    for _ in range(3000):
        s = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 60)))
        try:
            out = config.parse(s)
        except ConfigError:
            continue
        assert set(out) <= set(config.KNOWN_KEYS)


def test_config_validate() -> None:
    with pytest.raises(ConfigError):
        config.Config().validate()
    with pytest.raises(ConfigError):
        config.Config(servers=["http://a:1"]).validate()  # no credentials
    config.Config(servers=["http://a:1"], token="t").validate()
