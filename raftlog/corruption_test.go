package raftlog

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

// flipSSTBytes flips n bytes spread over the middle of every sstable in dir,
// on disk (not through Pebble), and returns how many files it damaged.
func flipSSTBytes(t *testing.T, dir string, n int) int {
	t.Helper()
	ssts, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ssts {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Skip the first and last 10 %: the footer and index stay readable,
		// the data blocks in between are damaged.
		lo, hi := len(b)/10, len(b)-len(b)/10
		for i := 0; i < n; i++ {
			b[lo+(hi-lo)*i/n] ^= 0x5a
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return len(ssts)
}

// TestRawByteFlipNoPanic writes a flushed log, flips bytes in its sstables
// on a real directory and reopens: nothing panics (before the event
// listener, Pebble's Fatalf panicked on the first bad block), Open rebuilds
// the store from the trusted prefix, moves the damaged database aside and
// reports Damage (persisted across a reopen until ClearDamage); every entry
// still served is the one written, never wrong bytes.
func TestRawByteFlipNoPanic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	s, err := Open(Config{Dir: dir, FS: vfs.Default})
	if err != nil {
		t.Fatal(err)
	}
	const last = 3000
	logs := mkLogs(1, last, 1)
	for _, l := range logs {
		l.Data = bytes.Repeat([]byte{byte(l.Index)}, 200)
	}
	if err := s.StoreLogs(logs); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUint64([]byte("CurrentTerm"), 7); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if flipSSTBytes(t, dir, 10) == 0 {
		t.Fatal("no sstable written")
	}

	s, err = Open(Config{Dir: dir, FS: vfs.Default})
	if err != nil {
		t.Fatalf("Open of a damaged store = %v, want a rebuilt store", err)
	}
	d := s.Damage()
	if d == nil || !d.Log || d.Reason == "" {
		t.Fatalf("Damage = %+v, want log damage with a reason", d)
	}
	if _, err := os.Stat(d.Quarantine); err != nil {
		t.Fatalf("quarantined database %q: %v", d.Quarantine, err)
	}
	checkPrefix(t, s, logs, d)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The damage record survives a restart: the node must keep refusing
	// votes until it has caught up, however often it restarts.
	s, err = Open(Config{Dir: dir, FS: vfs.Default})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d2 := s.Damage(); d2 == nil || d2.KeptLast != d.KeptLast {
		t.Fatalf("Damage after reopen = %+v, want %+v", d2, d)
	}
	if err := s.ClearDamage(); err != nil || s.Damage() != nil {
		t.Fatalf("ClearDamage = %v, Damage = %+v", err, s.Damage())
	}
}

// checkPrefix: the kept entries are exactly the written ones, everything
// after KeptLast is gone (not served from the damaged tables).
func checkPrefix(t *testing.T, s *Store, logs []*raft.Log, d *Damage) {
	t.Helper()
	if d.KeptLast >= uint64(len(logs)) {
		t.Fatalf("kept through %d of %d entries despite damage", d.KeptLast, len(logs))
	}
	if first, _ := s.FirstIndex(); d.KeptLast > 0 && first != 1 {
		t.Fatalf("FirstIndex = %d, want 1", first)
	}
	if last, _ := s.LastIndex(); last != d.KeptLast {
		t.Fatalf("LastIndex = %d, want KeptLast %d", last, d.KeptLast)
	}
	for i := uint64(1); i <= uint64(len(logs)); i++ {
		var l raft.Log
		err := s.GetLog(i, &l)
		switch {
		case i <= d.KeptLast && (err != nil || !bytes.Equal(l.Data, logs[i-1].Data)):
			t.Fatalf("kept entry %d: %v (or wrong bytes)", i, err)
		case i > d.KeptLast && err != raft.ErrLogNotFound:
			t.Fatalf("discarded entry %d: GetLog = %v, want ErrLogNotFound", i, err)
		}
	}
}

// TestWALFlipIsDamageNotTornTail flips one byte in the middle of the only
// (so the last) WAL of a cleanly closed store. Pebble used to replay a bad
// chunk in the last WAL as a torn tail and silently drop every entry after
// it, all of them acknowledged (synced); with WAL sync chunks the damage is
// detected, the WAL is moved aside and the store reports log and stable
// damage (the WAL held the term/vote writes too). Fails on the old code:
// Open succeeded with a shorter log and no damage.
func TestWALFlipIsDamageNotTornTail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	s, err := Open(Config{Dir: dir, FS: vfs.Default})
	if err != nil {
		t.Fatal(err)
	}
	const last = 400
	logs := mkLogs(1, last, 1)
	for _, l := range logs {
		l.Data = bytes.Repeat([]byte{byte(l.Index)}, 300)
		if err := s.StoreLogs([]*raft.Log{l}); err != nil { // one synced batch each, like raft
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
	p := wals[len(wals)-1]
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}

	s, err = Open(Config{Dir: dir, FS: vfs.Default})
	if err != nil {
		t.Fatalf("Open = %v, want a rebuilt store", err)
	}
	defer s.Close()
	n, _ := s.LastIndex()
	d := s.Damage()
	if d == nil {
		t.Fatalf("no damage reported; LastIndex %d of %d written (entries silently dropped)", n, last)
	}
	if !d.Log || !d.Stable {
		t.Fatalf("Damage = %+v, want log and stable damage", d)
	}
	checkPrefix(t, s, logs, d)
}

// TestFatalfLogsBeforeExit: Pebble's Fatalf writes the reason to the log
// and then exits (here the exit hook is replaced, so it panics instead).
func TestFatalfLogsBeforeExit(t *testing.T) {
	var buf bytes.Buffer
	exited := false
	old := fatalExit
	fatalExit = func() { exited = true }
	defer func() { fatalExit = old }()
	defer func() {
		if recover() == nil {
			t.Fatal("Fatalf returned")
		}
		if !exited || !bytes.Contains(buf.Bytes(), []byte("invariant broken 7")) {
			t.Fatalf("exited=%v log=%q: want reason logged, then exit", exited, buf.String())
		}
	}()
	pebbleLogger{l: slogTo(&buf)}.Fatalf("invariant broken %d", 7)
}

func slogTo(buf *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(buf, nil)) }
