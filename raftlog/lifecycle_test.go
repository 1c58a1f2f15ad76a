package raftlog

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

func TestReopenAndClose(t *testing.T) {
	fs := vfs.NewMem()
	s, err := Open(Config{Dir: "raft", FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StoreLogs(mkLogs(3, 40, 2)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRange(3, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUint64([]byte("t"), 9); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	var l raft.Log
	for name, err := range map[string]error{
		"FirstIndex": func() error { _, err := s.FirstIndex(); return err }(),
		"GetLog":     s.GetLog(11, &l),
		"StoreLog":   s.StoreLog(mkLog(41, 2)),
		"Delete":     s.DeleteRange(1, 2),
		"Set":        s.Set([]byte("a"), nil),
		"GetUint64":  func() error { _, err := s.GetUint64([]byte("t")); return err }(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	s2 := openMem(t, fs)
	wantBounds(t, s2, 11, 40)
	if err := s2.GetLog(40, &l); err != nil || !logsEqual(&l, mkLog(40, 2)) {
		t.Fatalf("GetLog after reopen: %+v %v", l, err)
	}
	if v, err := s2.GetUint64([]byte("t")); err != nil || v != 9 {
		t.Fatalf("GetUint64 after reopen: %d %v", v, err)
	}
}

// TestConcurrentAccess runs raft's access pattern: one appender, one
// compactor and readers at once. Run with -race.
func TestConcurrentAccess(t *testing.T) {
	s := openMem(t, vfs.NewMem())
	const total = 400
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := uint64(1); i <= total; i += 4 {
			if err := s.StoreLogs(mkLogs(i, i+3, 1)); err != nil {
				errc <- err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for k := 0; k < 50; k++ {
			last, _ := s.LastIndex()
			if last > 20 {
				if err := s.DeleteRange(0, last-20); err != nil {
					errc <- err
					return
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		for k := 0; k < 2000; k++ {
			last, _ := s.LastIndex()
			var l raft.Log
			if err := s.GetLog(last, &l); err == nil && l.Index != last {
				errc <- fmt.Errorf("GetLog(%d) returned index %d", last, l.Index)
				return
			} else if err != nil && err != raft.ErrLogNotFound {
				errc <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	first, _ := s.FirstIndex()
	dbFirst, dbLast, err := s.scanBounds()
	if err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, dbFirst, dbLast)
	if dbLast != total || first > total {
		t.Fatalf("final bounds (%d, %d)", dbFirst, dbLast)
	}
}
