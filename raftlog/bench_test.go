package raftlog

import (
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

// BenchmarkStoreLogs measures synced appends of 256-byte entries, one entry
// per call and 64 per call, on disk (real fsync) and on vfs.NewMem.
func BenchmarkStoreLogs(b *testing.B) {
	for _, fsName := range []string{"disk", "mem"} {
		for _, per := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/batch%d", fsName, per), func(b *testing.B) {
				cfg := Config{Dir: b.TempDir(), FS: vfs.Default}
				if fsName == "mem" {
					cfg = Config{Dir: "raft", FS: vfs.NewMem()}
				}
				s, err := Open(cfg)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				data := make([]byte, 256)
				logs := make([]*raft.Log, per)
				for i := range logs {
					logs[i] = &raft.Log{Term: 1, Type: raft.LogCommand, Data: data, AppendedAt: time.Now()}
				}
				b.SetBytes(int64(256 * per))
				b.ResetTimer()
				next := uint64(1)
				for b.Loop() {
					for _, l := range logs {
						l.Index = next
						next++
					}
					if err := s.StoreLogs(logs); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(next-1), "ns/entry")
			})
		}
	}
}

// BenchmarkGetLog measures reads of stored 256-byte entries.
func BenchmarkGetLog(b *testing.B) {
	s, err := Open(Config{Dir: "raft", FS: vfs.NewMem()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 4096
	for i := uint64(1); i <= n; i += 64 {
		logs := make([]*raft.Log, 64)
		for j := range logs {
			logs[j] = &raft.Log{Index: i + uint64(j), Term: 1, Data: make([]byte, 256)}
		}
		if err := s.StoreLogs(logs); err != nil {
			b.Fatal(err)
		}
	}
	var l raft.Log
	i := uint64(0)
	for b.Loop() {
		if err := s.GetLog(i%n+1, &l); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
