package datamon

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Raw-byte sstable damage, as a disk with bit rot or a torn sector does it:
// bytes of the files themselves change, below Pebble (no checksum is
// recomputed). The node must be stopped while its files are damaged.

// SSTDamage says what DamageSSTables does to a stopped node's shard store.
type SSTDamage struct {
	// Files is how many sstables get flipped bytes (one data block each).
	Files int
	// Flips is how many single bytes are flipped inside that data block.
	Flips int
	// Destructive also truncates one more sstable to half its size and
	// deletes another (a whole missing or torn file). Off by default: the
	// shard store on main survives flipped data blocks; missing and
	// truncated files are the shard store's item 1 of issue 14.
	Destructive bool
}

// sstFile is one live sstable of the store and whether it holds only
// shard data keys ('d'…): the ingested files. Files with index keys ('i')
// are flushed memtables; a flipped data block there makes many shards'
// index entries unreadable, which is the index-block case of issue 14
// (also left to Destructive).
type sstFile struct {
	path     string
	dataOnly bool
}

// liveSSTables lists the store's live sstables (read-only open: nothing is
// written, no compaction runs).
func liveSSTables(dir string) ([]sstFile, *pebble.Options, error) {
	opts := &pebble.Options{FormatMajorVersion: pebble.FormatNewest, Logger: quietPebble{}, ReadOnly: true}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s read-only: %w", dir, err)
	}
	defer db.Close()
	levels, err := db.SSTables()
	if err != nil {
		return nil, nil, fmt.Errorf("list sstables of %s: %w", dir, err)
	}
	var out []sstFile
	for _, lvl := range levels {
		for _, t := range lvl {
			if t.Virtual {
				continue
			}
			s, l := t.Smallest.UserKey, t.Largest.UserKey
			out = append(out, sstFile{
				path:     filepath.Join(dir, fmt.Sprintf("%06d.sst", uint64(t.BackingSSTNum))),
				dataOnly: len(s) > 0 && len(l) > 0 && s[0] == 'd' && l[0] == 'd',
			})
		}
	}
	opts.EnsureDefaults()
	return out, opts, nil
}

// DamageSSTables applies d to the shard store in dir (its node stopped)
// and describes what it did. It returns errNoEligibleShards when the store
// has no data-only sstable.
func DamageSSTables(dir string, d SSTDamage, rng *rand.Rand) ([]string, error) {
	files, opts, err := liveSSTables(dir)
	if err != nil {
		return nil, err
	}
	var data, other []sstFile
	for _, f := range files {
		if f.dataOnly {
			data = append(data, f)
		} else {
			other = append(other, f)
		}
	}
	if len(data) == 0 {
		return nil, errNoEligibleShards
	}
	rng.Shuffle(len(data), func(i, j int) { data[i], data[j] = data[j], data[i] })
	var did []string
	n := min(d.Files, len(data))
	for _, f := range data[:n] {
		desc, err := flipDataBlock(f.path, opts, d.Flips, rng)
		if err != nil {
			return did, err
		}
		did = append(did, desc)
	}
	if d.Destructive {
		rest := append(slices.Clone(data[n:]), other...)
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		if len(rest) > 0 {
			st, err := os.Stat(rest[0].path)
			if err != nil {
				return did, err
			}
			if err := os.Truncate(rest[0].path, st.Size()/2); err != nil {
				return did, err
			}
			did = append(did, fmt.Sprintf("truncate %s to %d", filepath.Base(rest[0].path), st.Size()/2))
		}
		if len(rest) > 1 {
			if err := os.Remove(rest[1].path); err != nil {
				return did, err
			}
			did = append(did, "delete "+filepath.Base(rest[1].path))
		}
	}
	return did, nil
}

// flipDataBlock flips `flips` bytes inside one data block of the sstable
// at path (the block's body, not its trailer: the checksum then mismatches).
func flipDataBlock(path string, opts *pebble.Options, flips int, rng *rand.Rand) (string, error) {
	f, err := vfs.Default.Open(path)
	if err != nil {
		return "", err
	}
	readable, err := sstable.NewSimpleReadable(f)
	if err != nil {
		_ = f.Close()
		return "", err
	}
	r, err := sstable.NewReader(context.Background(), readable, opts.MakeReaderOptions())
	if err != nil {
		_ = readable.Close()
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	layout, err := r.Layout()
	if cerr := r.Close(); err == nil { // closes readable, hence f
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("layout of %s: %w", path, err)
	}
	if len(layout.Data) == 0 {
		return "", fmt.Errorf("%s: no data block", path)
	}
	h := layout.Data[rng.IntN(len(layout.Data))].Handle
	if h.Length == 0 {
		return "", fmt.Errorf("%s: empty data block", path)
	}
	w, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer w.Close()
	for range max(1, flips) {
		off := int64(h.Offset) + rng.Int64N(int64(h.Length))
		b := []byte{0}
		if _, err := w.ReadAt(b, off); err != nil {
			return "", err
		}
		b[0] ^= byte(1 + rng.IntN(255)) // never 0: the byte changes
		if _, err := w.WriteAt(b, off); err != nil {
			return "", err
		}
	}
	if err := w.Sync(); err != nil {
		return "", err
	}
	return fmt.Sprintf("flip %d bytes in %s block @%d+%d", max(1, flips), filepath.Base(path), h.Offset, h.Length), nil
}
