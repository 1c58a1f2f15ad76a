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
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
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
	if strings.Contains(m.IfNoneMatch, ",") || strings.Contains(m.IfMatch, ",") {
		return fmt.Errorf("%w: a conditional write takes one ETag (or *)", gateway.ErrNotImplemented)
	}
	return nil
}

func unquote(etag string) string { return strings.Trim(strings.TrimSpace(etag), `"`) }

// writeDraft records e in the draft under meta's precondition. If-Match *
// ("must exist") and If-None-Match <etag> ("must not be that version")
// are not conditions the Raft command knows: they are turned into the
// ones it does (If-Match <current etag>, or If-None-Match * when absent)
// against the head as read now, which makes the write a compare-and-swap;
// when the head moves in between, it is read again.
func (b *Backend) writeDraft(ctx context.Context, t target, e raftmeta.DraftEntry, meta gateway.PutMeta) (raftmeta.DraftEntry, error) {
	inm := unquote(meta.IfNoneMatch)
	if meta.IfMatch != "*" && (inm == "" || inm == "*") {
		return b.writeDraftCond(ctx, t, e, meta)
	}
	var lastErr error
	for range 4 * b.cfg.CondRetries { // each lost race means another writer won
		o, err := b.lookup(ctx, t, e.Path)
		exists := err == nil
		if err != nil && !errors.Is(err, gateway.ErrNoSuchKey) {
			return raftmeta.DraftEntry{}, err
		}
		m := meta
		m.IfMatch, m.IfNoneMatch = unquote(meta.IfMatch), ""
		switch {
		case m.IfMatch != "" && !exists:
			return raftmeta.DraftEntry{}, fmt.Errorf("%w: %s (If-Match)", gateway.ErrNoSuchKey, e.Path)
		case m.IfMatch != "" && m.IfMatch != "*" && m.IfMatch != o.info.ETag:
			return raftmeta.DraftEntry{}, fmt.Errorf("%w: %s does not have ETag %s", gateway.ErrPreconditionFailed, e.Path, m.IfMatch)
		case inm == "*" && exists, inm != "" && exists && o.info.ETag == inm:
			return raftmeta.DraftEntry{}, fmt.Errorf("%w: %s has ETag %s (If-None-Match)", gateway.ErrPreconditionFailed, e.Path, o.info.ETag)
		case exists:
			m.IfMatch = o.info.ETag
		default:
			m.IfNoneMatch = "*"
		}
		out, err := b.writeDraftCond(ctx, t, e, m)
		if !errors.Is(err, gateway.ErrPreconditionFailed) && !errors.Is(err, gateway.ErrNoSuchKey) {
			return out, err
		}
		lastErr = err // the head changed since it was read
	}
	return raftmeta.DraftEntry{}, lastErr
}

// writeDraftCond records e in the draft; with a precondition in meta it is
// checked atomically in the Raft command against the current head
// (draft entry, else the base bundle as read here, retried if the label moves).
func (b *Backend) writeDraftCond(ctx context.Context, t target, e raftmeta.DraftEntry, meta gateway.PutMeta) (raftmeta.DraftEntry, error) {
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
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
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
	attrs, cond := withoutUploadID(o.attrs), gateway.PutMeta{}
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
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
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

// withoutUploadID is a copy's attrs: the copy is not the upload's object.
func withoutUploadID(a map[string]string) map[string]string {
	if _, ok := a[attrUploadID]; !ok {
		return a
	}
	out := make(map[string]string, len(a))
	for k, v := range a {
		if k != attrUploadID {
			out[k] = v
		}
	}
	return out
}
