"""open(): random seeks over a multi-chunk file, fsspec and pandas."""

from __future__ import annotations

import io
import os
import random

import fsspec
import pandas as pd
import pytest

import datamon
import datamon.fsspec  # noqa: F401  (registers datamon://)


def test_random_seeks_equal_source(client: datamon.Client, repo: str) -> None:
    data = os.urandom(6 << 20)
    with client.new_bundle(repo, message="big", label="main", chunk_size=256 << 10) as b:
        b.write_file("big.bin", data)
    rnd = random.Random(1)
    with client.open(repo, "big.bin", label="main") as f:
        assert f.seekable() and f.size == len(data) and len(f.info.chunks) == 24
        for _ in range(200):
            off = rnd.randrange(0, len(data) + 10)
            n = rnd.choice([0, 1, 100, 70_000, 300_000, 1 << 20])
            assert f.seek(off) == off
            assert f.read(n) == data[off:off + n]
            assert f.tell() == min(len(data), off + n) if off <= len(data) else True
        f.seek(-5, io.SEEK_END)
        assert f.read() == data[-5:]
        f.seek(0)
        buf = bytearray(1000)
        assert f.readinto(buf) == 1000 and bytes(buf) == data[:1000]
        f.seek(0)
        assert f.read() == data
    with pytest.raises(ValueError):
        f.read(1)  # closed


def test_pandas_and_fsspec(client: datamon.Client, repo: str) -> None:
    df = pd.DataFrame({"x": range(1000), "y": [i * 0.5 for i in range(1000)], "g": ["a", "b"] * 500})
    with client.new_bundle(repo, message="csv", label="data") as b:
        b.write_file("tables/t.csv", df.to_csv(index=False))
        b.write_file("tables/sub/u.csv", "a\n1\n")
        b.write_file("readme.txt", "r")
    bid = b.bundle.id
    got = pd.read_csv(f"datamon://{repo}@data/tables/t.csv")
    pd.testing.assert_frame_equal(got, df)
    got2 = pd.read_csv(f"datamon://default.{repo}@{bid}/tables/t.csv")  # context + bundle id
    pd.testing.assert_frame_equal(got2, df)
    with fsspec.open(f"datamon://{repo}@data/readme.txt", "rb") as f:
        assert f.read() == b"r"
    fs = fsspec.filesystem("datamon")
    assert sorted(fs.ls(f"{repo}@data", detail=False)) == [f"{repo}@data/readme.txt", f"{repo}@data/tables"]
    assert fs.glob(f"datamon://{repo}@data/**/*.csv") == [f"{repo}@data/tables/sub/u.csv", f"{repo}@data/tables/t.csv"]
    assert fs.info(f"{repo}@data/tables")["type"] == "directory"
    assert fs.info(f"{repo}@data/readme.txt")["size"] == 1
    assert fs.cat_file(f"{repo}@data/tables/sub/u.csv", start=2) == b"1\n"
    with pytest.raises(FileNotFoundError):
        fs.info(f"{repo}@data/nope")
    with pytest.raises(datamon.NotFound):
        fs.ls(f"{repo}@no-such-label")
    # Writes: a draft committed explicitly, the label move guarded.
    with fs.open(f"{repo}/out/summary.csv", "wb") as f:
        df.groupby("g").sum().to_csv(f)
    df.to_csv(f"datamon://{repo}/out/full.csv", index=False)
    assert fs.draft_paths(repo) == ["out/full.csv", "out/summary.csv"]
    nb = fs.commit(repo, "summaries", "data", if_match=bid)
    assert nb.file_count == 2 and client.get_label(repo, "data").bundle_id == nb.id
    pd.testing.assert_frame_equal(pd.read_csv(f"datamon://{repo}@data/out/full.csv"), df)
    with fs.open(f"{repo}/late.txt", "wb") as f:
        f.write(b"x")
    with pytest.raises(datamon.PreconditionFailed):
        fs.commit(repo, "stale", "data", if_match=bid)
    assert client.get_label(repo, "data").bundle_id == nb.id
