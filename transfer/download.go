package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// DescriptorDir is where a download records which bundle it holds.
const DescriptorDir = ".datamon"

// DownloadOptions describe one download.
type DownloadOptions struct {
	Config
	// Bundle names the manifest (Bundle.ManifestRoot) and, when Bundle.ID is
	// set, the descriptor written to .datamon/<ID>.json. Root overrides
	// Bundle.ManifestRoot when not zero.
	Bundle      model.Bundle
	Root        chunk.ID
	Destination string
	// NameFilter, when set, keeps only entries whose path it matches (RE2).
	NameFilter *regexp.Regexp
	// Force allows a non-empty destination; existing paths are replaced.
	Force bool
}

// DownloadStats describe a finished download.
type DownloadStats struct {
	Files    int64 `json:"files"`
	Dirs     int64 `json:"dirs"`
	Symlinks int64 `json:"symlinks"`
	Bytes    int64 `json:"bytes"`
}

func (o DownloadOptions) root() chunk.ID {
	if !o.Root.IsZero() {
		return o.Root
	}
	return o.Bundle.ManifestRoot
}

// Download writes the bundle's tree (or the entries NameFilter matches)
// under opt.Destination, which must be empty or missing unless opt.Force.
func Download(ctx context.Context, store Store, opt DownloadOptions) (DownloadStats, error) {
	cfg := opt.Config.withDefaults()
	if err := cfg.Validate(); err != nil {
		return DownloadStats{}, err
	}
	if opt.Destination == "" || opt.root().IsZero() {
		return DownloadStats{}, fmt.Errorf("%w: download needs a destination and a manifest root", ErrBadConfig)
	}
	if !opt.Force {
		if err := checkEmpty(opt.Destination); err != nil {
			return DownloadStats{}, err
		}
	}
	st := retrying{s: store, cfg: cfg}
	mr, err := manifest.Open(ctx, st, opt.root())
	if err != nil {
		return DownloadStats{}, fmt.Errorf("transfer: open manifest: %w", err)
	}
	d, err := openDest(opt.Destination)
	if err != nil {
		return DownloadStats{}, err
	}
	defer d.Close()
	track := newTracker("download", cfg)
	defer track.finish()
	rs := mr.Stats()
	track.totalFiles.Store(int64(rs.Entries))
	track.totalByte.Store(int64(rs.Bytes))
	track.known.Store(opt.NameFilter == nil)

	f := newFetcher(ctx, cfg, st, d, track)
	err = mr.Walk(f.ctx, "", func(e manifest.Entry) error {
		if opt.NameFilter != nil && !opt.NameFilter.MatchString(e.Path) {
			return nil
		}
		return f.submit(e)
	})
	if err := f.finish(err); err != nil {
		return f.stats, err
	}
	if opt.Bundle.ID != "" {
		if err := writeDescriptor(d, opt.Bundle); err != nil {
			return f.stats, err
		}
	}
	return f.stats, nil
}

// DownloadFile writes the single entry at path of the bundle to
// dest/path (parents created safely). A directory is refused.
func DownloadFile(ctx context.Context, store Store, cfg Config, b model.Bundle, path, dest string) (manifest.Entry, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return manifest.Entry{}, err
	}
	st := retrying{s: store, cfg: cfg}
	mr, err := manifest.Open(ctx, st, b.ManifestRoot)
	if err != nil {
		return manifest.Entry{}, fmt.Errorf("transfer: open manifest: %w", err)
	}
	e, err := mr.Lookup(ctx, path)
	if err != nil {
		return e, fmt.Errorf("transfer: %q in bundle %s: %w", path, b.ID, err)
	}
	if e.Type == manifest.Dir {
		return e, fmt.Errorf("%w: %q is a directory", ErrNotRegular, path)
	}
	d, err := openDest(dest)
	if err != nil {
		return e, err
	}
	defer d.Close()
	track := newTracker("download", cfg)
	track.totalFiles.Store(1)
	track.totalByte.Store(e.Size)
	track.known.Store(true)
	defer track.finish()
	f := newFetcher(ctx, cfg, st, d, track)
	return e, f.finish(f.submit(e))
}

// checkEmpty fails with ErrDestNotEmpty if dir exists and holds anything.
func checkEmpty(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("transfer: destination: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if len(names) > 0 {
		return fmt.Errorf("%w: %s (use force to download anyway)", ErrDestNotEmpty, dir)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("transfer: destination: %w", err)
	}
	return nil
}

// writeDescriptor records b in .datamon/<id>.json.
func writeDescriptor(d *destDir, b model.Bundle) error {
	body, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	native, err := d.parent(DescriptorDir + "/" + b.ID + ".json")
	if err != nil {
		return err
	}
	tmp := d.tempName(native)
	if err := d.root.WriteFile(tmp, append(body, '\n'), 0o644); err != nil {
		return fmt.Errorf("transfer: descriptor: %w", err)
	}
	if err := d.root.Rename(tmp, native); err != nil {
		_ = d.root.Remove(tmp)
		return fmt.Errorf("transfer: descriptor: %w", err)
	}
	return nil
}

// ReadDescriptors returns the bundles recorded under dir/.datamon (the
// bundle a download or update left there), sorted by ID.
func ReadDescriptors(dir string) ([]model.Bundle, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	defer r.Close()
	des, err := fsReadDir(r, DescriptorDir)
	if err != nil {
		return nil, err
	}
	var out []model.Bundle
	for _, name := range des {
		var b model.Bundle
		body, err := r.ReadFile(DescriptorDir + "/" + name)
		if err != nil || json.Unmarshal(body, &b) != nil || b.ID+".json" != name {
			continue
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b model.Bundle) int { return compareStr(a.ID, b.ID) })
	return out, nil
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func fsReadDir(r *os.Root, name string) ([]string, error) {
	f, err := r.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	return names, nil
}
