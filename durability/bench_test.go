package durability_test

import (
	"context"
	"testing"
	"time"

	"github.com/datamon-io/datamon/layout"
)

// BenchmarkRepairThroughput: 4 nodes 2+2 on in-memory stores, one node lost,
// survivors rebuild its shards unthrottled; reports rebuilt MB/s.
func BenchmarkRepairThroughput(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ctx := context.Background()
		cfg := testConfig()
		cfg.RepairRate = 1 << 40
		c := newTCluster(b, 4, layout.Policy{K: 2, M: 2}, cfg)
		c.commitBundle(ctx, "n1", "data", randomFiles(uint64(i), 64, 512<<10))
		c.kill("n4")
		time.Sleep(400 * time.Millisecond)
		b.StartTimer()
		start := time.Now()
		res := c.passes(ctx, 4)
		b.ReportMetric(float64(res.Bytes)/1e6/time.Since(start).Seconds(), "MB/s")
		b.SetBytes(res.Bytes)
	}
}
