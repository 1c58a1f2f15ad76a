"""Read/write throughput of the Python ways in, same run, same data.

Prints one JSON object. Used by the bench figure product.python
(bench/suite/fig_python.go); runnable by hand with DATAMON_CONFIG set:

    PYTHONPATH=python python3 python/bench/read_bench.py --bytes 67108864 --csv-bytes 16000000 --dir /tmp/b
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid

import boto3
import botocore.config
import pandas as pd

import datamon
import datamon.fsspec  # noqa: F401


def mbps(n: int, t: float) -> float:
    return n / t / 1e6 if t > 0 else 0.0


def timed(fn):
    t = time.perf_counter()
    v = fn()
    return v, time.perf_counter() - t


def make_csv(path: str, target: int) -> int:
    rows = []
    with open(path, "w") as f:
        f.write("id,a,b,c,label\n")
        i = 0
        while f.tell() < target:
            rows = "".join(f"{j},{j * 0.37:.4f},{(j * 7919) % 1000},{j % 13 - 6},g{j % 5}\n" for j in range(i, i + 10000))
            f.write(rows)
            i += 10000
    return os.path.getsize(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bytes", type=int, required=True)
    ap.add_argument("--csv-bytes", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--verify-bytes", type=int, default=2 << 20)
    a = ap.parse_args()
    c = datamon.Client()
    repo = "pybench-" + uuid.uuid4().hex[:8]
    c.create_repo(repo, "python benchmark")
    big, csv = os.path.join(a.dir, "big.bin"), os.path.join(a.dir, "data.csv")
    with open(big, "wb") as f:
        left = a.bytes
        while left:
            n = min(left, 8 << 20)
            f.write(os.urandom(n))
            left -= n
    csv_size = make_csv(csv, a.csv_bytes)
    out: dict = {"bytes": a.bytes, "csv_bytes": csv_size}

    # Writes: SDK (chunk API + node-side assembly) vs boto3 (S3 gateway draft + commit).
    def sdk_write():
        with c.new_bundle(repo, message="bench sdk", label="main") as b:
            with open(big, "rb") as f:
                b.write_file("big.bin", f)
            with open(csv, "rb") as f:
                b.write_file("data.csv", f)
        return b.bundle
    bundle, t = timed(sdk_write)
    out["sdk_write_mbps"] = mbps(a.bytes + csv_size, t)
    s3 = boto3.client("s3", endpoint_url=c.config.s3_endpoint, aws_access_key_id=c.config.access_key,
                      aws_secret_access_key=c.config.secret_key, region_name="us-east-1",
                      verify=c.config.ca_file or True,
                      config=botocore.config.Config(s3={"addressing_style": "path"}))
    s3repo = repo + "-s3"
    c.create_repo(s3repo, "python benchmark, S3 side")

    def s3_write():
        s3.upload_file(big, s3repo, "big.bin")
        s3.upload_file(csv, s3repo, "data.csv")
        c.transport.call("POST", f"/v1/contexts/default/repos/{s3repo}/draft/commit",
                         body=json.dumps({"message": "bench s3"}).encode())
    _, t = timed(s3_write)
    out["boto3_write_mbps"] = mbps(a.bytes + csv_size, t)

    # Reads of the large file.
    def sdk_read():
        n = 0
        with c.open(repo, "big.bin", bundle=bundle.id) as f:
            while True:
                b = f.read(8 << 20)
                if not b:
                    return n
                n += len(b)
    n, t = timed(sdk_read)
    assert n == a.bytes
    out["sdk_read_mbps"] = mbps(n, t)
    vc = datamon.Client(verify="client")
    with vc.open(repo, "big.bin", bundle=bundle.id, readahead=0) as f:
        data, t = timed(lambda: f.read(a.verify_bytes))
    out["sdk_read_client_verified_mbps"] = mbps(len(data), t)

    def s3_read():
        body = s3.get_object(Bucket=s3repo, Key="big.bin")["Body"]
        n = 0
        for b in body.iter_chunks(8 << 20):
            n += len(b)
        return n
    n, t = timed(s3_read)
    assert n == a.bytes
    out["boto3_read_mbps"] = mbps(n, t)

    def local_read():
        n = 0
        with open(big, "rb") as f:
            while True:
                b = f.read(8 << 20)
                if not b:
                    return n
                n += len(b)
    n, t = timed(local_read)
    out["local_read_mbps"] = mbps(n, t)

    # pandas.read_csv of the CSV three ways, after an untimed warm-up parse
    # (the first large parse of a process pays for its memory).
    pd.read_csv(csv)
    df, t = timed(lambda: pd.read_csv(f"datamon://{repo}@{bundle.id}/data.csv"))
    out["pandas_datamon_mbps"], rows = mbps(csv_size, t), len(df)
    df, t = timed(lambda: pd.read_csv(s3.get_object(Bucket=s3repo, Key="data.csv")["Body"]))
    out["pandas_boto3_mbps"] = mbps(csv_size, t)
    assert len(df) == rows
    df, t = timed(lambda: pd.read_csv(csv))
    out["pandas_local_mbps"] = mbps(csv_size, t)
    assert len(df) == rows
    out["csv_rows"] = rows
    print(json.dumps(out))


if __name__ == "__main__":
    main()
