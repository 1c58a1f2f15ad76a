package raftmeta

import (
	"fmt"
	"maps"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
)

// execRun applies a run op; ok is false for other ops.
func (tx *txn) execRun(c *command) (out []byte, ok bool, err error) {
	if !isRunOp(c.Op) {
		return nil, false, nil
	}
	if err := c.Run.validate(c.Op); err != nil {
		return nil, true, err
	}
	switch c.Op {
	case opRunStart:
		out, err = tx.runStart(*c.Run.Start)
	case opRunExpire:
		out, err = tx.runExpire()
	default:
		out, err = tx.runChange(c.Op, c.Run)
	}
	return out, true, err
}

// resolveInput pins in to a bundle: a bundle ID of the repo, else a label
// of it (read in this command, so the pin is what the label pointed at when
// the command applied). Missing repo, bundle or label: model.ErrNotFound.
func (tx *txn) resolveInput(runCtx string, in model.InputRef) (model.RunInput, error) {
	c := in.Context
	if c == "" {
		c = runCtx
	}
	if err := tx.requireRepo(c, in.Repo); err != nil {
		return model.RunInput{}, fmt.Errorf("input %s: %w", in, err)
	}
	ri := model.RunInput{Context: c, Repo: in.Repo, Path: in.Path, At: tx.now}
	if ValidRunID(in.Ref) {
		ok, err := tx.exists(bundleKey(c, in.Repo, in.Ref))
		if err != nil {
			return ri, err
		}
		if ok {
			ri.Bundle, ri.Label = in.Ref, in.Label
			return ri, nil
		}
	}
	var l model.Label
	found, err := getJSON(tx.b, labelKey(c, in.Repo, in.Ref), &l)
	if err != nil {
		return ri, err
	}
	if !found {
		return ri, fmt.Errorf("%w: input %s: no bundle or label %q in %s/%s", model.ErrNotFound, in, in.Ref, c, in.Repo)
	}
	ri.Bundle, ri.Label = l.BundleID, in.Ref
	return ri, nil
}

func (tx *txn) runStart(s model.RunStart) ([]byte, error) {
	if ok, err := tx.exists(contextKey(s.Context)); err != nil || !ok {
		return nil, orErr(err, fmt.Errorf("%w: context %q", model.ErrNotFound, s.Context))
	}
	if s.External != "" {
		if ok, err := tx.exists(runExternalKey(s.External)); err != nil || ok {
			return nil, orErr(err, fmt.Errorf("%w: run with external ID %q", model.ErrExists, s.External))
		}
	}
	r := model.Run{
		ID: bundleID(tx.now.Unix(), tx.index, tx.data), Context: s.Context, Name: s.Name,
		Pipeline: s.Pipeline, Step: s.Step, Owner: s.Owner, Status: model.RunRunning, Started: tx.now,
		Params: s.Params, Code: s.Code, Env: s.Env, Tags: s.Tags, Lease: s.Lease, External: s.External,
	}
	if r.Lease > 0 {
		r.LeaseUntil = tx.now.Add(r.Lease)
	}
	for _, in := range s.Inputs {
		ri, err := tx.resolveInput(s.Context, in)
		if err != nil {
			return nil, err
		}
		r.Inputs = append(r.Inputs, ri)
	}
	for _, ri := range r.Inputs {
		_ = tx.b.Set(runReadsKey(ri.Context, ri.Repo, ri.Bundle, r.ID), nil, nil)
	}
	_ = tx.b.Set(runCtxKey(r.Context, r.ID), nil, nil)
	_ = tx.b.Set(runActiveKey(r.ID), nil, nil)
	if r.External != "" {
		tx.putJSON(runExternalKey(r.External), r.ID)
	}
	return tx.putJSON(runKey(r.ID), r), nil
}

// loadRun reads run id for a change by actor (its owner, or anyone with
// force). Unknown: model.ErrNotFound; someone else's: model.ErrPermission.
func (tx *txn) loadRun(id, actor string, force bool) (model.Run, error) {
	var r model.Run
	found, err := getJSON(tx.b, runKey(id), &r)
	if err != nil {
		return r, err
	}
	if !found {
		return r, fmt.Errorf("%w: run %s", model.ErrNotFound, id)
	}
	if !force && r.Owner != actor {
		return r, fmt.Errorf("%w: run %s belongs to %s", model.ErrPermission, id, r.Owner)
	}
	return r, nil
}

// errRunFinished is the refusal of a change to a finished run.
func errRunFinished(r model.Run) error {
	return fmt.Errorf("%w: run %s is %s (finished runs change only their tags and notes)", model.ErrPrecondition, r.ID, r.Status)
}

