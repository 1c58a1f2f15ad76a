package transfer

import (
	"context"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// UpdateStats describe a finished Update.
type UpdateStats struct {
	Added   int64 `json:"added"`
	Updated int64 `json:"updated"`
	Deleted int64 `json:"deleted"`
	Bytes   int64 `json:"bytes"` // content bytes downloaded
}

// Update makes the tree under dir equal to bundle b: it downloads added and
// changed entries (replacing what is there), deletes local paths the bundle
// lacks, and replaces the .datamon descriptors by b's. Reserved paths are
// left alone. Writes go through the same safe destination as Download.
func Update(ctx context.Context, store Store, cfg Config, b model.Bundle, dir string) (UpdateStats, error) {
	var us UpdateStats
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return us, err
	}
	d, err := openDest(dir)
	if err != nil {
		return us, err
	}
	defer d.Close()
	track := newTracker("update", cfg)
	defer track.finish()
	st := retrying{s: store, cfg: cfg}
	f := newFetcher(ctx, cfg, st, d, track)
	var deletions []string
	err = DiffFunc(f.ctx, store, cfg, b, dir, func(x DiffEntry) error {
		switch x.Type {
		case Deleted:
			deletions = append(deletions, x.Name)
			us.Deleted++
			return nil
		case Updated:
			us.Updated++
			// A directory cannot be renamed over, nor written through: clear it first.
			if x.Remote.Type != localType(x.local) && (x.Remote.Type == manifest.Dir || localType(x.local) == manifest.Dir) {
				if err := checkRel(x.Name); err != nil {
					return err
				}
				if err := d.root.RemoveAll(nativePath(x.Name)); err != nil {
					return fmt.Errorf("transfer: update: remove %q: %w", x.Name, err)
				}
			}
		case Added:
			us.Added++
		}
		track.totalFiles.Add(1)
		track.totalByte.Add(x.Remote.Size)
		return f.submit(x.Remote)
	})
	track.known.Store(true)
	if err := f.finish(err); err != nil {
		return us, err
	}
	us.Bytes = f.stats.Bytes
	for i := len(deletions) - 1; i >= 0; i-- {
		if err := d.root.RemoveAll(nativePath(deletions[i])); err != nil {
			return us, fmt.Errorf("transfer: update: remove %q: %w", deletions[i], err)
		}
	}
	names, err := fsReadDir(d.root, DescriptorDir)
	if err != nil {
		return us, err
	}
	for _, n := range names {
		if strings.HasSuffix(n, ".json") && n != b.ID+".json" {
			_ = d.root.Remove(DescriptorDir + "/" + n)
		}
	}
	if b.ID != "" {
		if err := writeDescriptor(d, b); err != nil {
			return us, err
		}
	}
	return us, nil
}
