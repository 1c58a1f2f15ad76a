package manifest

import (
	"context"
	"fmt"
)

// Filter writes a copy of the manifest r reads, without the entries drop
// returns true for, through put (with cfg's page bounds), and returns the
// new root and the dropped entries in path order. Kept entries are copied
// unchanged (type, mode, mtime, chunks, attrs) and in the same order, so
// the copy is a valid manifest; its totals count only what was kept. The
// pages of the old manifest are not touched (they are content-addressed
// and may be shared); chunks referenced only by dropped entries stay in
// the store until something collects them.
func Filter(ctx context.Context, r *Reader, put ChunkPutter, cfg WriterConfig, drop func(Entry) bool) (Root, []Entry, error) {
	w := NewWriter(ctx, put, cfg)
	var dropped []Entry
	err := r.Walk(ctx, "", func(e Entry) error {
		if drop(e) {
			dropped = append(dropped, e)
			return nil
		}
		return w.Add(e)
	})
	if err != nil {
		return Root{}, nil, fmt.Errorf("manifest: filter %s: %w", r.Root(), err)
	}
	root, err := w.Close()
	if err != nil {
		return Root{}, nil, fmt.Errorf("manifest: filter %s: %w", r.Root(), err)
	}
	return root, dropped, nil
}
