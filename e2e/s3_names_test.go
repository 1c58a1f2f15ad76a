package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/model"
)

// s3HeadLabel: a CLI upload without --label moves the repo's head label
// ("main", or the one chosen with `repo create --head-label`), so the repo's
// S3 bucket lists the uploaded files at once; a second upload records the
// first as its parent; an S3 commit on a custom head label moves that label.
func s3HeadLabel(t *testing.T, c *localcluster.Cluster, node int) {
	e := newS3ep(t, c, node)
	mustCLI(t, c, "repo", "create", "--repo", "headtour", "--description", "tour")
	tree := nameTree(t, 1)
	id1 := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "headtour", "--path", tree, "--message", "first"))
	t.Run("UploadShowsInBucket", func(t *testing.T) {
		if got, want := s3Keys(t, e, "headtour"), treeKeys(t, tree); !equalStrings(got, want) {
			t.Fatalf("aws s3 ls s3://headtour after a CLI upload: %v, want %v", got, want)
		}
		var l model.Label
		mustJSON(t, mustCLI(t, c, "label", "get", "--repo", "headtour", "--label", model.DefaultHeadLabel, "--output", "json"), &l)
		if l.BundleID != id1 {
			t.Fatalf("label main -> %q, want the upload %s", l.BundleID, id1)
		}
	})
	t.Run("RecordsParent", func(t *testing.T) {
		tree2 := nameTree(t, 2)
		id2 := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "headtour", "--path", tree2, "--message", "second"))
		var b model.Bundle
		mustJSON(t, mustCLI(t, c, "bundle", "get", "--repo", "headtour", "--bundle", id2, "--output", "json"), &b)
		if len(b.Parents) != 1 || b.Parents[0] != id1 {
			t.Fatalf("second upload's parents %v, want [%s]", b.Parents, id1)
		}
		if got, want := s3Keys(t, e, "headtour"), treeKeys(t, tree2); !equalStrings(got, want) {
			t.Fatalf("bucket after the second upload: %v, want %v", got, want)
		}
		// An explicit --label records that label's bundle (none yet: no parent).
		id3 := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "headtour", "--path", tree2, "--message", "side", "--label", "side"))
		var b3 model.Bundle
		mustJSON(t, mustCLI(t, c, "bundle", "get", "--repo", "headtour", "--bundle", id3, "--output", "json"), &b3)
		if b3.ID != id3 || len(b3.Parents) != 0 {
			t.Fatalf("upload to a new label: %s parents %v, want none", b3.ID, b3.Parents)
		}
	})
	t.Run("MountNewMovesHead", func(t *testing.T) {
		requireFUSE(t)
		mustCLI(t, c, "label", "set", "--repo", "headtour", "--label", "main", "--bundle", id1)
		before := model.Label{BundleID: id1}
		mnt := filepath.Join(t.TempDir(), "mnt")
		m := fuseStartMount(t, c, mnt, "bundle", "mount", "new", "--repo", "headtour", "--message", "fuse",
			"--staging", filepath.Join(t.TempDir(), "stg"))
		if err := os.WriteFile(filepath.Join(mnt, "fuse.txt"), []byte("from fuse"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := m.unmount(t, 2*time.Minute); err != nil {
			t.Fatalf("mount new: %v\n%s", err, m.stderr)
		}
		id := bundleID(t, m.stdout.String())
		var l model.Label
		mustJSON(t, mustCLI(t, c, "label", "get", "--repo", "headtour", "--label", "main", "--output", "json"), &l)
		var b model.Bundle
		mustJSON(t, mustCLI(t, c, "bundle", "get", "--repo", "headtour", "--bundle", id, "--output", "json"), &b)
		if l.BundleID != id || len(b.Parents) != 1 || b.Parents[0] != before.BundleID {
			t.Fatalf("mount new: main -> %s, parents %v; want %s with parent %s", l.BundleID, b.Parents, id, before.BundleID)
		}
		if got := s3Keys(t, e, "headtour"); !equalStrings(got, []string{"fuse.txt"}) {
			t.Fatalf("bucket after mount new: %v", got)
		}
	})
	t.Run("CustomHeadLabel", func(t *testing.T) {
		mustCLI(t, c, "repo", "create", "--repo", "trunkrepo", "--description", "trunk", "--head-label", "trunk")
		var r model.Repo
		mustJSON(t, mustCLI(t, c, "repo", "get", "--repo", "trunkrepo", "--output", "json"), &r)
		if r.HeadLabel != "trunk" {
			t.Fatalf("repo get: head_label %q", r.HeadLabel)
		}
		tree := nameTree(t, 3)
		id1 := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "trunkrepo", "--path", tree, "--message", "first"))
		if got, want := s3Keys(t, e, "trunkrepo"), treeKeys(t, tree); !equalStrings(got, want) {
			t.Fatalf("bucket of a repo with head label trunk: %v, want %v", got, want)
		}
		extra := filepath.Join(t.TempDir(), "extra.txt")
		os.WriteFile(extra, []byte("through s3"), 0o644)
		e.aws(t, "s3", "cp", extra, "s3://trunkrepo/extra.txt")
		id2 := bundleID(t, mustCLI(t, c, "bundle", "commit", "--repo", "trunkrepo", "--message", "s3"))
		var l model.Label
		mustJSON(t, mustCLI(t, c, "label", "get", "--repo", "trunkrepo", "--label", "trunk", "--output", "json"), &l)
		var b model.Bundle
		mustJSON(t, mustCLI(t, c, "bundle", "get", "--repo", "trunkrepo", "--bundle", id2, "--output", "json"), &b)
		if l.BundleID != id2 || len(b.Parents) != 1 || b.Parents[0] != id1 {
			t.Fatalf("S3 commit: trunk -> %s, parents %v; want %s with parent %s", l.BundleID, b.Parents, id2, id1)
		}
		if r := cli(t, c, "label", "get", "--repo", "trunkrepo", "--label", "main"); r.Code != 2 {
			t.Fatalf("label main exists in a repo whose head is trunk (exit %d)", r.Code)
		}
	})
}

