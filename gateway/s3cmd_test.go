package gateway_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3cmd drives s3cmd (SigV4, MD5 checks on) against the gateway.
func TestS3cmd(t *testing.T) {
	s3cmd := tool(t, "s3cmd")
	e := startGateway(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "s3cfg")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`[default]
access_key = %s
secret_key = %s
host_base = %s
host_bucket = %s
use_https = False
signature_v2 = False
check_md5 = True
bucket_location = us-east-1
multipart_chunk_size_mb = 5
`, testAK, testSK, e.addr, e.addr)), 0o644)
	env := []string{"HOME=" + dir}
	s := func(args ...string) string { return run(t, env, s3cmd, append([]string{"-c", cfg}, args...)...) }

	s("mb", "s3://s3cmd-bucket")
	f := writeRand(t, 12<<20) // multipart with 5 MiB chunks
	s("put", f, "s3://s3cmd-bucket/one/blob.bin")
	back := filepath.Join(t.TempDir(), "back.bin")
	s("get", "s3://s3cmd-bucket/one/blob.bin", back)
	sameFile(t, f, back)
	small := writeRand(t, 5000)
	s("put", small, "s3://s3cmd-bucket/small.bin")
	back2 := filepath.Join(t.TempDir(), "small.bin")
	s("get", "s3://s3cmd-bucket/small.bin", back2)
	sameFile(t, small, back2)
	if out := s("ls", "s3://s3cmd-bucket/"); !strings.Contains(out, "s3://s3cmd-bucket/one/") || !strings.Contains(out, "small.bin") {
		t.Fatalf("ls: %s", out)
	}
	tree := makeTree(t, 12)
	s("sync", tree+"/", "s3://s3cmd-bucket/tree/")
	down := t.TempDir()
	s("sync", "s3://s3cmd-bucket/tree/", down+"/")
	sameTree(t, tree, down)
	s("del", "s3://s3cmd-bucket/small.bin")
	s("del", "--recursive", "--force", "s3://s3cmd-bucket/")
	if out := s("ls", "--recursive", "s3://s3cmd-bucket/"); strings.TrimSpace(out) != "" {
		t.Fatalf("after del: %s", out)
	}
	s("rb", "s3://s3cmd-bucket")
}
