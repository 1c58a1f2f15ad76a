package raftlog

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

// TestCrashAfterAck acknowledges writes one at a time and crash-clones the
// filesystem right after each returns, keeping none or half of the unsynced
// data: every acknowledged write must be present after reopening.
func TestCrashAfterAck(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	fs := vfs.NewCrashableMem()
	s := openMem(t, fs)
	for round := uint64(1); round <= 12; round++ {
		lo := (round-1)*8 + 1
		if err := s.StoreLogs(mkLogs(lo, lo+7, round)); err != nil {
			t.Fatal(err)
		}
		// Nothing else has synced yet: the batch alone must be durable.
		c := openMem(t, fs.CrashClone(vfs.CrashCloneCfg{}))
		if last, _ := c.LastIndex(); last != lo+7 {
			t.Fatalf("round %d: LastIndex after crash = %d, want %d", round, last, lo+7)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUint64([]byte("CurrentTerm"), round); err != nil {
			t.Fatal(err)
		}
		if err := s.Set([]byte("LastVoteCand"), []byte(fmt.Sprintf("node-%d", round))); err != nil {
			t.Fatal(err)
		}
		wantFirst := uint64(1)
		if round > 4 {
			if err := s.DeleteRange(1, (round-4)*8); err != nil {
				t.Fatal(err)
			}
			wantFirst = (round-4)*8 + 1
		}
		pct := []int{0, 50, 100}[round%3]
		clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(rng.Uint64(), 1))})
		c = openMem(t, clone)
		wantBounds(t, c, wantFirst, round*8)
		for i := wantFirst; i <= round*8; i++ {
			var l raft.Log
			if err := c.GetLog(i, &l); err != nil || !logsEqual(&l, mkLog(i, (i-1)/8+1)) {
				t.Fatalf("round %d: GetLog(%d) = %+v, %v", round, i, l, err)
			}
		}
		if v, err := c.GetUint64([]byte("CurrentTerm")); err != nil || v != round {
			t.Fatalf("round %d: CurrentTerm = %d, %v", round, v, err)
		}
		if v, err := c.Get([]byte("LastVoteCand")); err != nil || string(v) != fmt.Sprintf("node-%d", round) {
			t.Fatalf("round %d: LastVoteCand = %q, %v", round, v, err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCrashDuringWrites crash-clones while a writer appends batches and
// compacts concurrently. After reopening: every batch acknowledged before the
// clone is present, every batch is all-or-nothing and decodes cleanly,
// present batches form a contiguous run, and acknowledged compactions hold.
func TestCrashDuringWrites(t *testing.T) {
	const batch = 16
	fs := vfs.NewCrashableMem()
	s := openMem(t, fs)
	var acked, deletedThrough atomic.Uint64 // batches acknowledged; log index compacted
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := uint64(0); ; b++ {
			select {
			case <-stop:
				return
			default:
			}
			logs := mkLogs(b*batch+1, (b+1)*batch, b+1)
			for _, l := range logs {
				l.Data = binary.BigEndian.AppendUint64(l.Data, b) // grow the record a little
			}
			if err := s.StoreLogs(logs); err != nil {
				t.Error(err)
				return
			}
			acked.Store(b + 1)
			if b%10 == 9 {
				through := (b - 5) * batch // keep a few batches
				if err := s.DeleteRange(1, through); err != nil {
					t.Error(err)
					return
				}
				deletedThrough.Store(through)
			}
		}
	}()
	rng := rand.New(rand.NewPCG(3, 9))
	for crash := 0; crash < 15; crash++ {
		for acked.Load() < uint64(crash*4+2) && !t.Failed() {
			runtimeYield()
		}
		ackedBefore, delBefore := acked.Load(), deletedThrough.Load()
		clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rand.New(rand.NewPCG(rng.Uint64(), 2))})
		checkCrashClone(t, clone, batch, ackedBefore, delBefore)
	}
}

func checkCrashClone(t *testing.T, fs vfs.FS, batch, ackedBefore, delBefore uint64) {
	t.Helper()
	c := openMem(t, fs)
	defer c.Close()
	first, _ := c.FirstIndex()
	last, _ := c.LastIndex()
	if last < ackedBefore*batch {
		t.Fatalf("last index %d < acknowledged %d", last, ackedBefore*batch)
	}
	if first <= delBefore || (first-1)%batch != 0 || last%batch != 0 {
		t.Fatalf("bounds (%d, %d) not batch aligned or compaction through %d lost", first, last, delBefore)
	}
	for i := first; i <= last; i++ {
		var l raft.Log
		if err := c.GetLog(i, &l); err != nil {
			t.Fatalf("bounds (%d, %d): GetLog(%d): %v (half-written batch or gap)", first, last, i, err)
		}
		b := (i - 1) / batch
		if l.Term != b+1 || binary.BigEndian.Uint64(l.Data[len(l.Data)-8:]) != b {
			t.Fatalf("GetLog(%d) = %+v: wrong content", i, l)
		}
	}
	var l raft.Log
	if err := c.GetLog(last+1, &l); err != raft.ErrLogNotFound {
		t.Fatalf("entry past last index: %v", err)
	}
}

func runtimeYield() { time.Sleep(time.Millisecond) }
