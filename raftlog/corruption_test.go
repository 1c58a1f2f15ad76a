package raftlog

import (
	"bytes"
	"errors"
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
// on a real directory and reopens: reads of the damaged blocks fail with
// ErrCorrupt and the store reports itself corrupt; nothing panics (before
// the event listener, Pebble's Fatalf panicked on the first bad block).
func TestRawByteFlipNoPanic(t *testing.T) {
	dir := t.TempDir()
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
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open of a corrupt log = %v, want ErrCorrupt", err)
		}
		return
	}
	defer s.Close()
	var corrupt int
	for i := uint64(1); i <= last; i++ {
		var l raft.Log
		err := s.GetLog(i, &l)
		switch {
		case errors.Is(err, ErrCorrupt):
			corrupt++
		case err != nil:
			t.Fatalf("GetLog(%d) = %v, want nil or ErrCorrupt", i, err)
		case !bytes.Equal(l.Data, logs[i-1].Data):
			t.Fatalf("GetLog(%d) returned wrong bytes", i)
		}
	}
	if corrupt == 0 {
		t.Fatal("no read reported ErrCorrupt after flipping bytes")
	}
	h := s.Health()
	if !s.Corrupt() || len(h.CorruptFiles) == 0 || h.ReadErrors == 0 {
		t.Fatalf("Health after corrupt reads = %+v, want corrupt files and read errors", h)
	}
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