func (tx *txn) runChange(op string, c *runCmd) ([]byte, error) {
	r, err := tx.loadRun(c.ID, c.Actor, c.Force)
	if err != nil {
		return nil, err
	}
	if op == opRunUpdate {
		applyRunUpdate(&r, *c.Update)
		return tx.putJSON(runKey(r.ID), r), nil
	}
	if op == opRunFinish && r.Status == c.Status && r.Reason == c.Reason {
		return mustJSON(r), nil // the same finish again (a client's resend): already so
	}
	if r.Status.Finished() {
		return nil, errRunFinished(r)
	}
	switch op {
	case opRunMetrics:
		if err := tx.runMetrics(&r, c.Points); err != nil {
			return nil, err
		}
	case opRunInputs:
		for _, in := range c.Inputs {
			ri, err := tx.resolveInput(r.Context, in)
			if err != nil {
				return nil, err
			}
			if len(r.Inputs) >= model.RunMaxInputs {
				return nil, fmt.Errorf("%w: run %s has %d inputs already", model.ErrInvalid, r.ID, len(r.Inputs))
			}
			r.Inputs = append(r.Inputs, ri)
			_ = tx.b.Set(runReadsKey(ri.Context, ri.Repo, ri.Bundle, r.ID), nil, nil)
		}
	case opRunFinish:
		tx.finish(&r, c.Status, c.Reason)
	}
	if r.Lease > 0 && !r.Status.Finished() {
		r.LeaseUntil = tx.now.Add(r.Lease) // every change is a heartbeat
	}
	return tx.putJSON(runKey(r.ID), r), nil
}

func applyRunUpdate(r *model.Run, u model.RunUpdate) {
	if len(u.Tags) > 0 {
		tags := maps.Clone(r.Tags)
		if tags == nil {
			tags = map[string]string{}
		}
		for k, v := range u.Tags {
			if v == "" {
				delete(tags, k)
			} else {
				tags[k] = v
			}
		}
		if len(tags) == 0 {
			tags = nil
		}
		r.Tags = tags
	}
	if u.Notes != nil {
		r.Notes = *u.Notes
	}
}

func (tx *txn) runMetrics(r *model.Run, pts []model.MetricPoint) error {
	if r.Points+len(pts) > model.RunMaxPoints {
		return fmt.Errorf("%w: run %s would hold %d metric points, limit %d", model.ErrInvalid, r.ID, r.Points+len(pts), model.RunMaxPoints)
	}
	if r.Metrics == nil {
		r.Metrics = map[string]float64{}
	}
	for _, p := range pts {
		if _, ok := r.Metrics[p.Key]; !ok && len(r.Metrics) >= model.RunMaxMetricKeys {
			return fmt.Errorf("%w: run %s has %d metrics, limit %d", model.ErrInvalid, r.ID, len(r.Metrics), model.RunMaxMetricKeys)
		}
		p.Time = tx.now
		r.Metrics[p.Key] = p.Value
		tx.putJSON(runPointKey(r.ID, uint64(r.Points)), p)
		r.Points++
	}
	return nil
}

func (tx *txn) finish(r *model.Run, st model.RunStatus, reason string) {
	r.Status, r.Reason, r.Ended, r.LeaseUntil = st, reason, tx.now, time.Time{}
	_ = tx.b.Delete(runActiveKey(r.ID), nil)
}

// runExpire fails every running run whose lease ended before the
// command's (leader-stamped) time and returns them. Deterministic: it reads
// only the FSM and the command's time.
func (tx *txn) runExpire() ([]byte, error) {
	p := runActivePrefix()
	it, err := tx.b.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, err
	}
	var ids []string
	for ok := it.First(); ok; ok = it.Next() {
		ids = append(ids, string(it.Key()[len(p):]))
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	out := []model.Run{}
	for _, id := range ids {
		if len(out) >= MaxRunExpirePerCmd {
			break
		}
		var r model.Run
		found, err := getJSON(tx.b, runKey(id), &r)
		if err != nil {
			return nil, err
		}
		if !found || r.Status.Finished() || r.LeaseUntil.IsZero() || tx.now.Before(r.LeaseUntil) {
			continue
		}
		tx.finish(&r, model.RunFailed, fmt.Sprintf("lease expired: no heartbeat for %v", r.Lease))
		tx.putJSON(runKey(r.ID), r)
		out = append(out, r)
	}
	return mustJSON(out), nil
}

// attachOutput adds a committed bundle to the outputs of its run (commit
// of a bundle whose Run is set): the run must exist, be running and belong
// to the bundle's context.
func (tx *txn) attachOutput(b model.Bundle, label string) error {
	if err := ValidateRunID(b.Run); err != nil {
		return err
	}
	var r model.Run
	found, err := getJSON(tx.b, runKey(b.Run), &r)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: run %s (the bundle's producing run)", model.ErrNotFound, b.Run)
	}
	if r.Status.Finished() {
		return errRunFinished(r)
	}
	if r.Context != b.Context {
		return fmt.Errorf("%w: run %s is in context %s, the bundle in %s", model.ErrInvalid, r.ID, r.Context, b.Context)
	}
	if len(r.Outputs) >= model.RunMaxOutputs {
		return fmt.Errorf("%w: run %s has %d outputs already", model.ErrInvalid, r.ID, len(r.Outputs))
	}
	r.Outputs = append(r.Outputs, model.RunOutput{Context: b.Context, Repo: b.Repo, Bundle: b.ID, Label: label, At: tx.now})
	if r.Lease > 0 {
		r.LeaseUntil = tx.now.Add(r.Lease)
	}
	tx.putJSON(runKey(r.ID), r)
	return nil
}
