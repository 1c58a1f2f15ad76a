package shard

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/cockroachdb/pebble/v2"
)

// missingTableRE matches Pebble's consistency-check error for a table the
// MANIFEST references but the directory lacks (pebble v2.1.7 wording; the
// damage tests fail if it changes).
var missingTableRE = regexp.MustCompile(`(\d+) \(type sstable\) unknown to the objstorage provider`)

// openPebble opens Pebble without letting one damaged table keep the node
// down. Pebble's own consistency check refuses to open when a table is
// missing or has the wrong size. A first Open with the check on names the
// missing tables; each gets an empty placeholder file (so that Pebble's
// object provider knows it and checkTables can quarantine it), and Pebble is
// opened with the check off: checkTables then does it per table.
func (s *Store) openPebble(opts *pebble.Options) (*pebble.DB, error) {
	db, err := pebble.Open(s.cfg.Dir, opts)
	if err == nil {
		return db, nil
	}
	fs := s.cfg.FS
	for _, m := range missingTableRE.FindAllStringSubmatch(err.Error(), -1) {
		num, perr := strconv.ParseUint(m[1], 10, 64)
		if perr != nil {
			continue
		}
		p := s.tablePath(num)
		if _, serr := fs.Stat(p); serr == nil {
			continue
		}
		f, cerr := fs.Create(p, "")
		if cerr != nil {
			return nil, fmt.Errorf("placeholder for missing %s: %w", p, cerr)
		}
		if cerr := f.Close(); cerr != nil {
			return nil, fmt.Errorf("placeholder for missing %s: %w", p, cerr)
		}
		s.missing[p] = true
		s.log.Error("shard: sstable missing; opening without it", "file", p, "err", err)
	}
	o := *opts
	o.DisableConsistencyCheck = true // checkTables checks every table after Open
	db, err2 := pebble.Open(s.cfg.Dir, &o)
	if err2 != nil {
		return nil, fmt.Errorf("%w (first attempt: %v)", err2, err)
	}
	if len(s.missing) == 0 {
		s.log.Error("shard: pebble consistency check failed; checking tables one by one", "err", err)
	}
	return db, nil
}
