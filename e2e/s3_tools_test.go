package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/localcluster"
)

// s3Clients: s3cmd (MD5 checks on), rclone (--s3-provider Other) and boto3
// against one node's gateway.
func s3Clients(t *testing.T, c *localcluster.Cluster, node int) {
	e := newS3ep(t, c, node)
	t.Run("s3cmd", func(t *testing.T) { s3S3cmd(t, e) })
	t.Run("rclone", func(t *testing.T) { s3Rclone(t, e) })
	t.Run("boto3", func(t *testing.T) { s3Boto3(t, e) })
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// s3tree writes n small files in nested directories (names with spaces).
func s3tree(t *testing.T, n int, seed uint64) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "tree")
	for i := 0; i < n; i++ {
		writeSeeded(t, filepath.Join(root, fmt.Sprintf("d%d/sub %d/file-%02d.txt", i%3, i%2, i)), 1000+i*37, seed+uint64(i), 0o644)
	}
	return root
}

func s3S3cmd(t *testing.T, e *s3ep) {
	s3cmd := s3tool(t, "s3cmd")
	cfg := filepath.Join(e.home, "s3cfg")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`[default]
access_key = %s
secret_key = %s
host_base = %s
host_bucket = %s
use_https = %s
ca_certs_file = %s
check_ssl_certificate = True
check_ssl_hostname = True
signature_v2 = False
check_md5 = True
bucket_location = us-east-1
multipart_chunk_size_mb = 5
`, e.ak, e.sk, e.addr, e.addr, pyBool(e.tls()), e.ca)), 0o600)
	env := []string{"HOME=" + e.home}
	s := func(args ...string) string { return mustTool(t, env, s3cmd, append([]string{"-c", cfg}, args...)...) }

	s("mb", "s3://s3cmd-repo")
	bigPath, big := seededFile(t, 12<<20, 201) // multipart, 5 MiB parts
	s("put", bigPath, "s3://s3cmd-repo/one/blob.bin")
	back := filepath.Join(t.TempDir(), "back.bin")
	s("get", "s3://s3cmd-repo/one/blob.bin", back)
	if b, _ := os.ReadFile(back); s3sha(b) != s3sha(big) {
		t.Fatalf("s3cmd get multipart: %d bytes", len(b))
	}
	smallPath, small := seededFile(t, 5000, 202)
	s("put", smallPath, "s3://s3cmd-repo/small.bin")
	back2 := filepath.Join(t.TempDir(), "small.bin")
	s("get", "s3://s3cmd-repo/small.bin", back2)
	if b, _ := os.ReadFile(back2); s3sha(b) != s3sha(small) {
		t.Fatalf("s3cmd get: %d bytes", len(b))
	}
	// s3cmd info shows the MD5 it checks against.
	if out := s("info", "s3://s3cmd-repo/small.bin"); !strings.Contains(out, strings.Trim(md5ETag(small), `"`)) {
		t.Errorf("s3cmd info: no MD5 %s: %s", md5ETag(small), out)
	}
	if out := s("ls", "s3://s3cmd-repo/"); !strings.Contains(out, "s3://s3cmd-repo/one/") || !strings.Contains(out, "small.bin") {
		t.Fatalf("ls: %s", out)
	}
	tree := s3tree(t, 12, 210)
	s("sync", tree+"/", "s3://s3cmd-repo/tree/")
	down := t.TempDir()
	s("sync", "s3://s3cmd-repo/tree/", down+"/")
	compareTrees(t, fileDigest(t, tree), fileDigest(t, down))
	s("del", "s3://s3cmd-repo/small.bin")
	e.s3absent(t, "s3cmd-repo", "small.bin")
	s("del", "--recursive", "--force", "s3://s3cmd-repo/")
	if out := s("ls", "--recursive", "s3://s3cmd-repo/"); strings.TrimSpace(out) != "" {
		t.Fatalf("after del: %s", out)
	}
}

