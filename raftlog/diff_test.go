package raftlog

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

// TestDifferentialInmem drives the Store and raft.NewInmemStore with the same
// random raft-shaped operation sequence (appends, tail overwrites, prefix
// compaction, suffix truncation, full clears followed by a jump, stable-store
// writes, reopen) and requires identical observable results.
func TestDifferentialInmem(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			fs := vfs.NewMem()
			s := openMem(t, fs)
			ref := raft.NewInmemStore()
			term := uint64(1)
			for op := 0; op < 300; op++ {
				first, _ := ref.FirstIndex()
				last, _ := ref.LastIndex()
				var desc string
				var err1, err2 error
				switch k := rng.IntN(100); {
				case k < 40 || last == 0: // append (maybe overwriting a tail)
					start := last + 1
					if last == 0 {
						start = 1 + rng.Uint64N(1000)
					} else if rng.IntN(4) == 0 {
						start = first + rng.Uint64N(last-first+1)
						term++
					}
					n := 1 + rng.Uint64N(16)
					logs := make([]*raft.Log, 0, n)
					for i := start; i < start+n; i++ {
						logs = append(logs, &raft.Log{Index: i, Term: term, Type: raft.LogType(rng.IntN(6)),
							Data: randBytes(rng, 64), Extensions: randBytes(rng, 4)})
					}
					desc = fmt.Sprintf("StoreLogs(%d..%d)", start, start+n-1)
					err1, err2 = s.StoreLogs(logs), ref.StoreLogs(logs)
				case k < 55: // compaction of a prefix
					hi := first + rng.Uint64N(last-first+1)
					desc = fmt.Sprintf("DeleteRange(%d, %d)", first, hi)
					err1, err2 = s.DeleteRange(first, hi), ref.DeleteRange(first, hi)
				case k < 65: // conflict truncation of a suffix
					lo := first + rng.Uint64N(last-first+1)
					desc = fmt.Sprintf("DeleteRange(%d, %d)", lo, last)
					err1, err2 = s.DeleteRange(lo, last), ref.DeleteRange(lo, last)
				case k < 68: // snapshot restore clears everything
					desc = fmt.Sprintf("DeleteRange(%d, %d) all", first, last)
					err1, err2 = s.DeleteRange(first, last), ref.DeleteRange(first, last)
				case k < 80:
					key := []byte(fmt.Sprintf("b%d", rng.IntN(5)))
					val := randBytes(rng, 16)
					val = append(val, 'v') // inmem treats nil as absent
					desc = fmt.Sprintf("Set(%s)", key)
					err1, err2 = s.Set(key, val), ref.Set(key, val)
				case k < 92:
					key := []byte(fmt.Sprintf("u%d", rng.IntN(5)))
					v := rng.Uint64()
					desc = fmt.Sprintf("SetUint64(%s)", key)
					err1, err2 = s.SetUint64(key, v), ref.SetUint64(key, v)
				default:
					desc = "reopen"
					if err := s.Close(); err != nil {
						t.Fatal(err)
					}
					s = openMem(t, fs)
				}
				if err1 != nil || err2 != nil {
					t.Fatalf("op %d %s: store=%v inmem=%v", op, desc, err1, err2)
				}
				compareStores(t, rng, s, ref, fmt.Sprintf("op %d %s", op, desc))
			}
		})
	}
}

func randBytes(rng *rand.Rand, max int) []byte {
	n := rng.IntN(max + 1)
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func compareStores(t *testing.T, rng *rand.Rand, s *Store, ref *raft.InmemStore, where string) {
	t.Helper()
	f1, _ := s.FirstIndex()
	l1, _ := s.LastIndex()
	f2, _ := ref.FirstIndex()
	l2, _ := ref.LastIndex()
	if f1 != f2 || l1 != l2 {
		t.Fatalf("%s: bounds store=(%d,%d) inmem=(%d,%d)", where, f1, l1, f2, l2)
	}
	probe := []uint64{f2, l2, l2 + 1}
	if f2 > 0 {
		probe = append(probe, f2-1)
	}
	for range 4 {
		probe = append(probe, f2+rng.Uint64N(l2-f2+2))
	}
	for _, idx := range probe {
		var a, b raft.Log
		e1, e2 := s.GetLog(idx, &a), ref.GetLog(idx, &b)
		if e1 != e2 || (e1 == nil && !logsEqual(&a, &b)) {
			t.Fatalf("%s: GetLog(%d) store=(%+v, %v) inmem=(%+v, %v)", where, idx, a, e1, b, e2)
		}
	}
	for i := range 5 {
		key := []byte(fmt.Sprintf("b%d", i))
		v1, e1 := s.Get(key)
		v2, e2 := ref.Get(key)
		if (e1 == nil) != (e2 == nil) || string(v1) != string(v2) || (e1 != nil && e1.Error() != e2.Error()) {
			t.Fatalf("%s: Get(%s) store=(%q, %v) inmem=(%q, %v)", where, key, v1, e1, v2, e2)
		}
		key = []byte(fmt.Sprintf("u%d", i))
		u1, e1 := s.GetUint64(key)
		u2, _ := ref.GetUint64(key) // inmem reports a missing key as 0, nil
		if e1 != nil && e1.Error() == "not found" {
			e1 = nil // raft treats "not found" exactly like 0
		}
		if e1 != nil || u1 != u2 {
			t.Fatalf("%s: GetUint64(%s) store=(%d, %v) inmem=%d", where, key, u1, e1, u2)
		}
	}
}
