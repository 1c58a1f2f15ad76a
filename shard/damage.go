package shard

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"

	"github.com/datamon-io/datamon/erasure"
)

// Damaged sstables (see the package doc, "Disk faults").
//
// A data table ('d' keys only: one ingested batch) covers a contiguous
// range of data sequence numbers, and no other live table holds data keys
// of that range (sequence numbers are never reused). The shards whose index
// entries point into that range are exactly the shards the table holds, so
// a damaged data table is handled per shard: healthy shards are rewritten
// into a new table (Relocate), unreadable ones are rebuilt by the
// durability service, and once no index entry points into the range the
// table is quarantined (hard-linked into quarantineDir, then excised from
// Pebble's version so that neither reads nor compactions touch it again).
//
// A data table that cannot be opened at all (missing, truncated, unreadable
// footer or index block) holds no readable shard: Open quarantines it at
// once and its shards read as ErrCorrupt (index points at missing data).

// quarantineDir is where damaged sstables are moved, under the store dir.
const quarantineDir = "quarantine"

// damagedTable is a damaged data table: its file and data sequence range.
type damagedTable struct {
	num    uint64
	path   string
	lo, hi uint64 // data sequence numbers covered, inclusive
	start  []byte // smallest user key
	end    []byte // largest user key
	reason string
}

