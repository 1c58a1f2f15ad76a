package workload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestPlanSizes(t *testing.T) {
	for _, c := range []Config{DefaultConfig(), QuickConfig()} {
		files, err := Plan(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := TotalSize(files); got != c.Total {
			t.Fatalf("total %d, want %d", got, c.Total)
		}
		count := map[int64]int{}
		for _, f := range files {
			count[f.Size]++
		}
		if count[SizeSmall] < 100 || count[SizeMedium] < 10 || count[SizeLarge] < 2 {
			t.Fatalf("mix %v", count)
		}
		if c.Total >= 1<<30 && count[SizeHuge] < 1 {
			t.Fatalf("full set without 400 MiB files: %v", count)
		}
	}
	if _, err := Plan(Config{Total: 10}); err == nil {
		t.Fatal("tiny total accepted")
	}
}

// digest hashes every file (path and bytes) under dir.
func digest(t *testing.T, dir string) ([]byte, int64) {
	t.Helper()
	h := sha256.New()
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		h.Write([]byte(p[len(dir):]))
		h.Write(b)
		total += int64(len(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h.Sum(nil), total
}

func TestGenerateDeterministicAndMutation(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Seed: 7, Total: 90 * MiB, ChangeFraction: 0.01}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, b := t.TempDir(), t.TempDir()
	if err := s.Generate(ctx, a, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Generate(ctx, b, 1); err != nil {
		t.Fatal(err)
	}
	da, ta := digest(t, a)
	db, _ := digest(t, b)
	if !bytes.Equal(da, db) || ta != cfg.Total {
		t.Fatalf("not deterministic or wrong size: %d", ta)
	}
	m := s.Mutation()
	if m.ChangedBytes < cfg.Total/200 || m.ChangedBytes > cfg.Total/50 {
		t.Fatalf("changed %d of %d", m.ChangedBytes, cfg.Total)
	}
	var inserted int64
	for _, c := range m.Changes {
		for _, in := range c.Inserts {
			inserted += in.Size
		}
	}
	if inserted == 0 {
		t.Fatal("no inserts into large files")
	}
	if err := s.Apply(ctx, a, m, 2); err != nil {
		t.Fatal(err)
	}
	dm, tm := digest(t, a)
	if bytes.Equal(dm, da) || tm != cfg.Total+inserted {
		t.Fatalf("mutation: size %d, want %d", tm, cfg.Total+inserted)
	}
	if err := s.Reset(ctx, a, m, 2); err != nil {
		t.Fatal(err)
	}
	if dr, _ := digest(t, a); !bytes.Equal(dr, da) {
		t.Fatal("reset did not restore the original set")
	}
}

func TestSmallFiles(t *testing.T) {
	f1, err := SmallFiles(SmallConfig{Seed: 3, Count: 300})
	if err != nil {
		t.Fatal(err)
	}
	f2, _ := SmallFiles(SmallConfig{Seed: 3, Count: 300})
	for i := range f1 {
		if f1[i] != f2[i] || f1[i].Size < KiB || f1[i].Size > 4*KiB {
			t.Fatalf("file %d: %+v vs %+v", i, f1[i], f2[i])
		}
	}
	dir := t.TempDir()
	if err := WriteFiles(context.Background(), dir, f1, 2); err != nil {
		t.Fatal(err)
	}
	if _, total := digest(t, dir); total != TotalSize(f1) {
		t.Fatalf("wrote %d bytes, want %d", total, TotalSize(f1))
	}
}
