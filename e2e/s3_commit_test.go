package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/s3backend"
)

// s3CommitRoundTrip: aws s3 sync the edge-case tree into a repo bucket,
// `datamon bundle commit`, then `datamon bundle download` is byte-identical
// (regular files: S3 has no symlinks, empty dirs or modes), and the same
// files are readable through the bundle's and the label's read-only
// aliases, which refuse writes.
func s3CommitRoundTrip(t *testing.T, c *localcluster.Cluster, node int) {
	e := newS3ep(t, c, node)
	src := filepath.Join(t.TempDir(), "src")
	makeEdgeTree(t, src)
	want := fileDigest(t, src)

	e.aws(t, "s3", "mb", "s3://roundtrip")
	e.aws(t, "s3", "sync", "--no-follow-symlinks", src, "s3://roundtrip/")
	// Read-your-writes before the commit.
	pre := filepath.Join(t.TempDir(), "pre")
	e.aws(t, "s3", "sync", "s3://roundtrip/", pre)
	compareTrees(t, want, fileDigest(t, pre))

	id := bundleID(t, mustCLI(t, c, "bundle", "commit", "--repo", "roundtrip", "--message", "from s3"))
	dst := filepath.Join(t.TempDir(), "dst")
	out := mustCLI(t, c, "bundle", "download", "--repo", "roundtrip", "--bundle", id, "--destination", dst)
	if !strings.Contains(out, id) {
		t.Errorf("download does not name bundle %s: %q", id, out)
	}
	compareTrees(t, want, fileDigest(t, dst))
	if _, err := os.Lstat(filepath.Join(dst, "empty")); err != nil {
		t.Errorf("0-byte object not in the bundle: %v", err)
	}

	bundleBucket := s3backend.BucketName(s3backend.Ref{Repo: "roundtrip", Bundle: id})
	labelBucket := "roundtrip--label--main"
	for _, b := range []string{bundleBucket, labelBucket} {
		got := filepath.Join(t.TempDir(), "alias")
		e.aws(t, "s3", "sync", "s3://"+b+"/", got)
		compareTrees(t, want, fileDigest(t, got))
		back := filepath.Join(t.TempDir(), "three")
		e.aws(t, "s3", "cp", "s3://"+b+"/big/three-chunks", back)
		x, _ := os.ReadFile(filepath.Join(src, "big/three-chunks"))
		if y, _ := os.ReadFile(back); !bytes.Equal(x, y) {
			t.Errorf("%s: big/three-chunks differs", b)
		}

		// Writes to an alias: AccessDenied, nothing stored anywhere.
		f := filepath.Join(t.TempDir(), "w.txt")
		os.WriteFile(f, []byte("must not land"), 0o644)
		if out, err := e.awsErr(t, "s3", "cp", f, "s3://"+b+"/written.txt"); err == nil || !strings.Contains(out, "AccessDenied") {
			t.Errorf("cp into %s: err %v: %s", b, err, out)
		}
		if out, err := e.awsErr(t, "s3", "rm", "s3://"+b+"/one"); err == nil || !strings.Contains(out, "AccessDenied") {
			t.Errorf("rm in %s: err %v: %s", b, err, out)
		}
		now := time.Now()
		s3expect(t, "PUT into "+b, e.signed(t, "PUT", "/"+b+"/raw.txt", []byte("x"), nil, now), 403, "AccessDenied")
		s3expect(t, "multipart in "+b, e.signed(t, "POST", "/"+b+"/mp?uploads", nil, nil, now), 403, "AccessDenied")
		s3expect(t, "DELETE bucket "+b, e.signed(t, "DELETE", "/"+b, nil, nil, now), 403, "AccessDenied")
		for _, k := range []string{"written.txt", "raw.txt", "mp"} {
			e.s3absent(t, b, k)
			e.s3absent(t, "roundtrip", k)
		}
		if _, err := e.awsErr(t, "s3api", "head-object", "--bucket", b, "--key", "one"); err != nil {
			t.Errorf("rm through %s removed the file: %v", b, err)
		}
	}
	// The draft is empty after the commit: the working head is the bundle.
	head := filepath.Join(t.TempDir(), "head")
	e.aws(t, "s3", "sync", "s3://roundtrip/", head)
	compareTrees(t, want, fileDigest(t, head))
}
