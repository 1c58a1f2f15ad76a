package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
)

// TestS3Gateway runs the S3 client scenarios against one real 3-node
// cluster, each through a different node's gateway.
func TestS3Gateway(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	c := startCluster(t, 3, 3, "")
	t.Run("AWSCLI", func(t *testing.T) { s3AWSCLI(t, c, 0) })
	t.Run("Clients", func(t *testing.T) { s3Clients(t, c, 1) })
	t.Run("CommitRoundTrip", func(t *testing.T) { s3CommitRoundTrip(t, c, 2) })
	t.Run("BadInput", func(t *testing.T) { s3BadInput(t, c, 0) })
	t.Run("Behaviour", func(t *testing.T) { s3Behaviour(t, c, 1) })
	t.Run("HeadLabel", func(t *testing.T) { s3HeadLabel(t, c, 1) })
	t.Run("Names", func(t *testing.T) { s3Names(t, c, 2) })
	t.Run("TLSOnly", func(t *testing.T) { s3TLSOnly(t, c, 0) })
	t.Run("BucketConfig", func(t *testing.T) { s3BucketConfig(t, c, 1) }) // s3_bucketcfg_test.go
	t.Run("CondComplete", func(t *testing.T) { s3CondComplete(t, c, 2) }) // s3_condcomplete_test.go
}

