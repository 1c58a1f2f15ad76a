package ceiling

import (
	"context"
	"testing"

	"github.com/datamon-io/datamon/bench/report"
)

// TestProbesTiny runs every Go probe with tiny sizes: they must produce
// positive figures, not fast ones.
func TestProbesTiny(t *testing.T) {
	cfg := Config{Dir: t.TempDir(), DiskBytes: 8 << 20, SyncOps: 20, NetBytes: 16 << 20,
		HashBytes: 8 << 20, CDCBytes: 16 << 20, PebbleSize: 8 << 20}
	ctx := context.Background()
	for _, f := range []func(context.Context, Config) ([]report.Measurement, error){
		MeasureDiskWrite, MeasureDiskRead, MeasureSyncIOPS, MeasureLoopback, MeasureHashes, MeasureChunking, MeasurePebble,
	} {
		ms, err := f(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Status != report.StatusOK || m.Value <= 0 {
				t.Errorf("%s: %s %v %s", m.Name, m.Status, m.Value, m.Reason)
			}
			t.Logf("%-40s %10.1f %s  %s", m.Name, m.Value, m.Unit, m.Notes)
		}
	}
}
