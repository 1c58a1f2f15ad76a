package sstdamage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/cockroachdb/pebble/v2"
)

// ErrNoTable is returned when a store has no table of the kind asked for.
var ErrNoTable = errors.New("sstdamage: no eligible sstable")

// Shard store keyspace (see package shard): data keys are 'd' + 8-byte
// big-endian sequence number; index keys 'i' + chunk ID + shard index map
// to version(1) seq(8) size(4) k(1) m(1) chunkLen(4).
const (
	prefixData    = 'd'
	prefixIndex   = 'i'
	dataKeyLen    = 9
	indexValueLen = 19
	indexVersion  = 1
)

// Table is one live sstable of a stopped shard store.
type Table struct {
	Path string
	Size int64
	// DataOnly: the table holds shard bytes only (an ingested batch); Lo
	// and Hi are then the data sequence numbers it covers.
	DataOnly bool
	Lo, Hi   uint64
	// Shards are the index keys (hex) whose data lies in this table, with
	// their data sequence numbers (DataOnly tables only).
	Shards map[string]uint64
}

// DataKey is the Pebble key of shard data sequence seq.
func DataKey(seq uint64) []byte {
	b := make([]byte, dataKeyLen)
	b[0] = prefixData
	binary.BigEndian.PutUint64(b[1:], seq)
	return b
}

// Inspect lists the live sstables of the shard store in dir (opened
// read-only: nothing is written, no compaction runs), sorted by path, and
// the shards each data table holds.
func Inspect(dir string) ([]Table, error) {
	db, err := pebble.Open(dir, &pebble.Options{FormatMajorVersion: pebble.FormatNewest, Logger: quiet{}, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sstdamage: open %s read-only: %w", dir, err)
	}
	defer db.Close()
	levels, err := db.SSTables()
	if err != nil {
		return nil, fmt.Errorf("sstdamage: list sstables of %s: %w", dir, err)
	}
	seen := map[string]bool{}
	var out []Table
	for _, lvl := range levels {
		for _, t := range lvl {
			p := filepath.Join(dir, fmt.Sprintf("%06d.sst", uint64(t.BackingSSTNum)))
			if t.Virtual || seen[p] {
				continue
			}
			seen[p] = true
			tb := Table{Path: p, Size: int64(t.Size)}
			s, l := t.Smallest.UserKey, t.Largest.UserKey
			if len(s) == dataKeyLen && len(l) == dataKeyLen && s[0] == prefixData && l[0] == prefixData {
				tb.DataOnly, tb.Lo, tb.Hi = true, binary.BigEndian.Uint64(s[1:]), binary.BigEndian.Uint64(l[1:])
				tb.Shards = map[string]uint64{}
			}
			out = append(out, tb)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if err := assignShards(db, out); err != nil {
		return nil, fmt.Errorf("sstdamage: index of %s: %w", dir, err)
	}
	return out, nil
}

// assignShards puts every index entry into the data table covering its
// sequence number.
func assignShards(db *pebble.DB, tables []Table) error {
	var data []*Table
	for i := range tables {
		if tables[i].DataOnly {
			data = append(data, &tables[i])
		}
	}
	sort.Slice(data, func(i, j int) bool { return data[i].Lo < data[j].Lo })
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixIndex}, UpperBound: []byte{prefixIndex + 1}})
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		v := it.Value()
		if len(v) != indexValueLen || v[0] != indexVersion {
			continue
		}
		seq := binary.BigEndian.Uint64(v[1:9])
		i := sort.Search(len(data), func(i int) bool { return data[i].Hi >= seq })
		if i < len(data) && data[i].Lo <= seq {
			data[i].Shards[fmt.Sprintf("%x", it.Key()[1:])] = seq
		}
	}
	return errors.Join(it.Error(), it.Close())
}

// quiet drops Pebble's informational logging; Fatalf still stops.
type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Fatalf(f string, args ...any) {
	panic(fmt.Sprintf(f, args...))
}
