package raftmeta

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/datamon-io/datamon/model"
)

// StartRun starts a run owned by s.Owner, resolving and pinning its inputs
// in the same command (a missing repo, bundle or label: model.ErrNotFound,
// and no run is created).
func (m *Meta) StartRun(ctx context.Context, s model.RunStart) (model.Run, error) {
	c := &runCmd{Start: &s}
	if err := c.validate(opRunStart); err != nil {
		return model.Run{}, err
	}
	return decodeResult[model.Run](m.submit(ctx, &command{Op: opRunStart, Run: c}))
}

func (m *Meta) changeRun(ctx context.Context, op string, c *runCmd) (model.Run, error) {
	if err := c.validate(op); err != nil {
		return model.Run{}, err
	}
	return decodeResult[model.Run](m.submit(ctx, &command{Op: op, Run: c}))
}

// LogRunMetrics appends metric points (up to MaxRunPointsPerCmd) to a
// running run; their times are the leader's.
func (m *Meta) LogRunMetrics(ctx context.Context, id string, as model.RunActor, pts []model.MetricPoint) (model.Run, error) {
	return m.changeRun(ctx, opRunMetrics, &runCmd{ID: id, Actor: as.Name, Force: as.Admin, Points: pts})
}

// AddRunInputs resolves, pins and records more inputs of a running run.
func (m *Meta) AddRunInputs(ctx context.Context, id string, as model.RunActor, in []model.InputRef) (model.Run, error) {
	return m.changeRun(ctx, opRunInputs, &runCmd{ID: id, Actor: as.Name, Force: as.Admin, Inputs: in})
}

// HeartbeatRun extends a running run's lease.
func (m *Meta) HeartbeatRun(ctx context.Context, id string, as model.RunActor) (model.Run, error) {
	return m.changeRun(ctx, opRunHeartbeat, &runCmd{ID: id, Actor: as.Name, Force: as.Admin})
}

// FinishRun ends a running run with a final status (a finished run:
// model.ErrPrecondition).
func (m *Meta) FinishRun(ctx context.Context, id string, as model.RunActor, st model.RunStatus, reason string) (model.Run, error) {
	return m.changeRun(ctx, opRunFinish, &runCmd{ID: id, Actor: as.Name, Force: as.Admin, Status: st, Reason: reason})
}

// UpdateRun sets tags and notes (allowed on finished runs too).
func (m *Meta) UpdateRun(ctx context.Context, id string, as model.RunActor, u model.RunUpdate) (model.Run, error) {
	return m.changeRun(ctx, opRunUpdate, &runCmd{ID: id, Actor: as.Name, Force: as.Admin, Update: &u})
}

// ExpireRuns (leader's housekeeping) fails the running runs whose lease
// ended before the command's leader-stamped time and returns them.
func (m *Meta) ExpireRuns(ctx context.Context) ([]model.Run, error) {
	return decodeResult[[]model.Run](m.submit(ctx, &command{Op: opRunExpire}))
}

// HasExpiredRuns reports, from this node's FSM without a barrier, whether
// some running run's lease ended before now: the leader submits
// ExpireRuns only then, so an idle cluster writes nothing.
func (m *Meta) HasExpiredRuns(now time.Time) (bool, error) {
	p := runActivePrefix()
	ids, err := scanKeys(m.fsm.db, p, prefixEnd(p), MaxRunExpirePerCmd)
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		var r model.Run
		found, err := getJSON(m.fsm.db, runKey(id), &r)
		if err != nil {
			return false, err
		}
		if found && !r.Status.Finished() && !r.LeaseUntil.IsZero() && !now.Before(r.LeaseUntil) {
			return true, nil
		}
	}
	return false, nil
}

// GetRun returns run id (model.ErrNotFound).
func (m *Meta) GetRun(ctx context.Context, id string) (model.Run, error) {
	if err := ValidateRunID(id); err != nil {
		return model.Run{}, err
	}
	return get[model.Run](m, ctx, runKey(id), "run "+id)
}

