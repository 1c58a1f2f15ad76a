package suite

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/shard"
)

// processWriteBytes is what this process has sent to the block layer
// (/proc/self/io write_bytes): WAL, memtable flushes, compactions and
// ingested sstables alike — the honest numerator of write amplification.
func processWriteBytes() (int64, error) {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "write_bytes: "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("suite: write_bytes not in /proc/self/io")
}

// runShardStore measures the node-local shard store (shard.Store on Pebble,
// group-committed sstable ingestion) with 256 KiB shards from 16 and 64
// writers: MB/s next to the 2-stream disk ceiling, and write amplification
// as bytes this process wrote to the disk over shard bytes acknowledged.
func runShardStore(ctx context.Context, e *Env) ([]report.Measurement, error) {
	const shardPayload = 256 << 10
	total := e.Profile.Dataset.Total / 2
	total = min(max(total, 256<<20), 2<<30)
	codec, err := erasure.New(1, 0)
	if err != nil {
		return nil, err
	}
	payload := make([]byte, shardPayload)
	r := rand.NewChaCha8([32]byte{7})
	_, _ = r.Read(payload)
	var out []report.Measurement
	for _, writers := range []int{16, 64} {
		dir, err := e.Dir(fmt.Sprintf("shardstore-%d", writers))
		if err != nil {
			return out, err
		}
		st, err := shard.Open(shard.StoreConfig{Dir: dir, FS: vfs.Default})
		if err != nil {
			return out, err
		}
		n := int(total / shardPayload)
		before, werr := processWriteBytes()
		var next atomic.Int64
		var firstErr error
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := time.Now()
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := append([]byte(nil), payload...)
				for {
					i := next.Add(1) - 1
					if i >= int64(n) || ctx.Err() != nil {
						return
					}
					buf[0], buf[1], buf[2], buf[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
					id := chunk.Sum(buf)
					shards, err := codec.Encode(id, buf)
					if err == nil {
						err = st.Put(ctx, shard.Key{Chunk: id, Index: 0}, shards[0])
					}
					if err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						return
					}
				}
			}()
		}
		wg.Wait()
		took := time.Since(start)
		after, _ := processWriteBytes()
		_ = st.Close()
		_ = os.RemoveAll(dir)
		if firstErr != nil {
			return out, fmt.Errorf("suite: shard store put: %w", firstErr)
		}
		user := float64(n) * shardPayload
		name := fmt.Sprintf("product.shardstore.put256KiB.%dw", writers)
		m := report.OK(GroupProduct, name, user/took.Seconds()/1e6, "MB/s").Against(ceiling.DiskWrite2, "")
		notes := fmt.Sprintf("%d writers, %d MiB of 256 KiB shards, synced before ack", writers, int64(user)>>20)
		if werr == nil && after > before {
			wa := float64(after-before) / user
			m.Extra = map[string]any{"write_amplification": wa}
			notes += fmt.Sprintf("; write amplification %.2f (process write_bytes / shard bytes)", wa)
		}
		out = append(out, m.WithNotes(notes))
	}
	return out, nil
}
