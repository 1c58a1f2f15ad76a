package s3backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// PutObject implements gateway.Backend.
func (b *Backend) PutObject(ctx context.Context, id gateway.Identity, bucket, key string, body io.Reader, size int64, meta gateway.PutMeta) (gateway.ObjectInfo, error) {
	t, err := b.resolve(ctx, id, bucket, model.PermWrite)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	if err := validKey(key); err != nil {
		return gateway.ObjectInfo{}, err
	}
	attrs, err := attrsOf(meta)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	if err := checkCondSyntax(meta); err != nil {
		return gateway.ObjectInfo{}, err
	}
	s, err := b.storeBody(ctx, body, size, meta.ContentMD5)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	// Again: trailer checksums join meta.Headers once the body is read.
	if attrs, err = attrsOf(meta); err != nil {
		return gateway.ObjectInfo{}, err
	}
	e := raftmeta.DraftEntry{Path: key, Size: s.size, ETag: s.etag(), Chunks: s.chunks, Attrs: attrs}
	out, err := b.writeDraft(ctx, t, e, meta)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	return fromDraft(out).info, nil
}

func checkCondSyntax(m gateway.PutMeta) error {
	if m.IfNoneMatch != "" && m.IfNoneMatch != "*" {
		return fmt.Errorf("%w: If-None-Match other than * on a write", gateway.ErrNotImplemented)
	}
	return nil
}

func unquote(etag string) string { return strings.Trim(strings.TrimSpace(etag), `"`) }

// writeDraft records e in the draft; with a precondition in meta it is
// checked atomically in the Raft command against the current head
// (draft entry, else the base bundle as read here, retried if the label moves).
func (b *Backend) writeDraft(ctx context.Context, t target, e raftmeta.DraftEntry, meta gateway.PutMeta) (raftmeta.DraftEntry, error) {
	if meta.IfMatch == "" && meta.IfNoneMatch == "" {
		out, err := b.meta.PutDraft(ctx, t.Context, t.Repo, e, nil)
		return out, mapErr(err, gateway.ErrNoSuchBucket)
	}
	var lastErr error
	for range b.cfg.CondRetries {
		cond, err := b.condition(ctx, t, e.Path, meta)
		if err != nil {
			return raftmeta.DraftEntry{}, err
		}
		out, err := b.meta.PutDraft(ctx, t.Context, t.Repo, e, cond)
		if !errors.Is(err, raftmeta.ErrBaseMoved) {
			err = mapErr(err, gateway.ErrNoSuchBucket)
			if meta.IfMatch != "" && errors.Is(err, gateway.ErrPreconditionFailed) {
				// S3 answers If-Match on a missing key with NoSuchKey (404),
				// not PreconditionFailed; the Raft command does not say
				// which of the two failed, so look again.
				if _, lerr := b.lookup(ctx, t, e.Path); errors.Is(lerr, gateway.ErrNoSuchKey) {
					return raftmeta.DraftEntry{}, fmt.Errorf("%w: %s (If-Match)", gateway.ErrNoSuchKey, e.Path)
				}
			}
			return out, err
		}
		lastErr = err
	}
	return raftmeta.DraftEntry{}, mapErr(lastErr, gateway.ErrNoSuchBucket)
}

// condition evaluates the base side of a conditional write.
func (b *Backend) condition(ctx context.Context, t target, key string, meta gateway.PutMeta) (*raftmeta.PutCondition, error) {
	c := &raftmeta.PutCondition{IfMatch: unquote(meta.IfMatch), IfNoneMatch: meta.IfNoneMatch == "*", Label: t.label()}
	o, bundle, err := b.lookupBase(ctx, t, key)
	switch {
	case err == nil:
		c.BaseExists, c.BaseETag = true, o.info.ETag
	case !errors.Is(err, gateway.ErrNoSuchKey):
		return nil, err
	}
	c.BaseBundle = bundle
	return c, nil
}

// CopyObject implements gateway.Backend: the new entry points at the
// source's chunks, no data is copied.
func (b *Backend) CopyObject(ctx context.Context, id gateway.Identity, srcBucket, srcKey, dstBucket, dstKey string, meta *gateway.PutMeta) (gateway.ObjectInfo, error) {
	src, err := b.resolve(ctx, id, srcBucket, model.PermRead)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	dst, err := b.resolve(ctx, id, dstBucket, model.PermWrite)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	if err := validKey(dstKey); err != nil {
		return gateway.ObjectInfo{}, err
	}
	o, err := b.lookup(ctx, src, srcKey)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	attrs, cond := o.attrs, gateway.PutMeta{}
	if meta != nil {
		if attrs, err = attrsOf(*meta); err != nil {
			return gateway.ObjectInfo{}, err
		}
		if err := checkCondSyntax(*meta); err != nil {
			return gateway.ObjectInfo{}, err
		}
		cond = gateway.PutMeta{IfMatch: meta.IfMatch, IfNoneMatch: meta.IfNoneMatch}
	}
	e := raftmeta.DraftEntry{Path: dstKey, Size: o.info.Size, ETag: o.info.ETag, Chunks: o.chunks, Attrs: attrs}
	out, err := b.writeDraft(ctx, dst, e, cond)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	return fromDraft(out).info, nil
}

// DeleteObject implements gateway.Backend: a tombstone in the draft (none
// is written when the key exists neither in the draft nor in the base).
func (b *Backend) DeleteObject(ctx context.Context, id gateway.Identity, bucket, key string) error {
	t, err := b.resolve(ctx, id, bucket, model.PermWrite)
	if err != nil {
		return err
	}
	if validKey(key) != nil {
		return nil // such a key cannot exist
	}
	if _, err := b.lookup(ctx, t, key); errors.Is(err, gateway.ErrNoSuchKey) {
		return nil
	} else if err != nil {
		return err
	}
	return mapErr(b.meta.DeleteDraft(ctx, t.Context, t.Repo, key), gateway.ErrNoSuchBucket)
}
