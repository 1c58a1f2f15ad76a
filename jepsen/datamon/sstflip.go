package datamon

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/datamon-io/datamon/internal/sstdamage"
)

// Raw-byte sstable damage, as a disk with bit rot or a torn sector does it:
// bytes of the files themselves change, below Pebble (no checksum is
// recomputed). The node must be stopped while its files are damaged. The
// file handling is package internal/sstdamage (shared with e2e and bench).

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

// DamageSSTables applies d to the shard store in dir (its node stopped)
// and describes what it did. It returns errNoEligibleShards when the store
// has no data-only sstable. Files with index keys ('i') are flushed
// memtables; a flipped data block there makes many shards' index entries
// unreadable, which is the index-block case of issue 14 (left to
// Destructive).
func DamageSSTables(dir string, d SSTDamage, rng *rand.Rand) ([]string, error) {
	files, err := sstdamage.Inspect(dir)
	if err != nil {
		return nil, err
	}
	var data, other []sstdamage.Table
	for _, f := range files {
		if f.DataOnly {
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
		blocks, err := sstdamage.DataBlocks(f.Path)
		if err != nil {
			return did, err
		}
		if len(blocks) == 0 {
			return did, fmt.Errorf("%s: no data block", f.Path)
		}
		b := blocks[rng.IntN(len(blocks))]
		if err := sstdamage.Flip(f.Path, b, d.Flips, rng); err != nil {
			return did, err
		}
		did = append(did, fmt.Sprintf("flip %d bytes in %s block @%d+%d", max(1, d.Flips), filepath.Base(f.Path), b.Offset, b.Length))
	}
	if d.Destructive {
		rest := append(slices.Clone(data[n:]), other...)
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		if len(rest) > 0 {
			size, err := sstdamage.Truncate(rest[0].Path)
			if err != nil {
				return did, err
			}
			did = append(did, fmt.Sprintf("truncate %s to %d", filepath.Base(rest[0].Path), size))
		}
		if len(rest) > 1 {
			if err := os.Remove(rest[1].Path); err != nil {
				return did, err
			}
			did = append(did, "delete "+filepath.Base(rest[1].Path))
		}
	}
	return did, nil
}