// s3AWSCLI: aws cli v2 mb/ls/cp/sync/rm, a 100 MiB multipart upload,
// list-objects-v2 pagination, head-object ETags, presigned URLs with curl.
func s3AWSCLI(t *testing.T, c *localcluster.Cluster, node int) {
	e := newS3ep(t, c, node)
	curl := s3tool(t, "curl")
	e.aws(t, "s3", "mb", "s3://awscli")
	if out := e.aws(t, "s3", "ls"); !strings.Contains(out, "awscli") {
		t.Fatalf("s3 ls: %s", out)
	}

	// 100 MiB multipart (8 MiB parts) and a small single-part object.
	bigPath, big := seededFile(t, 100<<20, 101)
	start := time.Now()
	e.aws(t, "s3", "cp", bigPath, "s3://awscli/big/blob.bin")
	t.Logf("100 MiB multipart upload: %v", time.Since(start))
	smallPath, small := seededFile(t, 3<<20, 102)
	e.aws(t, "s3", "cp", smallPath, "s3://awscli/small.bin")
	type head struct {
		ContentLength int64
		ETag          string
	}
	for _, tc := range []struct {
		key  string
		body []byte
		etag string
	}{{"big/blob.bin", big, mpETag(big, 8<<20)}, {"small.bin", small, md5ETag(small)}} {
		var h head
		if err := json.Unmarshal([]byte(e.aws(t, "s3api", "head-object", "--bucket", "awscli", "--key", tc.key)), &h); err != nil {
			t.Fatal(err)
		}
		if h.ContentLength != int64(len(tc.body)) || h.ETag != tc.etag {
			t.Errorf("head-object %s: %+v, want size %d ETag %s", tc.key, h, len(tc.body), tc.etag)
		}
	}
	back := filepath.Join(t.TempDir(), "back.bin")
	e.aws(t, "s3", "cp", "s3://awscli/big/blob.bin", back)
	if got, _ := os.ReadFile(back); s3sha(got) != s3sha(big) {
		t.Fatalf("100 MiB object read back differs (%d bytes)", len(got))
	}

	// sync up, sync down, idempotent second sync.
	tree := filepath.Join(t.TempDir(), "tree")
	for i := 0; i < 60; i++ {
		writeSeeded(t, filepath.Join(tree, fmt.Sprintf("d%d/f-%03d.txt", i%4, i)), 100+i*13, uint64(1000+i), 0o644)
	}
	e.aws(t, "s3", "sync", tree, "s3://awscli/tree/")
	down := filepath.Join(t.TempDir(), "down")
	e.aws(t, "s3", "sync", "s3://awscli/tree/", down)
	compareTrees(t, fileDigest(t, tree), fileDigest(t, down))
	if out := e.aws(t, "s3", "sync", tree, "s3://awscli/tree/"); strings.Contains(out, "upload:") {
		t.Errorf("second sync uploaded again: %s", out)
	}

	// list-objects-v2 pagination: the CLI's paginator with a small page
	// size, and a hand-driven continuation-token loop; every key once.
	want := map[string]bool{}
	for k := range fileDigest(t, tree) {
		want["tree/"+k] = true
	}
	checkKeys := func(what string, keys []string) {
		t.Helper()
		seen := map[string]int{}
		for _, k := range keys {
			seen[k]++
			if !want[k] || seen[k] > 1 {
				t.Errorf("%s: key %q unexpected or repeated (%d)", what, k, seen[k])
			}
		}
		if len(seen) != len(want) {
			t.Errorf("%s: %d distinct keys, want %d", what, len(seen), len(want))
		}
	}
	var all struct{ Contents []struct{ Key string } }
	if err := json.Unmarshal([]byte(e.aws(t, "s3api", "list-objects-v2", "--bucket", "awscli", "--prefix", "tree/", "--page-size", "7")), &all); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range all.Contents {
		keys = append(keys, o.Key)
	}
	checkKeys("page-size 7", keys)
	keys, token, pages := nil, "", 0
	for {
		args := []string{"s3api", "list-objects-v2", "--no-paginate", "--bucket", "awscli", "--prefix", "tree/", "--max-keys", "9"}
		if token != "" {
			args = append(args, "--continuation-token", token)
		}
		var page struct {
			Contents              []struct{ Key string }
			KeyCount              int
			IsTruncated           bool
			NextContinuationToken string
		}
		if err := json.Unmarshal([]byte(e.aws(t, args...)), &page); err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Contents) > 9 || page.KeyCount != len(page.Contents) {
			t.Errorf("page %d: %d keys, KeyCount %d", pages, len(page.Contents), page.KeyCount)
		}
		for _, o := range page.Contents {
			keys = append(keys, o.Key)
		}
		if !page.IsTruncated {
			break
		}
		if page.NextContinuationToken == "" || pages > 20 {
			t.Fatalf("page %d truncated without a usable token", pages)
		}
		token = page.NextContinuationToken
	}
	checkKeys("continuation tokens", keys)
	if pages != 7 {
		t.Errorf("60 keys in pages of 9: %d pages", pages)
	}

	// Presigned URL with curl; one signed in the past (expired) is refused
	// and returns none of the object.
	url := strings.TrimSpace(e.aws(t, "s3", "presign", "s3://awscli/small.bin", "--expires-in", "300"))
	got, err := exec.Command(curl, append(e.curlCA(), "-sSf", url)...).Output()
	if err != nil || s3sha(got) != s3sha(small) {
		t.Fatalf("presigned GET with curl: %d bytes, %v", len(got), err)
	}
	expired := e.presign(t, "/awscli/small.bin", time.Now().Add(-10*time.Minute), 60*time.Second)
	out, _ := exec.Command(curl, append(e.curlCA(), "-sS", "-w", "\n%{http_code}", expired)...).Output()
	if !strings.HasSuffix(string(out), "\n403") || s3code(out) != "AccessDenied" || strings.Contains(string(out), string(small[:32])) {
		t.Errorf("expired presigned URL: %.300q", out)
	}

	// rm single, rm --recursive, rb.
	e.aws(t, "s3", "rm", "s3://awscli/small.bin")
	e.s3absent(t, "awscli", "small.bin")
	e.aws(t, "s3", "rm", "--recursive", "s3://awscli/")
	if out := e.aws(t, "s3", "ls", "--recursive", "s3://awscli/"); strings.TrimSpace(out) != "" {
		t.Fatalf("after rm --recursive: %s", out)
	}
}
