package api

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// maxSwapBatch is the number of bundles swapped per RepoAdmin call (the
// metadata store's own bound is larger).
const maxSwapBatch = 256

// lookupLimit: up to this many paths, a bundle is checked with one Lookup
// per path (a page per tree level each); above it, with one full walk.
const lookupLimit = 64

// pathSet validates the requested paths: 1..MaxDeletePaths, each a
// normalized relative path (no "..", not absolute); duplicates collapse.
func pathSet(paths []string) (map[string]bool, error) {
	if len(paths) == 0 || len(paths) > MaxDeletePaths {
		return nil, fmt.Errorf("%w: %d paths to delete (1..%d)", model.ErrInvalid, len(paths), MaxDeletePaths)
	}
	set := make(map[string]bool, len(paths))
	for _, p := range paths {
		if err := manifest.ValidatePath(p); err != nil {
			return nil, fmt.Errorf("api: path to delete: %w", err)
		}
		set[p] = true
	}
	return set, nil
}

// chunkSeam adapts Chunks to the manifest package's seams.
type chunkSeam struct{ Chunks }

func (c chunkSeam) PutChunk(ctx context.Context, b []byte) (chunk.ID, error) { return c.Put(ctx, b) }
func (c chunkSeam) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	return c.Get(ctx, id)
}

// removeFromBundles writes, for every bundle of the repo holding one of
// the paths, a new manifest without them (the new pages are stored before
// anything refers to them), then swaps the bundles' manifests with
// compare-and-set on the old roots. No bundle changes unless every
// manifest was rewritten; with more than maxSwapBatch bundles to change,
// the swaps go in batches, each all or nothing.
func (s *Server) removeFromBundles(ctx context.Context, a RepoAdmin, c, repo string, set map[string]bool) (DeleteFilesResult, error) {
	bundles, err := s.meta.ListBundles(ctx, c, repo)
	if err != nil {
		return DeleteFilesResult{}, err
	}
	store := chunkSeam{s.chunks}
	out := DeleteFilesResult{Bundles: make([]BundleFilesRemoved, 0, len(bundles))}
	found := map[string]bool{}
	var swaps []model.ManifestSwap
	for _, b := range bundles {
		res := BundleFilesRemoved{ID: b.ID, Removed: []string{}, OldRoot: b.ManifestRoot, NewRoot: b.ManifestRoot,
			FileCount: b.FileCount, ByteCount: b.ByteCount}
		if b.ManifestRoot != (chunk.ID{}) {
			root, removed, err := rewrite(ctx, store, b.ManifestRoot, set)
			if err != nil {
				return DeleteFilesResult{}, fmt.Errorf("bundle %s: %w", b.ID, err)
			}
			if len(removed) > 0 {
				res.Removed, res.NewRoot, res.FileCount, res.ByteCount = removed, root.ID, root.Files, root.Bytes
				swaps = append(swaps, model.ManifestSwap{BundleID: b.ID, OldRoot: b.ManifestRoot, NewRoot: root.ID,
					FileCount: root.Files, ByteCount: root.Bytes})
			}
		}
		for _, p := range res.Removed {
			found[p] = true
		}
		out.Removed += len(res.Removed)
		out.Bundles = append(out.Bundles, res)
	}
	for len(swaps) > 0 {
		n := min(len(swaps), maxSwapBatch)
		if _, err := a.SwapManifests(ctx, c, repo, swaps[:n]); err != nil {
			return DeleteFilesResult{}, err
		}
		swaps = swaps[n:]
	}
	for p := range set {
		if !found[p] {
			out.Missing = append(out.Missing, p)
		}
	}
	sort.Strings(out.Missing)
	return out, nil
}

// rewrite returns the manifest at root without the paths in set, and the
// removed paths; with nothing to remove it writes nothing.
func rewrite(ctx context.Context, store chunkSeam, root chunk.ID, set map[string]bool) (manifest.Root, []string, error) {
	rd, err := manifest.Open(ctx, store, root)
	if err != nil {
		return manifest.Root{}, nil, err
	}
	hits, err := countHits(ctx, rd, set)
	if err != nil || hits == 0 {
		return manifest.Root{}, nil, err
	}
	newRoot, dropped, err := manifest.Filter(ctx, rd, store, manifest.WriterConfig{},
		func(e manifest.Entry) bool { return set[e.Path] })
	if err != nil {
		return manifest.Root{}, nil, err
	}
	removed := make([]string, len(dropped))
	for i, e := range dropped {
		removed[i] = e.Path
	}
	return newRoot, removed, nil
}

func countHits(ctx context.Context, rd *manifest.Reader, set map[string]bool) (int, error) {
	n := 0
	if len(set) <= lookupLimit {
		for p := range set {
			_, err := rd.Lookup(ctx, p)
			switch {
			case err == nil:
				n++
			case !errors.Is(err, manifest.ErrNotFound):
				return 0, err
			}
		}
		return n, nil
	}
	err := rd.Walk(ctx, "", func(e manifest.Entry) error {
		if set[e.Path] {
			n++
		}
		return nil
	})
	return n, err
}