func s3Rclone(t *testing.T, e *s3ep) {
	rclone := s3tool(t, "rclone")
	env := []string{"HOME=" + e.home, "RCLONE_CONFIG=" + filepath.Join(e.home, "rclone.conf")}
	common := []string{"--s3-provider", "Other", "--s3-endpoint", e.url, "--s3-access-key-id", e.ak,
		"--s3-secret-access-key", e.sk, "--s3-region", "us-east-1", "--s3-force-path-style=true",
		"--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", "-q"}
	if e.ca != "" {
		common = append(common, "--ca-cert", e.ca)
	}
	r := func(args ...string) string { return mustTool(t, env, rclone, append(args, common...)...) }

	tree := s3tree(t, 15, 300)
	writeSeeded(t, filepath.Join(tree, "big.bin"), 11<<20, 399, 0o644) // multipart
	r("mkdir", ":s3:rclone-repo")
	r("copy", tree, ":s3:rclone-repo/tree")
	r("check", tree, ":s3:rclone-repo/tree")
	os.Remove(filepath.Join(tree, "d0/sub 0/file-00.txt"))
	os.WriteFile(filepath.Join(tree, "new.txt"), []byte("new file"), 0o644)
	r("sync", tree, ":s3:rclone-repo/tree")
	r("check", tree, ":s3:rclone-repo/tree")
	e.s3absent(t, "rclone-repo", "tree/d0/sub 0/file-00.txt")
	down := t.TempDir()
	r("copy", ":s3:rclone-repo/tree", down)
	compareTrees(t, fileDigest(t, tree), fileDigest(t, down))
	r("purge", ":s3:rclone-repo")
}

const s3BotoScript = `
import boto3, io, os, sys
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=os.environ["EP"], region_name="us-east-1",
    aws_access_key_id=os.environ["AK"], aws_secret_access_key=os.environ["SK"],
    config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
src, B = sys.argv[1], "boto-repo"
data = open(src, "rb").read()
s3.create_bucket(Bucket=B)
tc = TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=5*1024*1024, max_concurrency=4, use_threads=True)
s3.upload_file(src, B, "big/file.bin", Config=tc, ExtraArgs={"Metadata": {"k": "v"}, "ContentType": "text/x-boto"})
buf = io.BytesIO()
s3.download_fileobj(B, "big/file.bin", buf, Config=tc)
assert buf.getvalue() == data, "download mismatch"
h = s3.head_object(Bucket=B, Key="big/file.bin")
assert h["Metadata"] == {"k": "v"}, h["Metadata"]
assert h["ContentType"] == "text/x-boto", h["ContentType"]
assert h["ETag"].endswith('-4"') and h["ContentLength"] == len(data), h
for i in range(25):
    s3.put_object(Bucket=B, Key="many/%03d" % i, Body=b"x" * i)
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=B, Prefix="many/", PaginationConfig={"PageSize": 4}):
    keys += [o["Key"] for o in page.get("Contents", [])]
assert keys == ["many/%03d" % i for i in range(25)], keys
s3.copy_object(Bucket=B, Key="copy/of-3", CopySource={"Bucket": B, "Key": "many/003"})
assert s3.get_object(Bucket=B, Key="copy/of-3")["Body"].read() == b"xxx"
s3.copy_object(Bucket=B, Key="copy/big", CopySource=B + "/big/file.bin")
assert s3.get_object(Bucket=B, Key="copy/big")["Body"].read() == data
r = s3.delete_objects(Bucket=B, Delete={"Objects": [{"Key": "many/%03d" % i} for i in range(25)] + [{"Key": "copy/of-3"}]})
assert len(r["Deleted"]) == 26 and not r.get("Errors"), r
left = [o["Key"] for o in s3.list_objects_v2(Bucket=B).get("Contents", [])]
assert left == ["big/file.bin", "copy/big"], left
try:
    s3.head_object(Bucket=B, Key="many/001")
    raise SystemExit("deleted object still readable")
except s3.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] in ("404", "NoSuchKey"), e.response
print("BOTO-OK")
`

func s3Boto3(t *testing.T, e *s3ep) {
	py := s3tool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Skipf("python3-boto3 not installed: %v", err)
	}
	script := filepath.Join(e.home, "boto.py")
	os.WriteFile(script, []byte(s3BotoScript), 0o644)
	src, _ := seededFile(t, 18<<20, 401)
	out := mustTool(t, append([]string{"EP=" + e.url, "AK=" + e.ak, "SK=" + e.sk, "HOME=" + e.home}, e.caEnv()...), py, script, src)
	if !strings.Contains(out, "BOTO-OK") {
		t.Fatalf("boto3: %s", out)
	}
}
