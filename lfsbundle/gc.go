package lfsbundle

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/datamon-io/datamon/manifest"
)

// GCOptions configure an LFS collection.
type GCOptions struct {
	Context, Repo string
	// GitDir, when set, keeps every object reachable from its refs.
	GitDir string
	// Grace keeps objects uploaded less than this long ago.
	Grace time.Duration
	// Delete removes the garbage; false reports it only (the default).
	Delete bool
	Now    func() time.Time
}

// GCReport says what a collection found (and removed).
type GCReport struct {
	Objects      int      `json:"objects"`
	KeptSnapshot int      `json:"kept_by_snapshot"`
	KeptGit      int      `json:"kept_by_git"`
	KeptGrace    int      `json:"kept_by_grace"`
	Garbage      []string `json:"garbage"`
	GarbageBytes int64    `json:"garbage_bytes"`
	Deleted      int      `json:"deleted"`
	DryRun       bool     `json:"dry_run"`
}

// snapshotOIDs collects the lfs.oid attributes of every bundle of the repo.
func snapshotOIDs(ctx context.Context, cl Cluster, c, r string) (map[string]bool, error) {
	bs, err := cl.ListBundles(ctx, c, r)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, b := range bs {
		rd, err := manifest.Open(ctx, cl, b.ManifestRoot)
		if err != nil {
			return nil, fmt.Errorf("lfsbundle: bundle %s: %w", b.ID, err)
		}
		if err := rd.Walk(ctx, "", func(e manifest.Entry) error {
			if oid := e.Attrs[AttrOID]; oid != "" {
				keep[oid] = true
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("lfsbundle: bundle %s: %w", b.ID, err)
		}
	}
	return keep, nil
}

// GC applies the package's rule (see the package doc) to every LFS object
// of the repo. Any error reading bundles or git aborts before a deletion.
func GC(ctx context.Context, cl Cluster, opt GCOptions) (GCReport, error) {
	rep := GCReport{DryRun: !opt.Delete}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	cutoff := now().Add(-opt.Grace)
	snap, err := snapshotOIDs(ctx, cl, opt.Context, opt.Repo)
	if err != nil {
		return rep, err
	}
	var reach map[string]bool
	if opt.GitDir != "" {
		if reach, err = ReachableOIDs(ctx, opt.GitDir); err != nil {
			return rep, err
		}
	}
	after := ""
	for {
		page, err := cl.LFSObjects(ctx, opt.Context, opt.Repo, after, 1000)
		if err != nil {
			return rep, err
		}
		for _, o := range page.Objects {
			rep.Objects++
			switch {
			case snap[o.OID]:
				rep.KeptSnapshot++
			case reach[o.OID]:
				rep.KeptGit++
			case !o.Created.Before(cutoff):
				rep.KeptGrace++
			default:
				rep.Garbage = append(rep.Garbage, o.OID)
				rep.GarbageBytes += o.Size
			}
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	sort.Strings(rep.Garbage)
	if !opt.Delete {
		return rep, nil
	}
	for i := 0; i < len(rep.Garbage); i += 1000 {
		batch := rep.Garbage[i:min(i+1000, len(rep.Garbage))]
		// Before = cutoff: an object re-uploaded since the listing (a new
		// Created time) is not removed.
		n, err := cl.DeleteLFSObjects(ctx, opt.Context, opt.Repo, batch, cutoff)
		rep.Deleted += n
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}
