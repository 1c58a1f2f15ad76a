package nemesis

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/datamon-io/datamon/jepsen/netns"
)

// MountTmpfs mounts a tmpfs of size bytes on dir (created if needed) and
// records it in the ledger; the returned func unmounts it.
func MountTmpfs(ctx context.Context, dir string, size int64, led *netns.Ledger) (func() error, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("nemesis: tmpfs dir: %w", err)
	}
	if err := led.AddMount(dir); err != nil {
		return nil, err
	}
	if _, err := netns.Run(ctx, "", "mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir); err != nil {
		_ = led.DelMount(dir)
		return nil, err
	}
	return func() error {
		_, err := netns.Run(context.WithoutCancel(ctx), "", "umount", "-l", dir)
		return errors.Join(err, led.DelMount(dir))
	}, nil
}

// FillerName is the file the disk-full nemesis writes.
const FillerName = "jepsen-filler"

// Fill writes dir/FillerName until the filesystem returns ENOSPC (a bounded
// number of bytes, max). It returns the bytes written and whether ENOSPC was
// reached.
func Fill(dir string, max int64) (int64, bool, error) {
	f, err := os.OpenFile(filepath.Join(dir, FillerName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, errors.Is(err, syscall.ENOSPC), err
	}
	defer f.Close()
	buf := make([]byte, 64*1024)
	var n int64
	for n < max {
		w, err := f.Write(buf)
		n += int64(w)
		if errors.Is(err, syscall.ENOSPC) {
			return n, true, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, false, nil
}

// DiskConfig configures the disk-full nemesis.
type DiskConfig struct {
	DataDirs map[string]string // node ID → data dir (mount a small tmpfs there)
	MaxFill  int64             // safety bound on bytes written (default 1 GiB)
	Pick     Picker            // default: a random node
	Seed     uint64
	Logger   *slog.Logger
}

type diskNemesis struct {
	journal
	cfg    DiskConfig
	active []string
}

// NewDiskFull returns a nemesis that fills the picked nodes' data dirs to
// ENOSPC on Invoke and deletes the filler on Heal.
func NewDiskFull(cfg DiskConfig) Nemesis {
	if cfg.MaxFill == 0 {
		cfg.MaxFill = 1 << 30
	}
	if cfg.Pick == nil {
		var ids []string
		for id := range cfg.DataDirs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		cfg.Pick = PickRandom(ids, 1)
	}
	return &diskNemesis{journal: newJournal("disk-full", cfg.Seed, cfg.Logger), cfg: cfg}
}

func (n *diskNemesis) Invoke(ctx context.Context) error {
	ids, err := n.cfg.Pick(ctx, n.rng)
	if err != nil {
		return err
	}
	for _, id := range ids {
		dir, ok := n.cfg.DataDirs[id]
		if !ok {
			return fmt.Errorf("nemesis disk-full: no data dir for %q", id)
		}
		w, full, err := Fill(dir, n.cfg.MaxFill)
		n.active = append(n.active, id)
		n.record("invoke", []string{id}, fmt.Sprintf("wrote %d bytes, enospc=%v", w, full), err)
		if err != nil {
			return err
		}
		if !full {
			return fmt.Errorf("nemesis disk-full: %s: no ENOSPC after %d bytes (is %s a small tmpfs?)", id, w, dir)
		}
	}
	return nil
}

func (n *diskNemesis) Heal(context.Context) error {
	var errs []error
	for _, id := range n.active {
		err := os.Remove(filepath.Join(n.cfg.DataDirs[id], FillerName))
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		n.record("heal", []string{id}, "remove filler", err)
		errs = append(errs, err)
	}
	n.active = nil
	return errors.Join(errs...)
}

// CorruptFunc damages data of one node; it returns a description.
type CorruptFunc func(ctx context.Context, nodeID string, rng *rand.Rand) (string, error)

// CorruptConfig configures the corruption nemesis. The lead supplies a
// shard-aware Corrupt (≤ m shards per chunk); FlipRandomFile and
// DeleteRandomFile are generic defaults for tests.
type CorruptConfig struct {
	Corrupt CorruptFunc
	Pick    Picker
	Seed    uint64
	Logger  *slog.Logger
}

type corruptNemesis struct {
	journal
	cfg CorruptConfig
}

// NewCorrupt returns a nemesis that calls Corrupt on the picked nodes. Heal
// is a no-op: repairing is the product's job, which the checkers verify.
func NewCorrupt(cfg CorruptConfig) Nemesis {
	return &corruptNemesis{journal: newJournal("corrupt", cfg.Seed, cfg.Logger), cfg: cfg}
}

func (n *corruptNemesis) Invoke(ctx context.Context) error {
	ids, err := n.cfg.Pick(ctx, n.rng)
	if err != nil {
		return err
	}
	for _, id := range ids {
		d, err := n.cfg.Corrupt(ctx, id, n.rng)
		n.record("invoke", []string{id}, d, err)
		if err != nil {
			return err
		}
	}
	return nil
}

func (n *corruptNemesis) Heal(context.Context) error { return nil }

// regularFiles lists files under dir matching glob (on the base name).
func regularFiles(dir, glob string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ok, _ := filepath.Match(glob, d.Name()); ok && d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// FlipRandomFile returns a CorruptFunc flipping one byte of a random
// non-empty file matching glob under dirs[node].
func FlipRandomFile(dirs map[string]string, glob string) CorruptFunc {
	return func(_ context.Context, id string, rng *rand.Rand) (string, error) {
		files, err := regularFiles(dirs[id], glob)
		if err != nil || len(files) == 0 {
			return "", fmt.Errorf("nemesis corrupt: no files in %s: %v", dirs[id], err)
		}
		p := files[rng.IntN(len(files))]
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			return "", fmt.Errorf("nemesis corrupt: read %s: %v", p, err)
		}
		off := rng.IntN(len(b))
		b[off] ^= 0xff
		return fmt.Sprintf("flipped byte %d of %s", off, p), os.WriteFile(p, b, 0o644)
	}
}

// DeleteRandomFile returns a CorruptFunc deleting a random file matching glob.
func DeleteRandomFile(dirs map[string]string, glob string) CorruptFunc {
	return func(_ context.Context, id string, rng *rand.Rand) (string, error) {
		files, err := regularFiles(dirs[id], glob)
		if err != nil || len(files) == 0 {
			return "", fmt.Errorf("nemesis corrupt: no files in %s: %v", dirs[id], err)
		}
		p := files[rng.IntN(len(files))]
		return "deleted " + p, os.Remove(p)
	}
}
