package transfer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDiffAndUpdate(t *testing.T) {
	st, com := newMemStore(), &memCommitter{}
	v1 := t.TempDir()
	writeTestFile(t, v1, "same.txt", []byte("same"), 0o644)
	writeTestFile(t, v1, "changed.txt", []byte("old content"), 0o644)
	writeTestFile(t, v1, "samesize.txt", []byte("aaaa"), 0o644)
	writeTestFile(t, v1, "chmod.txt", []byte("m"), 0o644)
	writeTestFile(t, v1, "gone/deep/x.txt", []byte("x"), 0o644)
	writeTestFile(t, v1, "becomes-dir", []byte("file"), 0o644)
	writeTestFile(t, v1, "becomes-file/inner.txt", []byte("i"), 0o644)
	if err := os.Symlink("same.txt", filepath.Join(v1, "link")); err != nil {
		t.Fatal(err)
	}
	setTimes(t, v1)
	b1, _ := upload(t, st, com, UploadOptions{Path: v1})

	v2 := t.TempDir()
	writeTestFile(t, v2, "same.txt", []byte("same"), 0o644)
	writeTestFile(t, v2, "changed.txt", []byte("new content, longer"), 0o644)
	writeTestFile(t, v2, "samesize.txt", []byte("bbbb"), 0o644)
	writeTestFile(t, v2, "chmod.txt", []byte("m"), 0o600)
	writeTestFile(t, v2, "added/new.txt", []byte("new"), 0o644)
	writeTestFile(t, v2, "becomes-dir/f", []byte("f"), 0o644)
	writeTestFile(t, v2, "becomes-file", []byte("now a file"), 0o644)
	if err := os.Symlink("changed.txt", filepath.Join(v2, "link")); err != nil {
		t.Fatal(err)
	}
	setTimes(t, v2)
	// Diff ignores mtimes: give the unchanged file its v1 mtime so the trees compare equal after Update.
	fi, _ := os.Stat(filepath.Join(v1, "same.txt"))
	_ = os.Chtimes(filepath.Join(v2, "same.txt"), fi.ModTime(), fi.ModTime())
	b2, _ := upload(t, st, com, UploadOptions{Path: v2})

	local := t.TempDir()
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b1, Destination: local}); err != nil {
		t.Fatal(err)
	}
	d, err := Diff(context.Background(), st, Config{}, b1, local)
	if err != nil || len(d) != 0 {
		t.Fatalf("diff against own bundle: %+v %v", d, err)
	}
	d, err = Diff(context.Background(), st, Config{}, b2, local)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]DiffType{}
	for _, x := range d {
		got[x.Name] = x.Type
	}
	want := map[string]DiffType{
		"added": Added, "added/new.txt": Added,
		"becomes-dir": Updated, "becomes-dir/f": Added,
		"becomes-file": Updated, "becomes-file/inner.txt": Deleted,
		"changed.txt": Updated, "samesize.txt": Updated, "chmod.txt": Updated, "link": Updated,
		"gone": Deleted, "gone/deep": Deleted, "gone/deep/x.txt": Deleted,
	}
	if len(got) != len(want) {
		t.Errorf("diff has %d entries, want %d: %+v", len(got), len(want), d)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("diff %q = %q, want %q", k, got[k], v)
		}
	}
	for _, x := range d {
		if x.Name == "samesize.txt" && (x.LocalHash == "" || x.LocalHash == x.RemoteHash || x.LocalSize != 4) {
			t.Errorf("samesize entry: %+v", x)
		}
	}
	us, err := Update(context.Background(), st, Config{Concurrency: 2}, b2, local)
	if err != nil {
		t.Fatal(err)
	}
	// becomes-file/ is cleared when the file replaces it, so its child is
	// not counted among the deletions.
	if us.Deleted != 3 || us.Added != 3 || us.Updated != 6 {
		t.Errorf("update stats %+v", us)
	}
	sameTree(t, v2, local)
	if d, err := Diff(context.Background(), st, Config{}, b2, local); err != nil || len(d) != 0 {
		t.Fatalf("diff after update: %+v %v", d, err)
	}
	descs, err := ReadDescriptors(local)
	if err != nil || len(descs) != 1 || descs[0].ID != b2.ID {
		t.Fatalf("descriptors after update: %+v %v", descs, err)
	}
	// Content change with equal size and mtime is still found (hash compare).
	mt := time.Now()
	writeTestFile(t, local, "same.txt", []byte("SAME"), 0o644)
	_ = os.Chtimes(filepath.Join(local, "same.txt"), mt, mt)
	if d, _ := Diff(context.Background(), st, Config{}, b2, local); len(d) != 1 || d[0].Type != Updated || d[0].Name != "same.txt" {
		t.Fatalf("same-size edit: %+v", d)
	}
}
