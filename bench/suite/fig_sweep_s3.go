package suite

import (
	"context"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/load"
	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/bench/s3load"
)

// SweepS3Put is the peak of the S3 PUT 4 MiB concurrency sweep (its Series
// holds every point).
const SweepS3Put = "scale.sweep.s3-put4MiB"

// runSweepS3: S3 gateway PUT of 4 MiB objects, MB/s vs the number of
// concurrent clients (the profile's Sweep, 1–64), as a line chart.
func runSweepS3(ctx context.Context, e *Env) ([]report.Measurement, error) {
	ci, err := e.Cluster(ctx)
	if err != nil {
		return nil, err
	}
	if ci.S3Endpoint == "" {
		return nil, Skip("the cluster has no S3 endpoint")
	}
	if err := probe(ctx, ci.S3Endpoint); err != nil {
		return nil, Skip("S3 gateway not answering: " + err.Error())
	}
	t := s3load.Target{Endpoint: ci.S3Endpoint, AccessKey: ci.AccessKey, SecretKey: ci.SecretKey}
	d := max(time.Second, e.Profile.LoadDuration/4)
	s := &report.Series{XLabel: "concurrent clients", YLabel: "S3 PUT 4 MiB, MB/s"}
	best, bestAt, errs := 0.0, 0, 0
	var p99 []string
	for _, n := range e.Profile.Sweep {
		res, err := s3load.PutRate(ctx, t, s3load.Config{Clients: n, Duration: d, Objects: 4}, 4<<20)
		if err != nil {
			return nil, fmt.Errorf("suite: S3 sweep at %d clients: %w", n, err)
		}
		v := res.OpsPerSec * (4 << 20) / 1e6
		s.X, s.Y = append(s.X, float64(n)), append(s.Y, v)
		errs += res.Errors
		p99 = append(p99, fmt.Sprintf("%d:%.0f", n, load.Ms(res.P99)))
		if v > best {
			best, bestAt = v, n
		}
	}
	m := report.OK(GroupScale, SweepS3Put, best, "MB/s").Against(ceiling.DiskWrite2, "").
		WithNotes(fmt.Sprintf("peak at %d clients; %s per point; clients %v; p99 ms by clients %v; %d errors",
			bestAt, d, e.Profile.Sweep, p99, errs))
	m.Series = s
	return []report.Measurement{m}, nil
}
