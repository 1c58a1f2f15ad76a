package s3backend

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// completeCond completes a multipart upload under pre (casWrite).
func (b *Backend) completeCond(ctx context.Context, t target, key string, pre gateway.Precondition,
	complete func(*raftmeta.PutCondition) (raftmeta.DraftEntry, error)) (raftmeta.DraftEntry, error) {
	return b.casWrite(ctx, t, key, pre, complete)
}

// DeleteObjectIf implements gateway.ConditionalDeleter: DeleteObject on
// condition of the key's current object (If-Match: an ETag or *), checked
// by the Raft command that writes the tombstone.
func (b *Backend) DeleteObjectIf(ctx context.Context, id gateway.Identity, bucket, key string, pre gateway.Precondition) error {
	if pre.Empty() {
		return b.DeleteObject(ctx, id, bucket, key)
	}
	t, err := b.resolve(ctx, id, bucket, model.PermWrite)
	if err != nil {
		return err
	}
	if validKey(key) != nil {
		return fmt.Errorf("%w: %s", gateway.ErrNoSuchKey, key) // such a key cannot exist
	}
	_, err = b.casWrite(ctx, t, key, pre, func(cond *raftmeta.PutCondition) (raftmeta.DraftEntry, error) {
		return raftmeta.DraftEntry{}, b.meta.DeleteDraftIf(ctx, t.Context, t.Repo, key, cond)
	})
	return mapErr(err, gateway.ErrNoSuchBucket)
}

// casWrite runs write under pre. As for conditional PUTs (writeDraft),
// the condition is evaluated against the key's head as
// read now and turned into the one the Raft command checks atomically
// (If-Match <current ETag>, or If-None-Match * when the key is absent),
// which makes the completion a compare-and-swap; when the head moved in
// between (another writer, or the label's bundle), it is read again.
func (b *Backend) casWrite(ctx context.Context, t target, key string, pre gateway.Precondition,
	write func(*raftmeta.PutCondition) (raftmeta.DraftEntry, error)) (raftmeta.DraftEntry, error) {
	im, inm := unquote(pre.IfMatch), unquote(pre.IfNoneMatch)
	if err := checkCondSyntax(gateway.PutMeta{IfMatch: im, IfNoneMatch: inm}); err != nil {
		return raftmeta.DraftEntry{}, err
	}
	var lastErr error
	for range 4 * b.cfg.CondRetries { // each lost race means another writer won
		o, err := b.lookup(ctx, t, key)
		exists := err == nil
		if err != nil && !errors.Is(err, gateway.ErrNoSuchKey) {
			return raftmeta.DraftEntry{}, err
		}
		var m gateway.PutMeta
		switch {
		case im != "" && !exists:
			return raftmeta.DraftEntry{}, fmt.Errorf("%w: %s (If-Match)", gateway.ErrNoSuchKey, key)
		case im != "" && im != "*" && im != o.info.ETag:
			return raftmeta.DraftEntry{}, fmt.Errorf("%w: %s does not have ETag %s", gateway.ErrPreconditionFailed, key, im)
		case inm == "*" && exists, inm != "" && exists && o.info.ETag == inm:
			return raftmeta.DraftEntry{}, fmt.Errorf("%w: %s has ETag %s (If-None-Match)", gateway.ErrPreconditionFailed, key, o.info.ETag)
		case exists:
			m.IfMatch = o.info.ETag
		default:
			m.IfNoneMatch = "*"
		}
		cond, err := b.condition(ctx, t, key, m)
		if err != nil {
			return raftmeta.DraftEntry{}, err
		}
		e, err := write(cond)
		if !errors.Is(err, raftmeta.ErrBaseMoved) && !errors.Is(mapErr(err, nil), gateway.ErrPreconditionFailed) {
			return e, err
		}
		lastErr = mapErr(err, nil) // the head changed since it was read
	}
	return raftmeta.DraftEntry{}, lastErr
}

var (
	_ gateway.ConditionalCompleter = (*Backend)(nil)
	_ gateway.ConditionalDeleter   = (*Backend)(nil)
)
