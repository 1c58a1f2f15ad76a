package transfer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// permanent reports errors a retry cannot fix.
func permanent(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrInvalid) ||
		errors.Is(err, model.ErrPermission) || errors.Is(err, model.ErrUnauthenticated) ||
		errors.Is(err, model.ErrPrecondition) || errors.Is(err, model.ErrNodesDown)
}

// retrying wraps a Store with bounded exponential backoff on transient errors
// and re-verifies the content of every chunk it returns.
type retrying struct {
	s   Store
	cfg Config
}

func (r retrying) do(ctx context.Context, what string, f func() error) error {
	wait := r.cfg.Backoff
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		if permanent(err) || r.cfg.Retries < 0 || attempt >= r.cfg.Retries || ctx.Err() != nil {
			return fmt.Errorf("transfer: %s: %w", what, err)
		}
		r.cfg.Logger.Warn("transfer: retrying", "op", what, "attempt", attempt+1, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("transfer: %s: %w (after %v)", what, ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, r.cfg.MaxBackoff)
	}
}

func (r retrying) PutChunk(ctx context.Context, data []byte) (chunk.ID, error) {
	want := chunk.Sum(data)
	err := r.do(ctx, "put chunk "+want.String(), func() error {
		got, err := r.s.PutChunk(ctx, data)
		if err == nil && got != want {
			return fmt.Errorf("store answered id %s: %w", got, model.ErrInvalid)
		}
		return err
	})
	return want, err
}

// PutChunks stores a batch: in one call per attempt when the store is a
// BatchPutter, else chunk by chunk. Every returned ID is checked.
func (r retrying) PutChunks(ctx context.Context, data [][]byte) error {
	bp, ok := r.s.(BatchPutter)
	if !ok {
		for _, d := range data {
			if _, err := r.PutChunk(ctx, d); err != nil {
				return err
			}
		}
		return nil
	}
	want := make([]chunk.ID, len(data))
	for i, d := range data {
		want[i] = chunk.Sum(d)
	}
	err := r.do(ctx, fmt.Sprintf("put %d chunks", len(data)), func() error {
		got, err := bp.PutChunks(ctx, data)
		if err != nil {
			return err
		}
		if len(got) != len(want) {
			return fmt.Errorf("store answered %d ids for %d chunks: %w", len(got), len(want), model.ErrInvalid)
		}
		for i := range got {
			if got[i] != want[i] {
				return fmt.Errorf("store answered id %s for %s: %w", got[i], want[i], model.ErrInvalid)
			}
		}
		return nil
	})
	if err != nil && ctx.Err() == nil && (errors.Is(err, model.ErrUnauthenticated) || errors.Is(err, model.ErrNotFound)) {
		// A server without the batch route (an older version) answers 401
		// or 404: send the chunks one by one, which also reports a real
		// authentication failure as such.
		r.cfg.Logger.Debug("transfer: chunk batches refused, sending chunks one by one", "err", err)
		for _, d := range data {
			if _, err := r.PutChunk(ctx, d); err != nil {
				return err
			}
		}
		return nil
	}
	return err
}

func (r retrying) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	var b []byte
	err := r.do(ctx, "get chunk "+id.String(), func() error {
		var err error
		b, err = r.s.GetChunk(ctx, id)
		if err == nil && chunk.Sum(b) != id {
			return fmt.Errorf("content hashes to %s", chunk.Sum(b))
		}
		return err
	})
	return b, err
}

func (r retrying) HasChunks(ctx context.Context, ids []chunk.ID) ([]bool, error) {
	var out []bool
	err := r.do(ctx, fmt.Sprintf("has %d chunks", len(ids)), func() error {
		var err error
		out, err = r.s.HasChunks(ctx, ids)
		if err == nil && len(out) != len(ids) {
			return fmt.Errorf("%d answers for %d ids: %w", len(out), len(ids), model.ErrInvalid)
		}
		return err
	})
	return out, err
}
