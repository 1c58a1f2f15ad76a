package raftlog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

// writeWAL stores n entries (one synced batch each, like raft) in a new
// store in dir, closes it and returns the entries and the WAL path.
func writeWAL(t *testing.T, dir string, n uint64) ([]*raft.Log, string) {
	t.Helper()
	s, err := Open(Config{Dir: dir, FS: vfs.Default})
	if err != nil {
		t.Fatal(err)
	}
	logs := mkLogs(1, n, 1)
	for _, l := range logs {
		l.Data = bytes.Repeat([]byte{byte(l.Index)}, 100)
		if err := s.StoreLogs([]*raft.Log{l}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wals, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(wals) == 0 {
		t.Fatal("no WAL")
	}
	return logs, wals[len(wals)-1]
}

// A flipped byte in a WAL smaller than one 32 KiB block: Pebble's sync
// offsets only look at later blocks, so before checkWAL the entries after
// the flip were dropped as a torn tail, without any report.
func TestSmallWALFlipIsDamage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	logs, wal := writeWAL(t, dir, 20)
	b, err := os.ReadFile(wal)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) >= walBlockSize {
		t.Fatalf("WAL of %d bytes: the test needs one block", len(b))
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(wal, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Config{Dir: dir, FS: vfs.Default})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := s.Damage()
	if d == nil {
		n, _ := s.LastIndex()
		t.Fatalf("no damage reported; %d of %d entries kept", n, len(logs))
	}
	checkPrefix(t, s, logs, d)
}

// A torn write (the WAL cut inside its last record, as a crash during the
// write leaves it) is not damage: the unsynced record is gone, the rest
// stays, the node may vote.
func TestTornWALTailIsNotDamage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	logs, wal := writeWAL(t, dir, 20)
	b, err := os.ReadFile(wal)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wal, b[:len(b)-60], 0o644); err != nil { // trailer and part of entry 20
		t.Fatal(err)
	}
	s, err := Open(Config{Dir: dir, FS: vfs.Default})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d := s.Damage(); d != nil {
		t.Fatalf("torn tail reported as damage: %+v", d)
	}
	if last, _ := s.LastIndex(); last != uint64(len(logs))-1 {
		t.Fatalf("LastIndex = %d, want %d (only the torn record lost)", last, len(logs)-1)
	}
}

// FuzzWALDamage: walDamage never panics on arbitrary WAL bytes.
func FuzzWALDamage(f *testing.F) {
	f.Add([]byte{}, uint64(1))
	f.Add(bytes.Repeat([]byte{0}, 64), uint64(2))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 5, 3, 0, 0, 0}, uint64(2))
	f.Add(append([]byte{1, 2, 3, 4, 10, 0, 9, 7, 0, 0, 0}, bytes.Repeat([]byte{9}, 40)...), uint64(7))
	f.Fuzz(func(t *testing.T, b []byte, num uint64) {
		_ = walDamage(b, num, "fuzz.log")
		_, _ = validChunkAfter(b, 0, num)
	})
}
