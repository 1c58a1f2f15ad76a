package suite

import (
	"context"
	"errors"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/peer"
	"github.com/datamon-io/datamon/bench/report"
)

// ceilingCfg is the profile's probe config on the work dir.
func (e *Env) ceilingCfg() ceiling.Config {
	c := e.Profile.Ceiling
	c.Dir = e.Work
	c.Logger = e.Log
	return c
}

func ceilingFig(name, doc string, fn func(context.Context, ceiling.Config) ([]report.Measurement, error)) Figure {
	return Figure{Name: name, Group: GroupCeiling, Unit: "MB/s", Doc: doc,
		Run: func(ctx context.Context, e *Env) ([]report.Measurement, error) { return fn(ctx, e.ceilingCfg()) }}
}

func registerCeilings(r *Registry) {
	r.Register(ceilingFig("ceiling.disk.write", "sequential synced write, 4 MiB blocks + fdatasync, 1 and 2 streams", ceiling.MeasureDiskWrite))
	r.Register(ceilingFig("ceiling.disk.read", "cold sequential read (drop_caches as root, else O_DIRECT)", ceiling.MeasureDiskRead))
	r.Register(ceilingFig("ceiling.disk.sync4k", "4 KiB append + fdatasync ops/s, one writer", ceiling.MeasureSyncIOPS))
	r.Register(ceilingFig("ceiling.net", "loopback TCP, Go sender/receiver, 1 and 2 streams", ceiling.MeasureLoopback))
	r.Register(ceilingFig("ceiling.hash", "single-core BLAKE3, SHA-256, MD5", ceiling.MeasureHashes))
	r.Register(ceilingFig("ceiling.cdc", "content-defined chunking 1 MiB avg: fastcdc-go and chunk.NewChunker", ceiling.MeasureChunking))
	r.Register(ceilingFig("ceiling.pebble", "raw Pebble synced writes, 256 KiB values, random vs monotonic keys, WA", ceiling.MeasurePebble))
	r.Register(Figure{Name: "ceiling.fio", Group: GroupCeiling, Unit: "MB/s",
		Doc: "fio cross-check of the disk probes (Debian fio)",
		Run: func(ctx context.Context, e *Env) ([]report.Measurement, error) {
			bin, err := peer.Find(ctx, e.Log, "fio", "fio", e.Cfg.Install)
			if errors.Is(err, peer.ErrNotInstalled) {
				return nil, Skip("fio not installed")
			} else if err != nil {
				return nil, err
			}
			ms, err := ceiling.MeasureFio(ctx, e.ceilingCfg(), bin)
			for i := range ms {
				switch ms[i].Name {
				case ceiling.FioWrite1:
					ms[i].Ceiling = ceiling.DiskWrite1
				case ceiling.FioWrite2:
					ms[i].Ceiling = ceiling.DiskWrite2
				case ceiling.FioRead:
					ms[i].Ceiling = ceiling.DiskRead
				}
			}
			return ms, err
		}})
}
