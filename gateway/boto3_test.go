package gateway_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const botoScript = `
import boto3, io, os, sys, hashlib
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=os.environ["EP"], region_name="us-east-1",
    aws_access_key_id=os.environ["AK"], aws_secret_access_key=os.environ["SK"],
    config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
src = sys.argv[1]
s3.create_bucket(Bucket="boto-bucket")
tc = TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=5*1024*1024, max_concurrency=4, use_threads=True)
s3.upload_file(src, "boto-bucket", "big/file.bin", Config=tc, ExtraArgs={"Metadata": {"k": "v"}, "ContentType": "text/x-boto"})
buf = io.BytesIO()
s3.download_fileobj("boto-bucket", "big/file.bin", buf, Config=tc)
assert buf.getvalue() == open(src, "rb").read(), "download mismatch"
h = s3.head_object(Bucket="boto-bucket", Key="big/file.bin")
assert h["Metadata"] == {"k": "v"}, h["Metadata"]
assert h["ContentType"] == "text/x-boto", h["ContentType"]
assert h["ETag"].endswith('-4"'), h["ETag"]
for i in range(25):
    s3.put_object(Bucket="boto-bucket", Key="many/%03d" % i, Body=b"x" * i)
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="boto-bucket", Prefix="many/", PaginationConfig={"PageSize": 4}):
    keys += [o["Key"] for o in page.get("Contents", [])]
assert keys == ["many/%03d" % i for i in range(25)], keys
v1 = []
for page in s3.get_paginator("list_objects").paginate(Bucket="boto-bucket", Prefix="many/", PaginationConfig={"PageSize": 7}):
    v1 += [o["Key"] for o in page.get("Contents", [])]
assert v1 == keys, v1
s3.copy_object(Bucket="boto-bucket", Key="copy/of-3", CopySource={"Bucket": "boto-bucket", "Key": "many/003"})
assert s3.get_object(Bucket="boto-bucket", Key="copy/of-3")["Body"].read() == b"xxx"
s3.copy_object(Bucket="boto-bucket", Key="copy/replaced", CopySource="boto-bucket/big/file.bin",
    MetadataDirective="REPLACE", Metadata={"new": "1"}, ContentType="text/plain")
h2 = s3.head_object(Bucket="boto-bucket", Key="copy/replaced")
assert h2["Metadata"] == {"new": "1"} and h2["ContentType"] == "text/plain" and h2["ContentLength"] == h["ContentLength"], h2
r = s3.delete_objects(Bucket="boto-bucket", Delete={"Objects": [{"Key": "many/%03d" % i} for i in range(25)] + [{"Key": "copy/of-3"}]})
assert len(r["Deleted"]) == 26 and not r.get("Errors"), r
left = [o["Key"] for o in s3.list_objects_v2(Bucket="boto-bucket").get("Contents", [])]
assert left == ["big/file.bin", "copy/replaced"], left
try:
    s3.get_object(Bucket="boto-bucket", Key="many/001")
    raise SystemExit("deleted object still readable")
except s3.exceptions.NoSuchKey:
    pass
r = s3.get_object(Bucket="boto-bucket", Key="big/file.bin", Range="bytes=100-199")
assert r["Body"].read() == open(src, "rb").read()[100:200]
print("BOTO-OK")
`

// TestBoto3 drives boto3 (Debian python3-boto3) against the gateway.
func TestBoto3(t *testing.T) {
	py := tool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Skipf("python3-boto3 not installed (scripts/deps.sh installs it): %v", err)
	}
	e := startGateway(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "boto.py")
	os.WriteFile(script, []byte(botoScript), 0o644)
	src := writeRand(t, 18<<20)
	out := run(t, []string{"EP=" + e.url, "AK=" + testAK, "SK=" + testSK, "HOME=" + dir}, py, script, src)
	if !strings.Contains(out, "BOTO-OK") {
		t.Fatalf("boto3: %s", out)
	}
}
