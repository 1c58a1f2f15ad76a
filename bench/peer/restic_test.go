package peer

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// Backup runs restic from inside the source tree, so a relative work dir
// (make bench-quick's default `-out bench/results`) must reach restic as an
// absolute repo path; it did not, and every backup failed.
func TestResticPathsAbsolute(t *testing.T) {
	r := &Restic{Bin: "restic", Dir: filepath.Join("bench", "results", ".work", "restic")}
	args := r.cmd(context.Background(), "backup").Args
	i := slices.Index(args, "--repo")
	j := slices.Index(args, "--cache-dir")
	if i < 0 || j < 0 {
		t.Fatalf("args %v", args)
	}
	for _, p := range []string{args[i+1], args[j+1]} {
		if !filepath.IsAbs(p) {
			t.Errorf("restic path %q is relative", p)
		}
	}
}
