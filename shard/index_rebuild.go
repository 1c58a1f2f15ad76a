package shard

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"strings"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/datamon-io/datamon/erasure"
)

// Damaged index tables (see the package doc, "Disk faults").
//
// An sstable that holds index entries ('i' keys, and the 'm' high-water
// mark) is small but names every shard of its key range: losing it hides
// healthy shard data, and a table Pebble cannot read also stops every
// compaction through it. Open therefore checks every block of such tables
// (data tables only get their footer and index checked: they are most of
// the bytes) and rebuilds a damaged one from the data it describes. Every
// shard's bytes start with a header naming its chunk and index
// (erasure.ParseShard), so a scan of the data keys recovers each lost index
// entry exactly: sequence number, size, K, M and chunk length.
//
// Order, crash-safe: the key ranges to rebuild are written to a marker file
// (indexRebuildFile, fsynced) before the damaged ranges are excised, and the
// marker is removed only after the rebuilt entries are committed (synced).
// An Open that finds the marker redoes the scan for its ranges. A data
// table that cannot be read during the scan is reported damaged; the
// shards it held get no index entry and read as missing, so the durability
// service rebuilds them from the other nodes.
//
// A damaged table whose key range also covers data keys (an index commit's
// 'd' tombstones, or a compaction output at the 'd'/'i' boundary) has only
// its non-data part excised and rebuilt; its data part stays, reported.

// indexRebuildFile is the marker of an index rebuild in progress, in the
// store dir: one hex "start end" line per key range (end exclusive).
const indexRebuildFile = "INDEX-REBUILD"

// keyRange is [start, end) of user keys.
type keyRange struct{ start, end []byte }

func (r keyRange) contains(k []byte) bool {
	return bytes.Compare(k, r.start) >= 0 && bytes.Compare(k, r.end) < 0
}

// indexPart returns the non-data part of a table's [smallest, largest], or
// false when the table holds data keys only.
func indexPart(smallest, largest []byte) (keyRange, bool) {
	if len(largest) == 0 || largest[0] <= prefixData {
		return keyRange{}, false
	}
	start := bytes.Clone(smallest)
	if start[0] <= prefixData {
		start = []byte{prefixData + 1}
	}
	return keyRange{start: start, end: append(bytes.Clone(largest), 0)}, true
}

// rebuildIndex repairs the damaged index ranges found by checkTables (and
// the ranges of an interrupted earlier rebuild): it records them, excises
// them, and writes back every index entry the data keys imply in them.
func (s *Store) rebuildIndex(bad []CorruptFile) error {
	prev, err := s.readRebuildMarker()
	if err != nil {
		return err
	}
	ranges := append([]keyRange(nil), prev...)
	for _, f := range bad {
		if r, ok := indexPart(f.Smallest, f.Largest); ok {
			ranges = append(ranges, r)
		}
	}
	if len(ranges) == 0 {
		return nil
	}
	if err := s.writeRebuildMarker(ranges); err != nil {
		return err
	}
	for _, f := range bad {
		r, ok := indexPart(f.Smallest, f.Largest)
		if !ok {
			continue
		}
		if err := s.quarantineRange(f.Path, r); err != nil {
			return err
		}
	}
	n, skipped, err := s.reindex(ranges)
	if err != nil {
		return err
	}
	s.log.Warn("shard: rebuilt damaged index from shard data", "ranges", len(ranges), "entries", n, "unreadable_shards", skipped)
	fs := s.cfg.FS
	if err := fs.Remove(fs.PathJoin(s.cfg.Dir, indexRebuildFile)); err != nil {
		return fmt.Errorf("index rebuild: remove marker: %w", err)
	}
	return syncDir(fs, s.cfg.Dir)
}

// quarantineRange hard-links a damaged table into the quarantine directory
// and excises r (its non-data part) from the store.
func (s *Store) quarantineRange(path string, r keyRange) error {
	d := damagedTable{path: path, start: r.start, end: r.end[:len(r.end)-1], reason: "index rebuilt from data"}
	if err := s.quarantine(d); err != nil {
		return fmt.Errorf("index rebuild: %w", err)
	}
	return nil
}

