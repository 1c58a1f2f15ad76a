package ceiling

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/datamon-io/datamon/bench/load"
	"github.com/datamon-io/datamon/bench/report"
)

// Pebble probe shape: 256 KiB values committed synced in 4 MiB batches.
const (
	pebbleValue = 256 << 10
	pebbleBatch = 4 << 20
)

// MeasurePebble measures raw Pebble (default options) synced writes of
// cfg.PebbleSize user bytes: random 32-byte keys, then monotonic 8-byte
// keys, each into a fresh store. Write amplification is (WAL + flushed +
// compacted bytes) / user bytes from db.Metrics() right after the last
// commit.
func MeasurePebble(ctx context.Context, cfg Config) ([]report.Measurement, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var out []report.Measurement
	for _, p := range []struct {
		name      string
		monotonic bool
	}{{PebbleRandom, false}, {PebbleMono, true}} {
		m, err := pebbleRun(ctx, cfg, p.monotonic)
		if err != nil {
			m = report.Failed(Group, p.name, "MB/s", err)
		}
		m.Group, m.Name = Group, p.name
		out = append(out, m)
	}
	return out, nil
}

func pebbleRun(ctx context.Context, cfg Config, monotonic bool) (report.Measurement, error) {
	dir, err := os.MkdirTemp(cfg.Dir, "pebble-")
	if err != nil {
		return report.Measurement{}, fmt.Errorf("ceiling: %w", err)
	}
	defer os.RemoveAll(dir)
	db, err := pebble.Open(filepath.Join(dir, "db"), &pebble.Options{Logger: pebbleLog{cfg.Logger}})
	if err != nil {
		return report.Measurement{}, fmt.Errorf("ceiling: pebble open: %w", err)
	}
	defer db.Close()
	value := pattern(pebbleValue)
	r := rand.New(rand.NewPCG(1, 2))
	perBatch := pebbleBatch / pebbleValue
	var lats []time.Duration
	var seq uint64
	var written int64
	start := time.Now()
	for written < cfg.PebbleSize {
		if err := ctx.Err(); err != nil {
			return report.Measurement{}, fmt.Errorf("ceiling: %w", err)
		}
		b := db.NewBatch()
		for range perBatch {
			var key []byte
			if monotonic {
				key = binary.BigEndian.AppendUint64(nil, seq)
				seq++
			} else {
				key = make([]byte, 32)
				for i := 0; i < 32; i += 8 {
					binary.LittleEndian.PutUint64(key[i:], r.Uint64())
				}
			}
			value[0], value[1] = byte(seq), byte(written>>20) // distinct values
			if err := b.Set(key, value, nil); err != nil {
				return report.Measurement{}, fmt.Errorf("ceiling: pebble set: %w", err)
			}
			written += pebbleValue
		}
		t0 := time.Now()
		if err := b.Commit(pebble.Sync); err != nil {
			return report.Measurement{}, fmt.Errorf("ceiling: pebble commit: %w", err)
		}
		lats = append(lats, time.Since(t0))
		_ = b.Close()
	}
	elapsed := time.Since(start)
	met := db.Metrics()
	tot := met.Total()
	phys := tot.TableBytesFlushed + tot.TableBytesCompacted + tot.BlobBytesFlushed + tot.BlobBytesCompacted
	wa := float64(phys) / float64(written)
	slices.Sort(lats)
	keys := "random 32-byte keys"
	if monotonic {
		keys = "monotonic 8-byte keys"
	}
	m := report.OK(Group, "", mbps(written, elapsed.Seconds()), "MB/s").WithNotes(fmt.Sprintf(
		"%d MiB, 256 KiB values, %s, 4 MiB batches synced; WA %.2f×; commit p50 %.1f ms p99 %.1f ms",
		written>>20, keys, wa, load.Ms(load.Percentile(lats, .5)), load.Ms(load.Percentile(lats, .99))))
	m.Extra = map[string]any{"write_amplification": wa, "commit_p99_ms": load.Ms(load.Percentile(lats, .99)),
		"commit_p50_ms": load.Ms(load.Percentile(lats, .5)), "read_amp_l0_sublevels": tot.Sublevels}
	return m, nil
}

// pebbleLog sends Pebble's log lines to the injected slog logger.
type pebbleLog struct{ l *slog.Logger }

func (p pebbleLog) Infof(format string, args ...any)  { p.l.Debug(fmt.Sprintf(format, args...)) }
func (p pebbleLog) Errorf(format string, args ...any) { p.l.Warn(fmt.Sprintf(format, args...)) }
func (p pebbleLog) Fatalf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
	panic(fmt.Sprintf(format, args...))
}