// dataSeqRange reports whether [smallest, largest] holds only data keys,
// and the sequence range it covers.
func dataSeqRange(smallest, largest []byte) (lo, hi uint64, ok bool) {
	if len(smallest) != dataKeyLen || len(largest) != dataKeyLen || smallest[0] != prefixData || largest[0] != prefixData {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(smallest[1:]), binary.BigEndian.Uint64(largest[1:]), true
}

func (s *Store) tablePath(num uint64) string {
	return s.cfg.FS.PathJoin(s.cfg.Dir, fmt.Sprintf("%06d.sst", num))
}

// checkTables runs after pebble.Open (which skips its own consistency
// check, so that one bad file does not keep the node down): every live
// table must exist with the size the MANIFEST records and have a readable
// footer and index, and every block of a table that is not a data table.
// Data tables that fail are quarantined at once and their sequence range
// remembered as lost; other tables (index entries) that fail are returned,
// to be rebuilt from the data (index_rebuild.go).
func (s *Store) checkTables(ro sstable.ReaderOptions) ([]CorruptFile, error) {
	levels, err := s.db.SSTables()
	if err != nil {
		return nil, err
	}
	var badIndex []CorruptFile
	checked := map[uint64]string{} // backing file → reason (virtual tables share one)
	for _, lvl := range levels {
		for _, t := range lvl {
			num := uint64(t.BackingSSTNum)
			reason, seen := checked[num]
			if !seen {
				size := t.Size
				if t.Virtual {
					size = 0 // a virtual table's Size is its share of the backing file
				}
				_, _, data := dataSeqRange(t.Smallest.UserKey, t.Largest.UserKey)
				reason = s.checkTable(ro, num, size, !data)
				checked[num] = reason
			}
			if reason == "" {
				continue
			}
			cf := CorruptFile{Path: s.tablePath(num), Smallest: bytes.Clone(t.Smallest.UserKey), Largest: bytes.Clone(t.Largest.UserKey), Reason: reason}
			s.ct.report(s, cf)
			lo, hi, ok := dataSeqRange(t.Smallest.UserKey, t.Largest.UserKey)
			if !ok {
				badIndex = append(badIndex, cf)
				continue
			}
			d := damagedTable{num: num, path: s.tablePath(num), lo: lo, hi: hi,
				start: bytes.Clone(t.Smallest.UserKey), end: bytes.Clone(t.Largest.UserKey), reason: reason}
			if err := s.quarantine(d); err != nil {
				return nil, err
			}
			s.ct.addLost(d)
		}
	}
	return badIndex, nil
}

// checkTable returns why table num is unusable, or "" (size 0: unknown).
// With allBlocks it also verifies every block's checksum.
func (s *Store) checkTable(ro sstable.ReaderOptions, num, size uint64, allBlocks bool) string {
	fs, path := s.cfg.FS, s.tablePath(num)
	if s.missing[path] {
		return "missing"
	}
	st, err := fs.Stat(path)
	if err != nil {
		return fmt.Sprintf("stat: %v", err)
	}
	if size != 0 && uint64(st.Size()) != size {
		return fmt.Sprintf("size %d on disk, %d in the MANIFEST (truncated)", st.Size(), size)
	}
	f, err := fs.Open(path)
	if err != nil {
		return fmt.Sprintf("open: %v", err)
	}
	rd, err := objstorageprovider.NewFileReadable(f, fs, objstorageprovider.NewReadaheadConfig(), path)
	if err != nil {
		_ = f.Close()
		return fmt.Sprintf("open: %v", err)
	}
	r, err := sstable.NewReader(context.Background(), rd, ro)
	if err != nil {
		_ = rd.Close()
		return fmt.Sprintf("footer: %v", err)
	}
	defer r.Close()
	if _, err := r.Layout(); err != nil { // reads the index blocks
		return fmt.Sprintf("index: %v", err)
	}
	if allBlocks {
		if err := r.ValidateBlockChecksums(); err != nil {
			return fmt.Sprintf("block: %v", err)
		}
	}
	return ""
}

// quarantine hard-links the table's file (when it still exists) into the
// quarantine directory and excises its key range from the store.
func (s *Store) quarantine(d damagedTable) error {
	fs := s.cfg.FS
	qdir := fs.PathJoin(s.cfg.Dir, quarantineDir)
	if err := fs.MkdirAll(qdir, 0o755); err != nil {
		return fmt.Errorf("quarantine %s: %w", d.path, err)
	}
	if _, err := fs.Stat(d.path); err == nil && !s.missing[d.path] {
		dst := fs.PathJoin(qdir, filepath.Base(d.path))
		_ = fs.Remove(dst)
		if err := fs.Link(d.path, dst); err != nil {
			return fmt.Errorf("quarantine %s: %w", d.path, err)
		}
	}
	end := append(bytes.Clone(d.end), 0) // exclusive bound just past the largest key
	if err := s.db.Excise(context.Background(), pebble.KeyRange{Start: d.start, End: end}); err != nil {
		return fmt.Errorf("quarantine %s: excise: %w", d.path, err)
	}
	s.log.Warn("shard: quarantined damaged sstable", "file", d.path, "seq_from", d.lo, "seq_to", d.hi, "reason", d.reason)
	s.ct.quarantined(d.path)
	return nil
}

// damagedTables lists the live data tables reported damaged (at Open or by
// Pebble's DataCorruption events) that are not quarantined yet.
func (s *Store) damagedTables() ([]damagedTable, error) {
	bad := s.ct.pending()
	if len(bad) == 0 {
		return nil, nil
	}
	levels, err := s.db.SSTables()
	if err != nil {
		return nil, err
	}
	var out []damagedTable
	for _, lvl := range levels {
		for _, t := range lvl {
			num := uint64(t.BackingSSTNum)
			p := s.tablePath(num)
			reason, ok := bad[filepath.Base(p)]
			if !ok {
				continue
			}
			if lo, hi, ok := dataSeqRange(t.Smallest.UserKey, t.Largest.UserKey); ok {
				out = append(out, damagedTable{num: num, path: p, lo: lo, hi: hi,
					start: bytes.Clone(t.Smallest.UserKey), end: bytes.Clone(t.Largest.UserKey), reason: reason})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	return out, nil
}

// DamagedShard is a shard held in a damaged sstable.
type DamagedShard struct {
	Key  Key
	Info SeqInfo
	Lost bool // its table was unreadable as a whole and is quarantined: rebuild
}

// DamagedShards lists the shards whose data lies in a damaged sstable: the
// ones of tables quarantined at Open (Lost) and the ones of tables Pebble
// reported corrupt since Open that are not quarantined yet.
func (s *Store) DamagedShards(ctx context.Context) ([]DamagedShard, error) {
	live, err := s.damagedTables()
	if err != nil {
		return nil, fmt.Errorf("shard: damaged shards: %w", err)
	}
	lost := s.ct.lostRanges()
	if len(live) == 0 && len(lost) == 0 {
		return nil, nil
	}
	in := func(ts []damagedTable, seq uint64) bool {
		i := sort.Search(len(ts), func(i int) bool { return ts[i].hi >= seq })
		return i < len(ts) && ts[i].lo <= seq
	}
	var out []DamagedShard
	err = s.IterateSeq(ctx, func(k Key, si SeqInfo) error {
		switch {
		case in(lost, si.Seq):
			out = append(out, DamagedShard{Key: k, Info: si, Lost: true})
		case in(live, si.Seq):
			out = append(out, DamagedShard{Key: k, Info: si})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("shard: damaged shards: %w", err)
	}
	return out, nil
}

// Relocate rewrites shard k, if it still reads back healthy, under a new
// sequence number (into a new sstable), so that the damaged table holding
// it can be quarantined. A shard that does not read back returns ErrCorrupt
// (rebuild it from the other shards and Put the result).
func (s *Store) Relocate(ctx context.Context, k Key) error {
	b, err := s.Get(ctx, k)
	if err != nil {
		return fmt.Errorf("shard: relocate: %w", err)
	}
	h, _, err := erasure.ParseShard(b)
	if err != nil {
		return fmt.Errorf("shard: relocate %s: %w", k, err)
	}
	r := &request{key: k, data: b, info: Info{Size: len(b), K: h.K, M: h.M, ChunkLen: h.ChunkLen}, force: true}
	if err := s.submit(ctx, r); err != nil {
		return fmt.Errorf("shard: relocate %s: %w", k, err)
	}
	return nil
}

// QuarantineDamaged quarantines every damaged data table no index entry
// points into any more (its shards were relocated or rebuilt). It returns
// how many tables it quarantined.
func (s *Store) QuarantineDamaged(ctx context.Context) (int, error) {
	ts, err := s.damagedTables()
	if err != nil || len(ts) == 0 {
		return 0, err
	}
	used := make([]bool, len(ts))
	err = s.IterateSeq(ctx, func(_ Key, si SeqInfo) error {
		i := sort.Search(len(ts), func(i int) bool { return ts[i].hi >= si.Seq })
		if i < len(ts) && ts[i].lo <= si.Seq {
			used[i] = true
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("shard: quarantine: %w", err)
	}
	n := 0
	for i, d := range ts {
		if used[i] {
			continue
		}
		if err := s.quarantine(d); err != nil {
			return n, fmt.Errorf("shard: %w", err)
		}
		n++
	}
	return n, nil
}
