package e2e

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/datamon-io/datamon/internal/sstdamage"
)

// sstDamage is what damageStore did to a stopped node's shard store and
// which of its shards that leaves unreadable.
type sstDamage struct {
	files      map[string]bool // base names of every damaged sstable
	flipped    map[string]int  // base name → data blocks flipped in it
	whole      []string        // index-block flip, truncated, deleted
	lost       int             // shards of the three whole-file cases
	unreadable int             // shards in flipped data blocks
	healthy    int             // readable shards of the flipped files
	held       int             // shards in all data tables of the store
}

// damaged is every shard of a damaged file.
func (d sstDamage) damaged() int { return d.lost + d.unreadable + d.healthy }

// rebuildable is every shard that must be rebuilt from the other nodes.
func (d sstDamage) rebuildable() int { return d.lost + d.unreadable }

// damageStore flips one byte or more in `blocks` random data blocks (of
// files with several blocks first, never all of a file's, so that flipped
// files keep healthy shards), one
// byte of the index block of another data table, truncates a third to half
// its size and deletes a fourth, all raw bytes below Pebble.
func damageStore(t *testing.T, dir string, blocks int, rng *rand.Rand) sstDamage {
	t.Helper()
	tables, err := sstdamage.Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := sstDamage{files: map[string]bool{}, flipped: map[string]int{}}
	var data []sstdamage.Table
	for _, tb := range tables {
		if tb.DataOnly && len(tb.Shards) > 0 {
			data = append(data, tb)
			d.held += len(tb.Shards)
		}
	}
	rng.Shuffle(len(data), func(i, j int) { data[i], data[j] = data[j], data[i] })
	if len(data) < 4 {
		t.Fatalf("only %d data sstables hold shards; the test needs more", len(data))
	}
	type cand struct {
		tb sstdamage.Table
		b  sstdamage.Block
	}
	// Blocks of files with several, one kept intact per file, first; then
	// single-block files (all of whose shards then need a rebuild).
	var pool, single []cand
	for _, tb := range data[3:] {
		bs, err := sstdamage.DataBlocks(tb.Path)
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) == 1 {
			single = append(single, cand{tb, bs[0]})
			continue
		}
		keep := rng.IntN(len(bs))
		for i, b := range bs {
			if i != keep {
				pool = append(pool, cand{tb, b})
			}
		}
	}
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	rng.Shuffle(len(single), func(i, j int) { single[i], single[j] = single[j], single[i] })
	if pool = append(pool, single...); len(pool) < blocks {
		t.Fatalf("only %d data blocks to flip in %d tables (want %d)", len(pool), len(data)-3, blocks)
	}
	flippedTables := map[string]sstdamage.Table{}
	for _, c := range pool[:blocks] {
		if err := sstdamage.Flip(c.tb.Path, c.b, 1+rng.IntN(3), rng); err != nil {
			t.Fatal(err)
		}
		flippedTables[c.tb.Path] = c.tb
		d.flipped[filepath.Base(c.tb.Path)]++
	}
	for _, tb := range flippedTables {
		seqs := make([]uint64, 0, len(tb.Shards))
		for _, s := range tb.Shards {
			seqs = append(seqs, s)
		}
		un, err := sstdamage.Unreadable(tb.Path, seqs)
		if err != nil {
			t.Fatal(err)
		}
		if n := d.flipped[filepath.Base(tb.Path)]; len(un) < n {
			t.Fatalf("%s: %d of %d shards unreadable after flipping %d blocks", tb.Path, len(un), len(seqs), n)
		}
		d.unreadable += len(un)
		d.healthy += len(seqs) - len(un)
		d.files[filepath.Base(tb.Path)] = true
	}

	idx, err := sstdamage.IndexBlock(data[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sstdamage.Flip(data[0].Path, idx, 1, rng); err != nil {
		t.Fatal(err)
	}
	if _, err := sstdamage.Truncate(data[1].Path); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(data[2].Path); err != nil {
		t.Fatal(err)
	}
	for _, tb := range data[:3] {
		d.whole = append(d.whole, filepath.Base(tb.Path))
		d.files[filepath.Base(tb.Path)] = true
		d.lost += len(tb.Shards)
	}
	if d.healthy == 0 {
		t.Fatalf("no flipped file keeps a healthy shard (%v)", d.flipped)
	}
	return d
}

// sstNameRE finds an sstable's base name in a log line.
var sstNameRE = regexp.MustCompile(`\b\d{6}\.sst\b`)

// reportedFiles lists the sstables a node log reports damaged (at open or
// by a corrupt-block read), sorted.
func reportedFiles(t *testing.T, logPath string) []string {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, l := range regexp.MustCompile(`(?m)^.*(damaged sstable at open|shard: corrupt sstable).*$`).FindAll(b, -1) {
		for _, n := range sstNameRE.FindAll(l, -1) {
			set[string(n)] = true
		}
	}
	return sortedKeys(set)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
