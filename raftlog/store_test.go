package raftlog

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

func openMem(t testing.TB, fs vfs.FS) *Store {
	t.Helper()
	s, err := Open(Config{Dir: "raft", FS: fs})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mkLog(i, term uint64) *raft.Log {
	return &raft.Log{Index: i, Term: term, Type: raft.LogCommand, Data: []byte(fmt.Sprintf("cmd-%d", i)),
		AppendedAt: time.Unix(1700000000+int64(i), 0)}
}

func mkLogs(lo, hi, term uint64) []*raft.Log {
	var out []*raft.Log
	for i := lo; i <= hi; i++ {
		out = append(out, mkLog(i, term))
	}
	return out
}

func wantBounds(t *testing.T, s *Store, first, last uint64) {
	t.Helper()
	f, err := s.FirstIndex()
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.LastIndex()
	if err != nil {
		t.Fatal(err)
	}
	if f != first || l != last {
		t.Fatalf("bounds = (%d, %d), want (%d, %d)", f, l, first, last)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("empty Dir: %v", err)
	}
	if _, err := Open(Config{}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Open empty Dir: %v", err)
	}
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestEmptyStore(t *testing.T) {
	s := openMem(t, vfs.NewMem())
	wantBounds(t, s, 0, 0)
	var l raft.Log
	if err := s.GetLog(1, &l); err != raft.ErrLogNotFound {
		t.Fatalf("GetLog missing = %v, want raft.ErrLogNotFound", err)
	}
	if _, err := s.Get([]byte("k")); err == nil || err.Error() != "not found" {
		t.Fatalf("Get missing = %v, want error %q", err, "not found")
	}
	if _, err := s.GetUint64([]byte("CurrentTerm")); err == nil || err.Error() != "not found" {
		t.Fatalf("GetUint64 missing = %v, want error %q", err, "not found")
	}
}

func TestLogOperations(t *testing.T) {
	type step struct {
		store       [2]uint64 // store lo..hi (term 1) when hi != 0
		del         [2]uint64 // DeleteRange(del[0], del[1]) when store is zero
		first, last uint64
		present     []uint64
		absent      []uint64
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"append", []step{
			{store: [2]uint64{1, 10}, first: 1, last: 10, present: []uint64{1, 5, 10}, absent: []uint64{0, 11}},
			{store: [2]uint64{11, 11}, first: 1, last: 11, present: []uint64{11}},
		}},
		{"compact prefix", []step{
			{store: [2]uint64{1, 10}, first: 1, last: 10},
			{del: [2]uint64{1, 4}, first: 5, last: 10, present: []uint64{5}, absent: []uint64{1, 4}},
		}},
		{"truncate suffix", []step{
			{store: [2]uint64{1, 10}, first: 1, last: 10},
			{del: [2]uint64{7, 10}, first: 1, last: 6, present: []uint64{6}, absent: []uint64{7, 10}},
			{store: [2]uint64{7, 8}, first: 1, last: 8, present: []uint64{7, 8}},
		}},
		{"delete all", []step{
			{store: [2]uint64{3, 9}, first: 3, last: 9},
			{del: [2]uint64{3, 9}, first: 0, last: 0, absent: []uint64{3, 9}},
			{store: [2]uint64{100, 102}, first: 100, last: 102, present: []uint64{100}},
		}},
		{"delete wider than log", []step{
			{store: [2]uint64{3, 9}, first: 3, last: 9},
			{del: [2]uint64{1, ^uint64(0)}, first: 0, last: 0, absent: []uint64{3}},
		}},
		{"delete middle", []step{
			{store: [2]uint64{1, 9}, first: 1, last: 9},
			{del: [2]uint64{3, 5}, first: 1, last: 9, present: []uint64{2, 6}, absent: []uint64{3, 5}},
		}},
		{"delete disjoint and inverted", []step{
			{store: [2]uint64{5, 9}, first: 5, last: 9},
			{del: [2]uint64{1, 4}, first: 5, last: 9},
			{del: [2]uint64{10, 20}, first: 5, last: 9},
			{del: [2]uint64{8, 6}, first: 5, last: 9, present: []uint64{6, 7, 8}},
		}},
		{"prefix delete across gap", []step{
			{store: [2]uint64{1, 5}, first: 1, last: 5},
			{store: [2]uint64{20, 25}, first: 1, last: 25},
			{del: [2]uint64{1, 5}, first: 20, last: 25, present: []uint64{20}},
		}},
		{"suffix delete across gap", []step{
			{store: [2]uint64{1, 5}, first: 1, last: 5},
			{store: [2]uint64{20, 25}, first: 1, last: 25},
			{del: [2]uint64{18, 30}, first: 1, last: 5, present: []uint64{5}, absent: []uint64{20}},
		}},
		{"store below first", []step{
			{store: [2]uint64{10, 12}, first: 10, last: 12},
			{store: [2]uint64{4, 5}, first: 4, last: 12, present: []uint64{4, 12}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openMem(t, vfs.NewMem())
			for i, st := range tc.steps {
				var err error
				if st.store[1] != 0 {
					err = s.StoreLogs(mkLogs(st.store[0], st.store[1], 1))
				} else {
					err = s.DeleteRange(st.del[0], st.del[1])
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				wantBounds(t, s, st.first, st.last)
				for _, idx := range st.present {
					var l raft.Log
					if err := s.GetLog(idx, &l); err != nil || !logsEqual(&l, mkLog(idx, 1)) {
						t.Fatalf("step %d: GetLog(%d) = %+v, %v", i, idx, l, err)
					}
				}
				for _, idx := range st.absent {
					var l raft.Log
					if err := s.GetLog(idx, &l); err != raft.ErrLogNotFound {
						t.Fatalf("step %d: GetLog(%d) = %v, want ErrLogNotFound", i, idx, err)
					}
				}
			}
		})
	}
}

func TestStoreLogOverwriteAndInvalid(t *testing.T) {
	s := openMem(t, vfs.NewMem())
	if err := s.StoreLog(mkLog(1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.StoreLog(mkLog(1, 2)); err != nil {
		t.Fatal(err)
	}
	var l raft.Log
	if err := s.GetLog(1, &l); err != nil || l.Term != 2 {
		t.Fatalf("overwrite: %+v, %v", l, err)
	}
	if err := s.StoreLogs([]*raft.Log{mkLog(2, 2), nil}); !errors.Is(err, ErrInvalidLog) {
		t.Fatalf("nil entry: %v", err)
	}
	if err := s.StoreLog(&raft.Log{Index: 0}); !errors.Is(err, ErrInvalidLog) {
		t.Fatalf("index 0: %v", err)
	}
	if err := s.GetLog(2, &l); err != raft.ErrLogNotFound {
		t.Fatalf("rejected batch was partially written: %v", err)
	}
	if err := s.StoreLogs(nil); err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, 1, 1)
}

func TestGetLogCorrupt(t *testing.T) {
	s := openMem(t, vfs.NewMem())
	if err := s.db.Set(logKey(5), []byte("garbage that is long enough"), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Set(logKey(6), encodeLog(nil, mkLog(7, 1)), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	var l raft.Log
	for _, idx := range []uint64{5, 6} {
		if err := s.GetLog(idx, &l); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("GetLog(%d) = %v, want ErrCorrupt", idx, err)
		}
	}
}

func TestStable(t *testing.T) {
	s := openMem(t, vfs.NewMem())
	val := []byte("value")
	if err := s.Set([]byte("k"), val); err != nil {
		t.Fatal(err)
	}
	val[0] = 'X' // the store must have copied it
	got, err := s.Get([]byte("k"))
	if err != nil || string(got) != "value" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := s.Set([]byte("empty"), nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get([]byte("empty")); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Get empty = %v, %v", got, err)
	}
	if err := s.SetUint64([]byte("CurrentTerm"), 1<<40+7); err != nil {
		t.Fatal(err)
	}
	if v, err := s.GetUint64([]byte("CurrentTerm")); err != nil || v != 1<<40+7 {
		t.Fatalf("GetUint64 = %d, %v", v, err)
	}
	// SetUint64 shares Set's key space (as raft-boltdb does).
	if raw, err := s.Get([]byte("CurrentTerm")); err != nil || !bytes.Equal(raw, []byte{0, 0, 1, 0, 0, 0, 0, 7}) {
		t.Fatalf("raw uint64 = %x, %v", raw, err)
	}
	if _, err := s.GetUint64([]byte("k")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("GetUint64 of 5-byte value = %v, want ErrCorrupt", err)
	}
	// Stable keys never show up as log entries.
	wantBounds(t, s, 0, 0)
}

func TestHasExistingState(t *testing.T) {
	s := openMem(t, vfs.NewMem())
	snaps := raft.NewInmemSnapshotStore()
	if ok, err := raft.HasExistingState(s, s, snaps); err != nil || ok {
		t.Fatalf("fresh store: %v, %v", ok, err)
	}
	if err := s.SetUint64([]byte("CurrentTerm"), 2); err != nil {
		t.Fatal(err)
	}
	if ok, err := raft.HasExistingState(s, s, snaps); err != nil || !ok {
		t.Fatalf("after term: %v, %v", ok, err)
	}
}