// s3Names: the documented bucket forms answer through aws cli — a
// mixed-case repo by its raw name and by its x-- form, a bundle alias by the
// raw 27-character ID and by its base32 form, a mixed-case label — and the
// names `bundle get` / `label get` print are the ones that work. Malformed
// names are refused with InvalidBucketName.
func s3Names(t *testing.T, c *localcluster.Cluster, node int) {
	e := newS3ep(t, c, node)
	mustCLI(t, c, "repo", "create", "--repo", "MixedCase", "--description", "mixed")
	tree := nameTree(t, 4)
	want := treeKeys(t, tree)
	id := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "MixedCase", "--path", tree, "--message", "m", "--label", "Prod"))
	one := filepath.Join(tree, want[0])
	body, _ := os.ReadFile(one)
	// read lists bucket with aws cli and, with cp, copies one file out.
	read := func(t *testing.T, bucket string, cp bool) {
		t.Helper()
		if got := s3Keys(t, e, bucket); !equalStrings(got, want) {
			t.Errorf("aws s3 ls s3://%s: %v, want %v", bucket, got, want)
		}
		if !cp {
			return
		}
		dst := filepath.Join(t.TempDir(), "one")
		e.aws(t, "s3", "cp", "s3://"+bucket+"/"+want[0], dst)
		if got, _ := os.ReadFile(dst); string(got) != string(body) {
			t.Errorf("aws s3 cp s3://%s/%s: %d bytes, want %d", bucket, want[0], len(got), len(body))
		}
	}
	t.Run("RawBundleID", func(t *testing.T) {
		mustCLI(t, c, "repo", "create", "--repo", "rawid", "--description", "raw")
		rid := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "rawid", "--path", tree, "--message", "m"))
		read(t, "rawid--bundle--"+rid, true)
		read(t, "MixedCase--bundle--"+id, true)
	})
	t.Run("MixedCaseRepo", func(t *testing.T) {
		mustCLI(t, c, "label", "set", "--repo", "MixedCase", "--label", model.DefaultHeadLabel, "--bundle", id)
		read(t, "MixedCase", true)
		read(t, "MixedCase--label--Prod", false)
		if out := e.aws(t, "s3", "ls"); !strings.Contains(out, "x--4d69786564436173") {
			t.Errorf("aws s3 ls does not list MixedCase by its canonical name: %s", out)
		}
	})
	t.Run("PrintedNames", func(t *testing.T) {
		var b struct {
			ID        string   `json:"id"`
			S3Buckets []string `json:"s3_buckets"`
		}
		mustJSON(t, mustCLI(t, c, "bundle", "get", "--repo", "MixedCase", "--bundle", id, "--output", "json"), &b)
		if b.ID != id || len(b.S3Buckets) != 2 || b.S3Buckets[1] != "MixedCase--bundle--"+id {
			t.Fatalf("bundle get --output json: %+v", b)
		}
		var l struct {
			Name      string   `json:"name"`
			S3Buckets []string `json:"s3_buckets"`
		}
		mustJSON(t, mustCLI(t, c, "label", "get", "--repo", "MixedCase", "--label", "Prod", "--output", "json"), &l)
		if len(l.S3Buckets) != 2 || l.S3Buckets[1] != "MixedCase--label--Prod" {
			t.Fatalf("label get --output json: %+v", l)
		}
		// The raw forms are read above; the canonical ones here.
		read(t, b.S3Buckets[0], false)
		read(t, l.S3Buckets[0], false)
		text := mustCLI(t, c, "bundle", "get", "--repo", "MixedCase", "--bundle", id)
		ltext := mustCLI(t, c, "label", "get", "--repo", "MixedCase", "--label", "Prod")
		for _, name := range b.S3Buckets {
			if !strings.Contains(text, "s3://"+name+"\n") {
				t.Errorf("bundle get text lacks s3://%s: %q", name, text)
			}
		}
		for _, name := range l.S3Buckets {
			if !strings.Contains(ltext, "s3://"+name+"\n") {
				t.Errorf("label get text lacks s3://%s: %q", name, ltext)
			}
		}
	})
	t.Run("Malformed", func(t *testing.T) {
		now := time.Now()
		for _, bad := range []string{"a..b", "..", strings.Repeat("a", 256), "bad%20name", "caf%C3%A9"} {
			b := s3expect(t, "GET /"+bad, e.signed(t, "GET", "/"+bad+"/", nil, nil, now), 400, "InvalidBucketName")
			if !strings.Contains(string(b), "<Message>") {
				t.Errorf("%s: no message: %s", bad, b)
			}
		}
		// Parseable but unknown: NoSuchBucket, not a name error.
		s3expect(t, "GET /NoSuchRepo", e.signed(t, "GET", "/NoSuchRepo/", nil, nil, now), 404, "NoSuchBucket")
	})
}

// nameTree writes a small tree whose content depends on seed.
func nameTree(t *testing.T, seed uint64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tree")
	for i := 0; i < 4; i++ {
		writeSeeded(t, filepath.Join(dir, fmt.Sprintf("d%d/s%d-f%d.bin", i%2, seed, i)), 200+i*31, seed*100+uint64(i), 0o644)
	}
	return dir
}

// treeKeys are the slash paths of dir's files, sorted.
func treeKeys(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for k := range fileDigest(t, dir) {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// s3Keys lists a bucket recursively through aws cli (sorted keys).
func s3Keys(t *testing.T, e *s3ep, bucket string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(e.aws(t, "s3", "ls", "--recursive", "s3://"+bucket+"/"), "\n") {
		if f := strings.Fields(line); len(f) == 4 {
			out = append(out, f[3])
		}
	}
	sort.Strings(out)
	return out
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
}
