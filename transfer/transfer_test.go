package transfer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

func upload(t *testing.T, st Store, com Committer, opt UploadOptions) (model.Bundle, UploadStats) {
	t.Helper()
	if opt.Repo == "" {
		opt.Repo = "r"
	}
	b, stats, err := Upload(context.Background(), st, com, opt)
	if err != nil {
		t.Fatalf("upload %s: %v", opt.Path, err)
	}
	return b, stats
}

func bundlePaths(t *testing.T, st Store, b model.Bundle) []string {
	t.Helper()
	mr, err := manifest.Open(context.Background(), st, b.ManifestRoot)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if err := mr.Walk(context.Background(), "", func(e manifest.Entry) error {
		out = append(out, e.Path)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTripEdgeTree(t *testing.T) {
	src := edgeTree(t)
	st, com := newMemStore(), &memCommitter{}
	var last Progress
	b, stats := upload(t, st, com, UploadOptions{Path: src, Message: "m", Label: "v1",
		Config: Config{Concurrency: 3, Progress: func(p Progress) { last = p }}})
	if len(com.bundles) != 1 || com.labels["v1"] != b.ID || b.Message != "m" {
		t.Fatalf("commit: %+v %v", com.bundles, com.labels)
	}
	if !last.Done || last.Files != stats.Files+stats.Dirs+stats.Symlinks || last.Bytes != stats.Bytes || !last.TotalKnown || last.TotalBytes != stats.Bytes {
		t.Fatalf("final progress %+v vs stats %+v", last, stats)
	}
	if stats.Files != 13 || stats.Symlinks != 3 || b.FileCount != 13 || uint64(stats.Bytes) != b.ByteCount {
		t.Fatalf("stats %+v bundle %+v", stats, b)
	}
	if stats.ChunksNew == 0 || stats.BytesNew != stats.Bytes || st.puts.Load() <= stats.ChunksNew {
		t.Fatalf("new chunks: %+v, store puts %d", stats, st.puts.Load())
	}
	if slices.Contains(bundlePaths(t, st, b), ".datamon/ignored.json") {
		t.Fatal("reserved path uploaded")
	}
	dst := filepath.Join(t.TempDir(), "out")
	ds, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst, Config: Config{Concurrency: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Files != 13 || ds.Bytes != stats.Bytes || ds.Symlinks != 3 {
		t.Fatalf("download stats %+v", ds)
	}
	sameTree(t, src, dst)
	descs, err := ReadDescriptors(dst)
	if err != nil || len(descs) != 1 || descs[0].ID != b.ID || descs[0].ManifestRoot != b.ManifestRoot {
		t.Fatalf("descriptors %+v %v", descs, err)
	}
	// Re-upload of the same tree stores no new file chunks.
	_, again := upload(t, st, com, UploadOptions{Path: src})
	if again.ChunksNew != 0 || again.BytesNew != 0 || again.Chunks != stats.Chunks {
		t.Fatalf("re-upload: %+v", again)
	}
	// The downloaded tree (with its .datamon) uploads to the same manifest.
	b3, _ := upload(t, st, com, UploadOptions{Path: dst})
	if b3.ManifestRoot != b.ManifestRoot {
		x, y := entries(t, st, b), entries(t, st, b3)
		for i := range x {
			if i < len(y) && !slices.EqualFunc(x[i:i+1], y[i:i+1], entryEq) {
				t.Errorf("entry %d: %+v != %+v", i, x[i].Path, y[i].Path)
			}
		}
		t.Fatal("download then upload changed the manifest")
	}
}

func TestInsertAtStartDedups(t *testing.T) {
	dir := t.TempDir()
	data := randBytes(7, 40<<20)
	writeTestFile(t, dir, "big.bin", data, 0o644)
	st, com := newMemStore(), &memCommitter{}
	upload(t, st, com, UploadOptions{Path: dir})
	writeTestFile(t, dir, "big.bin", append(randBytes(8, 4<<10), data...), 0o644)
	_, stats := upload(t, st, com, UploadOptions{Path: dir})
	if stats.BytesNew >= 2<<20 || stats.BytesNew == 0 {
		t.Fatalf("insert of 4 KiB stored %d new bytes", stats.BytesNew)
	}
	t.Logf("40 MiB file, 4 KiB inserted at the start: %d new bytes in %d chunks", stats.BytesNew, stats.ChunksNew)
}

func TestUploadFileList(t *testing.T) {
	src := edgeTree(t)
	st, com := newMemStore(), &memCommitter{}
	// "a" brings its subtree; "a/b.txt" is inside it (dropped as a duplicate).
	b, _ := upload(t, st, com, UploadOptions{Path: src, Files: []string{"kib.txt", "a", "a/b.txt", "links/rel", "a.txt", "kib.txt"}})
	want := []string{"a", "a.txt", "a/b", "a/b.txt", "a/b/c", "a/b/c/d", "a/b/c/d/e", "a/b/c/d/e/f", "a/b/c/d/e/f/deep7.txt", "kib.txt", "links/rel"}
	if got := bundlePaths(t, st, b); !slices.Equal(got, want) {
		t.Fatalf("paths %q, want %q", got, want)
	}
	// A missing listed file fails, or is skipped with SkipOnError.
	if _, _, err := Upload(context.Background(), st, com, UploadOptions{Repo: "r", Path: src, Files: []string{"nope", "a.txt"}}); !errors.Is(err, ErrSourceFile) {
		t.Fatalf("missing listed file: %v", err)
	}
	b, stats := upload(t, st, com, UploadOptions{Path: src, Files: []string{"nope", "a.txt"}, SkipOnError: true})
	if got := bundlePaths(t, st, b); !slices.Equal(got, []string{"a.txt"}) || stats.Files != 1 {
		t.Fatalf("skip on error: %q %+v", got, stats)
	}
}

func TestDownloadNameFilterAndForce(t *testing.T) {
	src := edgeTree(t)
	st, com := newMemStore(), &memCommitter{}
	b, _ := upload(t, st, com, UploadOptions{Path: src})
	dst := t.TempDir()
	ds, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst, NameFilter: regexp.MustCompile(`^sizes/.*\+1\.bin$|deep`)})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Files != 3 {
		t.Fatalf("filtered download: %+v", ds)
	}
	fileEq(t, filepath.Join(dst, "sizes/max+1.bin"), mustRead(t, filepath.Join(src, "sizes/max+1.bin")))
	if _, err := os.Lstat(filepath.Join(dst, "kib.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("filter let kib.txt through")
	}
	// Non-empty destination: refused without Force, replaced with it.
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst}); !errors.Is(err, ErrDestNotEmpty) {
		t.Fatalf("non-empty destination: %v", err)
	}
	writeTestFile(t, dst, "kib.txt", []byte("stale"), 0o644)
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst, Force: true}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, src, dst)
	// One file.
	one := t.TempDir()
	e, err := DownloadFile(context.Background(), st, Config{}, b, "a/b/c/d/e/f/deep7.txt", one)
	if err != nil || e.Size != 100 {
		t.Fatalf("download file: %+v %v", e, err)
	}
	fileEq(t, filepath.Join(one, "a/b/c/d/e/f/deep7.txt"), mustRead(t, filepath.Join(src, "a/b/c/d/e/f/deep7.txt")))
	if _, err := DownloadFile(context.Background(), st, Config{}, b, "nope", one); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func entries(t *testing.T, st Store, b model.Bundle) []manifest.Entry {
	t.Helper()
	mr, err := manifest.Open(context.Background(), st, b.ManifestRoot)
	if err != nil {
		t.Fatal(err)
	}
	var out []manifest.Entry
	if err := mr.Walk(context.Background(), "", func(e manifest.Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func entryEq(a, b manifest.Entry) bool {
	return a.Path == b.Path && a.Type == b.Type && a.Mode == b.Mode && a.MTime == b.MTime && a.Target == b.Target && a.Size == b.Size && slices.Equal(a.Chunks, b.Chunks)
}

// TestManyFilesOrder uploads a few hundred small files whose names trap
// naive orderings ("d", "d.x", "d-x", "d/…", "d0") through the parallel
// pipeline and its reorder window, then round-trips them.
func TestManyFilesOrder(t *testing.T) {
	src := t.TempDir()
	n := 0
	for i := range 10 {
		for _, name := range []string{"d", "d.x", "d-x", "d0", "d/f", "d/f.x", "d/f/g", "d.x/y", "d!/z", "e"} {
			rel := filepath.ToSlash(filepath.Join("top"+string(rune('a'+i)), name))
			if name == "d" || name == "d/f" || name == "d.x" || name == "d!" {
				rel += "/leaf"
			}
			writeTestFile(t, src, rel+"-"+string(rune('0'+i%10)), randBytes(uint64(n), n%700), 0o644)
			n++
		}
	}
	setTimes(t, src)
	st, com := newMemStore(), &memCommitter{}
	b, stats := upload(t, st, com, UploadOptions{Path: src, Config: Config{Concurrency: 4}})
	if stats.Files != int64(n) {
		t.Fatalf("%d files uploaded, want %d", stats.Files, n)
	}
	dst := filepath.Join(t.TempDir(), "d")
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst, Config: Config{Concurrency: 4}}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, src, dst)
}
