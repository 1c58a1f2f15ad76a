package suite

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// Metadata measurement names.
const (
	MetaPerBundle = "scale.metadata.per-bundle"
	MetaPerFile   = "scale.metadata.per-file"
)

// countingGetter counts the distinct chunks (manifest pages) fetched.
type countingGetter struct {
	g     manifest.ChunkGetter
	mu    sync.Mutex
	seen  map[chunk.ID]bool
	bytes int64
}

func (c *countingGetter) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	b, err := c.g.GetChunk(ctx, id)
	if err == nil {
		c.mu.Lock()
		if !c.seen[id] {
			c.seen[id] = true
			c.bytes += int64(len(b))
		}
		c.mu.Unlock()
	}
	return b, err
}

// runMetadata: manifest bytes per file (every page of the small-files
// bundle's manifest, read back through package manifest) and the Raft
// bytes per bundle commit (growth of the nodes' raft/ and meta/ data dirs
// over the profile's MetadataBundles commits; local clusters only).
func runMetadata(ctx context.Context, e *Env) ([]report.Measurement, error) {
	ci, err := e.Cluster(ctx)
	if err != nil {
		return nil, err
	}
	dir, _, err := e.SmallFiles(ctx)
	if err != nil {
		return nil, err
	}
	te, err := benchRepo(ctx, e, "bench-meta")
	if err != nil {
		return nil, err
	}
	b, st, _, err := te.upload(ctx, dir, "metadata")
	if err != nil {
		return nil, fmt.Errorf("suite: metadata upload: %w", err)
	}
	cg := &countingGetter{g: te.c, seen: map[chunk.ID]bool{}}
	r, err := manifest.Open(ctx, cg, b.ManifestRoot)
	if err != nil {
		return nil, fmt.Errorf("suite: metadata: open manifest: %w", err)
	}
	entries := 0
	if err := r.Walk(ctx, "", func(manifest.Entry) error { entries++; return nil }); err != nil {
		return nil, fmt.Errorf("suite: metadata: walk manifest: %w", err)
	}
	perFile := float64(cg.bytes) / float64(max(st.Files, 1))
	out := []report.Measurement{report.OK(GroupScale, MetaPerFile, perFile, "bytes").
		WithNotes(fmt.Sprintf("manifest of %d files (%d entries incl. dirs): %d pages, %d bytes (logical, before erasure coding); 1–4 KiB files",
			st.Files, entries, len(cg.seen), cg.bytes))}
	out[0].LowerIsBetter = true
	if len(ci.NodeDirs) == 0 {
		out = append(out, report.Skipped(GroupScale, MetaPerBundle, "bytes", "node data dirs unknown (remote cluster)"))
		return out, nil
	}
	n := max(1, e.Profile.MetadataBundles)
	before := metaDirBytes(ci.NodeDirs)
	c, err := e.Client(ctx)
	if err != nil {
		return out, err
	}
	for i := 0; i < n; i++ {
		_, err := c.CommitBundle(ctx, model.Bundle{Context: model.DefaultContext, Repo: te.repo,
			Message: fmt.Sprintf("metadata bench %d", i), ManifestRoot: b.ManifestRoot, FileCount: b.FileCount,
			ByteCount: b.ByteCount, Parents: []string{b.ID}}, "")
		if err != nil {
			return out, fmt.Errorf("suite: metadata: commit %d: %w", i, err)
		}
	}
	after := metaDirBytes(ci.NodeDirs)
	var grow int64
	for i := range before {
		grow += after[i] - before[i]
	}
	per := float64(grow) / float64(len(before)) / float64(n)
	m := report.OK(GroupScale, MetaPerBundle, per, "bytes").
		WithNotes(fmt.Sprintf("growth of raft/ + meta/ (apparent file sizes: Raft log, snapshots, Pebble FSM) per node, mean of %d nodes, over %d bundle commits "+
			"(one parent, %d-file manifest referenced; the manifest itself is in the shard store, %d bytes); coarse: WAL/memtable flushes are lumpy",
			len(before), n, st.Files, cg.bytes))
	m.LowerIsBetter = true
	return append(out, m), nil
}

// metaDirBytes sums the apparent size of the files under DIR/raft and
// DIR/meta for each node data dir.
func metaDirBytes(dirs []string) []int64 {
	out := make([]int64, len(dirs))
	for i, d := range dirs {
		for _, sub := range []string{"raft", "meta"} {
			_ = filepath.WalkDir(filepath.Join(d, sub), func(_ string, de fs.DirEntry, err error) error {
				if err != nil || de.IsDir() {
					return nil
				}
				if info, err := de.Info(); err == nil {
					out[i] += info.Size()
				}
				return nil
			})
		}
	}
	return out
}