// RunByExternal returns the run recorded with an external ID (model.ErrNotFound).
func (m *Meta) RunByExternal(ctx context.Context, ext string) (model.Run, error) {
	id, err := get[string](m, ctx, runExternalKey(ext), "run with external ID "+ext)
	if err != nil {
		return model.Run{}, err
	}
	return m.GetRun(WithStale(ctx), id)
}

// MaxRunList bounds one run listing.
const MaxRunList = 1000

// ListRuns lists the runs of f.Context in start order, filtered, from
// f.After (exclusive) or f.Since, up to f.Limit (default and most
// MaxRunList). Since seeks: runs older than it are not scanned.
func (m *Meta) ListRuns(ctx context.Context, f model.RunFilter) ([]model.Run, error) {
	if err := model.ValidateContextName(f.Context); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > MaxRunList {
		f.Limit = MaxRunList
	}
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	p := runCtxPrefix(f.Context)
	lower := p
	if !f.Since.IsZero() {
		lower = runCtxKey(f.Context, runIDLowerBound(f.Since))
	}
	if f.After != "" {
		if a := append(runCtxKey(f.Context, f.After), 0); string(a) > string(lower) {
			lower = a
		}
	}
	s := m.fsm.db.NewSnapshot()
	defer s.Close()
	it, err := s.NewIter(iterOpts(lower, prefixEnd(p)))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := []model.Run{}
	for ok := it.First(); ok && len(out) < f.Limit; ok = it.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var r model.Run
		found, err := getJSON(s, runKey(string(it.Key()[len(p):])), &r)
		if err != nil {
			return nil, err
		}
		if !found || (f.Status != "" && r.Status != f.Status) || (f.Name != "" && r.Name != f.Name) ||
			(!f.Since.IsZero() && r.Started.Before(f.Since)) {
			continue
		}
		out = append(out, r)
	}
	return out, it.Error()
}

// runIDLowerBound is the smallest ID of a run started at or after t.
func runIDLowerBound(t time.Time) string {
	var raw [20]byte
	s := max(t.Unix()-ksuidEpoch, 0)
	binary.BigEndian.PutUint32(raw[0:4], uint32(min(s, 0xFFFFFFFF)))
	return encodeBase62(raw) // index and hash bytes zero: below every ID of that second
}

// RunMetricHistory returns up to limit (<= 0: all) points of run id, in
// log order, of metric key ("" : every metric).
func (m *Meta) RunMetricHistory(ctx context.Context, id, key string, limit int) ([]model.MetricPoint, error) {
	if _, err := m.GetRun(ctx, id); err != nil {
		return nil, err
	}
	p := runPointsPrefix(id)
	pts, err := scan[model.MetricPoint](m.fsm.db, p, prefixEnd(p), 0)
	if err != nil {
		return nil, err
	}
	out := []model.MetricPoint{}
	for _, pt := range pts {
		if key == "" || pt.Key == key {
			out = append(out, pt)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
	}
	return out, nil
}

// RunsReading returns the IDs of up to limit runs that read a bundle
// (<= 0: all), in start order: downstream lineage.
func (m *Meta) RunsReading(ctx context.Context, context, repo, bundle string, limit int) ([]string, error) {
	if err := validateRef(context, repo); err != nil {
		return nil, err
	}
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	p := runReadsPrefix(context, repo, bundle)
	return scanKeys(m.fsm.db, p, prefixEnd(p), limit)
}

// scanKeys returns the key suffixes after lower's prefix p (up to limit,
// <= 0: all) of the keys in [p, upper).
func scanKeys(db *pebble.DB, p, upper []byte, limit int) ([]string, error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := []string{}
	for ok := it.First(); ok && (limit <= 0 || len(out) < limit); ok = it.Next() {
		out = append(out, string(it.Key()[len(p):]))
	}
	return out, it.Error()
}

func iterOpts(lower, upper []byte) *pebble.IterOptions {
	return &pebble.IterOptions{LowerBound: lower, UpperBound: upper}
}

// Sync makes this node's FSM at least as new as every write acknowledged
// before the call (the read barrier); reads with WithStale after it see
// that state or a newer one (a lineage walk's many reads cost one barrier).
func (m *Meta) Sync(ctx context.Context) error { return m.readBarrier(ctx) }