// reindex scans every data key and commits the index entries whose keys
// fall in ranges (the newest data of a shard wins), and the high-water mark
// when it was lost. It returns the entries written and the values that were
// not valid shards.
func (s *Store) reindex(ranges []keyRange) (written, skipped int, err error) {
	in := func(k []byte) bool {
		for _, r := range ranges {
			if r.contains(k) {
				return true
			}
		}
		return false
	}
	found := map[Key]indexEntry{}
	var maxSeq uint64
	var anyData bool
	for _, r := range s.dataRanges() {
		n, err := s.scanData(r, func(seq uint64, v []byte) {
			anyData = true
			maxSeq = max(maxSeq, seq)
			h, _, err := erasure.ParseShard(v)
			if err != nil {
				skipped++
				return
			}
			k := Key{Chunk: h.ChunkID, Index: h.Index}
			if !in(indexKey(k)) {
				return
			}
			if e, ok := found[k]; ok && e.seq > seq {
				return
			}
			found[k] = indexEntry{seq: seq, info: Info{Size: len(v), K: h.K, M: h.M, ChunkLen: h.ChunkLen}}
		})
		if err != nil {
			return 0, 0, err
		}
		skipped += n
	}
	b := s.db.NewBatch()
	defer b.Close()
	for k, e := range found {
		if err := b.Set(indexKey(k), encodeIndexValue(e), nil); err != nil {
			return 0, 0, err
		}
	}
	if _, closer, err := s.db.Get(metaNextSeq); err == nil {
		_ = closer.Close()
	} else if errors.Is(err, pebble.ErrNotFound) && anyData {
		var seqb [8]byte
		binary.BigEndian.PutUint64(seqb[:], maxSeq+1)
		if err := b.Set(metaNextSeq, seqb[:], nil); err != nil {
			return 0, 0, err
		}
	} else if !errors.Is(err, pebble.ErrNotFound) {
		return 0, 0, fmt.Errorf("index rebuild: high-water mark: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, 0, fmt.Errorf("index rebuild: commit: %w", err)
	}
	return len(found), skipped, nil
}

// dataRanges lists the data-key range of every live table (clipped to the
// data prefix), so that one unreadable table costs only its own range.
func (s *Store) dataRanges() []keyRange {
	levels, err := s.db.SSTables()
	if err != nil {
		return []keyRange{{start: []byte{prefixData}, end: []byte{prefixData + 1}}}
	}
	var out []keyRange
	for _, l := range levels {
		for _, t := range l {
			lo, hi := t.Smallest.UserKey, t.Largest.UserKey
			if len(lo) == 0 || lo[0] > prefixData || hi[0] < prefixData {
				continue
			}
			r := keyRange{start: bytes.Clone(lo), end: append(bytes.Clone(hi), 0)}
			if lo[0] < prefixData {
				r.start = []byte{prefixData}
			}
			if hi[0] > prefixData {
				r.end = []byte{prefixData + 1}
			}
			out = append(out, r)
		}
	}
	return out
}

// scanData calls fn for every data key in r. A range Pebble cannot read is
// reported and skipped: it returns how many keys it gave up on (one per
// failed range; the exact count is unknown).
func (s *Store) scanData(r keyRange, fn func(seq uint64, v []byte)) (int, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: r.start, UpperBound: r.end})
	if err != nil {
		return 0, err
	}
	for ok := it.First(); ok; ok = it.Next() {
		seq, err := parseDataKey(it.Key())
		if err != nil {
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			break
		}
		fn(seq, v)
	}
	if err := it.Close(); err != nil {
		if !pebble.IsCorruptionError(err) && !errors.Is(err, ErrCorrupt) {
			return 0, fmt.Errorf("index rebuild: scan: %w", err)
		}
		s.log.Error("shard: index rebuild: unreadable data range; its shards will be rebuilt by repair",
			"start", fmt.Sprintf("%x", r.start), "end", fmt.Sprintf("%x", r.end), "err", err)
		return 1, nil
	}
	return 0, nil
}

func (s *Store) readRebuildMarker() ([]keyRange, error) {
	fs := s.cfg.FS
	f, err := fs.Open(fs.PathJoin(s.cfg.Dir, indexRebuildFile))
	if err != nil {
		if errors.Is(err, iofs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("index rebuild: marker: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("index rebuild: marker: %w", err)
	}
	return parseRebuildMarker(b)
}

// parseRebuildMarker decodes the marker: "start end" hex pairs, one a line.
func parseRebuildMarker(b []byte) ([]keyRange, error) {
	var out []keyRange
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("index rebuild: marker line %q: %w", line, ErrBadKey)
		}
		lo, err1 := hex.DecodeString(f[0])
		hi, err2 := hex.DecodeString(f[1])
		if err1 != nil || err2 != nil || len(lo) == 0 || bytes.Compare(lo, hi) >= 0 {
			return nil, fmt.Errorf("index rebuild: marker line %q: %w", line, ErrBadKey)
		}
		out = append(out, keyRange{start: lo, end: hi})
	}
	return out, nil
}

func (s *Store) writeRebuildMarker(ranges []keyRange) error {
	var sb strings.Builder
	for _, r := range ranges {
		fmt.Fprintf(&sb, "%x %x\n", r.start, r.end)
	}
	fs := s.cfg.FS
	tmp := fs.PathJoin(s.cfg.Dir, indexRebuildFile+".tmp")
	f, err := fs.Create(tmp, "")
	if err != nil {
		return fmt.Errorf("index rebuild: marker: %w", err)
	}
	if _, err := f.Write([]byte(sb.String())); err != nil {
		_ = f.Close()
		return fmt.Errorf("index rebuild: marker: %w", err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("index rebuild: marker: %w", err)
	}
	if err := fs.Rename(tmp, fs.PathJoin(s.cfg.Dir, indexRebuildFile)); err != nil {
		return fmt.Errorf("index rebuild: marker: %w", err)
	}
	return syncDir(fs, s.cfg.Dir)
}

// syncDir fsyncs a directory so that a rename or removal in it is durable.
func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
