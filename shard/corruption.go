package shard

import (
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// CorruptFile is one sstable Pebble reported as corrupt, with the key range
// it covers (the shards in that range are suspect).
type CorruptFile struct {
	Path        string
	Smallest    []byte
	Largest     []byte
	Reason      string
	Quarantined bool // moved to quarantine/ and excised from the store
}

// corruptionTracker records Pebble's DataCorruption and BackgroundError
// events. Without a DataCorruption listener Pebble calls Logger.Fatalf on
// the first corrupt block it reads, which crash-looped the node; with it the
// read returns an error the store maps to ErrCorrupt.
type corruptionTracker struct {
	mu       sync.Mutex
	files    map[string]CorruptFile // by path
	lost     []damagedTable         // data tables quarantined at Open, by lo
	bgErrors atomic.Uint64
}

// report records a damaged table found by checkTables.
func (t *corruptionTracker) report(s *Store, f CorruptFile) {
	t.mu.Lock()
	t.files[f.Path] = f
	t.mu.Unlock()
	s.log.Error("shard: damaged sstable at open", "file", f.Path,
		"start", fmt.Sprintf("%x", f.Smallest), "end", fmt.Sprintf("%x", f.Largest), "reason", f.Reason)
}

func (t *corruptionTracker) addLost(d damagedTable) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lost = append(t.lost, d)
	sort.Slice(t.lost, func(i, j int) bool { return t.lost[i].lo < t.lost[j].lo })
}

func (t *corruptionTracker) lostRanges() []damagedTable {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]damagedTable(nil), t.lost...)
}

func (t *corruptionTracker) quarantined(path string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.files[path]
	f.Path, f.Quarantined = path, true
	t.files[path] = f
}

// pending maps the base names of reported, not yet quarantined files to
// their reason.
func (t *corruptionTracker) pending() map[string]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]string{}
	for p, f := range t.files {
		if !f.Quarantined {
			out[filepath.Base(p)] = f.Reason
		}
	}
	return out
}

func (s *Store) eventListener() *pebble.EventListener {
	return &pebble.EventListener{
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			// Called synchronously in read paths: record and log, never block.
			s.ct.mu.Lock()
			_, seen := s.ct.files[info.Path]
			if !seen {
				s.ct.files[info.Path] = CorruptFile{
					Path:     info.Path,
					Smallest: append([]byte(nil), info.Bounds.Start...),
					Largest:  append([]byte(nil), info.Bounds.End.Key...),
					Reason:   fmt.Sprint(info.Details),
				}
			}
			s.ct.mu.Unlock()
			if !seen {
				s.log.Error("shard: corrupt sstable", "file", info.Path,
					"start", fmt.Sprintf("%x", info.Bounds.Start), "end", fmt.Sprintf("%x", info.Bounds.End.Key),
					"reason", fmt.Sprint(info.Details))
			}
		},
		BackgroundError: func(err error) {
			s.ct.bgErrors.Add(1)
			s.log.Error("shard: pebble background error", "err", err)
		},
	}
}

// CorruptFiles lists the sstables Pebble has reported corrupt since Open,
// sorted by path.
func (s *Store) CorruptFiles() []CorruptFile {
	s.ct.mu.Lock()
	defer s.ct.mu.Unlock()
	out := make([]CorruptFile, 0, len(s.ct.files))
	for _, f := range s.ct.files {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// count is the number of corrupt sstables recorded (for Stats, without
// copying and sorting the list).
func (t *corruptionTracker) count() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return uint64(len(t.files))
}
