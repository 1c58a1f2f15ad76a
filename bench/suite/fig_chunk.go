package suite

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/load"
	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
)

// Chunk API measurement names.
const (
	ChunkPut4MiB = "product.chunk.put4MiB"
	ChunkGet4MiB = "product.chunk.get4MiB"
	SweepPut     = "scale.sweep.chunk-put4MiB"
)

const chunkSize = 4 << 20

// chunkLoad puts (or gets) distinct 4 MiB chunks through client.PutChunk /
// GetChunk. Every put carries unique bytes (a counter in the first 16
// bytes), so deduplication never short-cuts it.
type chunkLoad struct {
	c    *client.Client
	mu   sync.Mutex
	bufs map[int][]byte
	ids  []chunk.ID
	next uint64
}

func (l *chunkLoad) put(ctx context.Context, cl, _ int) error {
	l.mu.Lock()
	b, ok := l.bufs[cl]
	if !ok {
		b = make([]byte, chunkSize)
		r := rand.NewChaCha8([32]byte{byte(cl), 0xb1})
		_, _ = r.Read(b)
		l.bufs[cl] = b
	}
	l.next++
	n := l.next
	l.mu.Unlock()
	binary.LittleEndian.PutUint64(b, n)
	binary.LittleEndian.PutUint64(b[8:], uint64(time.Now().UnixNano()))
	id, err := l.c.PutChunk(ctx, b)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.ids = append(l.ids, id)
	l.mu.Unlock()
	return nil
}

func (l *chunkLoad) get(ctx context.Context, cl, seq int) error {
	l.mu.Lock()
	if len(l.ids) == 0 {
		l.mu.Unlock()
		return fmt.Errorf("suite: no chunk to get")
	}
	id := l.ids[(cl*7919+seq+len(l.ids))%len(l.ids)]
	l.mu.Unlock()
	_, err := l.c.GetChunk(ctx, id)
	return err
}

func chunkMeasurement(name string, res load.Result) report.Measurement {
	m := report.OK(GroupProduct, name, res.OpsPerSec*chunkSize/1e6, "MB/s").WithNotes(fmt.Sprintf(
		"client.PutChunk/GetChunk, %d clients, %d × 4 MiB, p50 %.0f ms, p99 %.0f ms, %d errors",
		res.Clients, res.Ops, load.Ms(res.P50), load.Ms(res.P99), res.Errors))
	m.Extra = map[string]any{"p50_ms": load.Ms(res.P50), "p99_ms": load.Ms(res.P99), "ops": res.Ops}
	return m
}

// runChunk measures the node's own chunk API: PUT then GET of 4 MiB chunks.
func runChunk(ctx context.Context, e *Env) ([]report.Measurement, error) {
	c, err := e.Client(ctx)
	if err != nil {
		return nil, err
	}
	l := &chunkLoad{c: c, bufs: map[int][]byte{}}
	d := max(2*time.Second, e.Profile.LoadDuration/2)
	var out []report.Measurement
	// Where the cores go: a CPU profile of node 1 during the put load.
	profDone := make(chan string, 1)
	go func() {
		pd := max(time.Second, d/2)
		select {
		case <-time.After(d / 4):
		case <-ctx.Done():
		}
		top, err := profileNode(ctx, e, 0, pd)
		if err != nil {
			top = "profile unavailable: " + err.Error()
		}
		profDone <- top
	}()
	res, err := load.Run(ctx, load.Config{Clients: e.Profile.Clients, Duration: d, Warmup: 1}, l.put)
	if err != nil {
		return nil, fmt.Errorf("suite: chunk put: %w", err)
	}
	top := <-profDone
	pm := chunkMeasurement(ChunkPut4MiB, res).Against(ceiling.DiskWrite2, "").
		WithNotes("every chunk is written (k+m)/k times across the nodes, all on this one disk; node1 CPU (flat%): " + top)
	pm.Extra["node1_cpu_top"] = top
	out = append(out, pm)
	res, err = load.Run(ctx, load.Config{Clients: e.Profile.Clients, Duration: d}, l.get)
	if err != nil {
		return out, fmt.Errorf("suite: chunk get: %w", err)
	}
	out = append(out, chunkMeasurement(ChunkGet4MiB, res).Against(ceiling.DiskRead, "").
		WithNotes("chunks just written: mostly served from the page cache"))
	return out, nil
}

// runSweep measures chunk PUT MB/s at each client count of the profile.
func runSweep(ctx context.Context, e *Env) ([]report.Measurement, error) {
	c, err := e.Client(ctx)
	if err != nil {
		return nil, err
	}
	l := &chunkLoad{c: c, bufs: map[int][]byte{}}
	d := max(time.Second, e.Profile.LoadDuration/4)
	s := &report.Series{XLabel: "concurrent clients", YLabel: "chunk PUT 4 MiB, MB/s"}
	best, bestAt := 0.0, 0
	for _, n := range e.Profile.Sweep {
		res, err := load.Run(ctx, load.Config{Clients: n, Duration: d}, l.put)
		if err != nil {
			return nil, fmt.Errorf("suite: sweep at %d clients: %w", n, err)
		}
		v := res.OpsPerSec * chunkSize / 1e6
		s.X, s.Y = append(s.X, float64(n)), append(s.Y, v)
		if v > best {
			best, bestAt = v, n
		}
	}
	m := report.OK(GroupScale, SweepPut, best, "MB/s").Against(ceiling.DiskWrite2, "").
		WithNotes(fmt.Sprintf("peak at %d clients; %s per point; series %v clients", bestAt, d, e.Profile.Sweep))
	m.Series = s
	return []report.Measurement{m}, nil
}
