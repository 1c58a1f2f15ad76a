package s3backend

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// mapUploadErr maps raftmeta's multipart sentinels to the gateway's.
func mapUploadErr(err error) error {
	for _, m := range []struct{ from, to error }{
		{raftmeta.ErrNoSuchUpload, gateway.ErrNoSuchUpload},
		{raftmeta.ErrInvalidPartOrder, gateway.ErrInvalidPartOrder},
		{raftmeta.ErrInvalidPart, gateway.ErrInvalidPart},
		{raftmeta.ErrEntityTooSmall, gateway.ErrEntityTooSmall},
	} {
		if errors.Is(err, m.from) {
			return fmt.Errorf("%w: %w", m.to, err)
		}
	}
	return mapErr(err, gateway.ErrNoSuchBucket)
}

// CreateMultipartUpload implements gateway.Backend.
func (b *Backend) CreateMultipartUpload(ctx context.Context, id gateway.Identity, bucket, key string, meta gateway.PutMeta) (string, error) {
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
	t, err := b.resolve(ctx, id, bucket, model.PermWrite)
	if err != nil {
		return "", err
	}
	if err := validKey(key); err != nil {
		return "", err
	}
	attrs, err := attrsOf(meta)
	if err != nil {
		return "", err
	}
	u, err := b.meta.CreateUpload(ctx, t.Context, t.Repo, raftmeta.Upload{Key: key, Attrs: attrs})
	if err != nil {
		return "", mapUploadErr(err)
	}
	return u.ID, nil
}

// upload resolves the bucket for writing and checks the upload is for key.
func (b *Backend) upload(ctx context.Context, id gateway.Identity, bucket, key, uploadID string, perm model.Permission) (target, error) {
	t, err := b.resolve(ctx, id, bucket, perm)
	if err != nil {
		return t, err
	}
	u, err := b.meta.GetUpload(ctx, t.Context, t.Repo, uploadID)
	if err != nil {
		return t, mapUploadErr(err)
	}
	if u.Key != key {
		return t, fmt.Errorf("%w: upload %s is for %q", gateway.ErrNoSuchUpload, uploadID, u.Key)
	}
	return t, nil
}

func checkPartNumber(n int) error {
	if n < 1 || n > raftmeta.MaxPartNumber {
		return fmt.Errorf("%w: part number %d not in 1..%d", gateway.ErrInvalidArgument, n, raftmeta.MaxPartNumber)
	}
	return nil
}

func partInfo(p raftmeta.UploadPart) gateway.Part {
	return gateway.Part{Number: p.Number, ETag: p.ETag, Size: p.Size, LastModified: time.Unix(0, p.MTime).UTC(), Checksums: p.Checksums}
}

// UploadPart implements gateway.Backend.
func (b *Backend) UploadPart(ctx context.Context, id gateway.Identity, bucket, key, uploadID string, number int, body io.Reader, size int64, contentMD5 []byte, checksums map[string]string) (gateway.Part, error) {
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
	if err := checkPartNumber(number); err != nil {
		return gateway.Part{}, err
	}
	t, err := b.upload(ctx, id, bucket, key, uploadID, model.PermWrite)
	if err != nil {
		return gateway.Part{}, err
	}
	s, err := b.storeBody(ctx, body, size, contentMD5)
	if err != nil {
		return gateway.Part{}, err
	}
	p, err := b.meta.PutPart(ctx, t.Context, t.Repo, uploadID,
		raftmeta.UploadPart{Number: number, ETag: s.etag(), Size: s.size, Chunks: s.chunks, Checksums: gateway.PartChecksums(checksums)})
	if err != nil {
		return gateway.Part{}, mapUploadErr(err)
	}
	return partInfo(p), nil
}

// UploadPartCopy implements gateway.Backend. Whole chunks inside the range
// are referenced, not copied; only the partial chunks at its edges are
// stored anew. The part's MD5 needs the range's bytes, so they are read
// (not written) unless the whole source is copied and has an MD5 ETag.
func (b *Backend) UploadPartCopy(ctx context.Context, id gateway.Identity, bucket, key, uploadID string, number int, srcBucket, srcKey string, rng *gateway.Range) (gateway.Part, error) {
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
	if err := checkPartNumber(number); err != nil {
		return gateway.Part{}, err
	}
	src, err := b.resolve(ctx, id, srcBucket, model.PermRead)
	if err != nil {
		return gateway.Part{}, err
	}
	t, err := b.upload(ctx, id, bucket, key, uploadID, model.PermWrite)
	if err != nil {
		return gateway.Part{}, err
	}
	o, err := b.lookup(ctx, src, srcKey)
	if err != nil {
		return gateway.Part{}, err
	}
	start, length := int64(0), o.info.Size
	if rng != nil {
		if rng.Start < 0 || rng.Length < 0 || rng.Start+rng.Length > o.info.Size {
			return gateway.Part{}, fmt.Errorf("%w: %d+%d of %d bytes", gateway.ErrInvalidRange, rng.Start, rng.Length, o.info.Size)
		}
		start, length = rng.Start, rng.Length
	}
	part := raftmeta.UploadPart{Number: number, Size: length}
	if start == 0 && length == o.info.Size && !strings.Contains(o.info.ETag, "-") {
		part.ETag, part.Chunks = o.info.ETag, o.chunks
	} else if part.ETag, part.Chunks, err = b.sliceChunks(ctx, o.chunks, start, length); err != nil {
		return gateway.Part{}, err
	}
	p, err := b.meta.PutPart(ctx, t.Context, t.Repo, uploadID, part)
	if err != nil {
		return gateway.Part{}, mapUploadErr(err)
	}
	return partInfo(p), nil
}

// sliceChunks returns the MD5 and chunk list of [start, start+length) of cs:
// whole chunks are reused, the partial edge chunks are stored as new chunks.
func (b *Backend) sliceChunks(ctx context.Context, cs []raftmeta.DraftChunk, start, length int64) (string, []raftmeta.DraftChunk, error) {
	h := md5.New()
	var out []raftmeta.DraftChunk
	off, end := int64(0), start+length
	for _, c := range cs {
		cEnd := off + int64(c.Size)
		if cEnd <= start || off >= end {
			off = cEnd
			continue
		}
		data, err := b.chunks.Get(ctx, c.ID)
		if err != nil {
			return "", nil, fmt.Errorf("s3backend: part copy: %w", err)
		}
		if len(data) != int(c.Size) {
			return "", nil, fmt.Errorf("%w: %s", ErrCorruptChunk, c.ID)
		}
		lo, hi := max(start-off, 0), min(end-off, int64(c.Size))
		piece := data[lo:hi]
		h.Write(piece)
		if lo == 0 && hi == int64(c.Size) {
			out = append(out, c)
		} else {
			id, err := b.chunks.Put(ctx, piece)
			if err != nil {
				return "", nil, fmt.Errorf("s3backend: part copy edge chunk: %w", err)
			}
			out = append(out, raftmeta.DraftChunk{ID: id, Size: uint32(len(piece))})
		}
		off = cEnd
	}
	return fmt.Sprintf("%x", h.Sum(nil)), out, nil
}

// ListParts implements gateway.Backend.
func (b *Backend) ListParts(ctx context.Context, id gateway.Identity, bucket, key, uploadID string, after, max int) ([]gateway.Part, bool, error) {
	t, err := b.upload(ctx, id, bucket, key, uploadID, model.PermRead)
	if err != nil {
		return nil, false, err
	}
	if max <= 0 || max > 1000 {
		max = 1000
	}
	ps, err := b.meta.ListParts(ctx, t.Context, t.Repo, uploadID, after, max+1)
	if err != nil {
		return nil, false, mapUploadErr(err)
	}
	truncated := len(ps) > max
	if truncated {
		ps = ps[:max]
	}
	out := make([]gateway.Part, len(ps))
	for i, p := range ps {
		out[i] = partInfo(p)
	}
	return out, truncated, nil
}

// CompleteMultipartUpload implements gateway.Backend: validation, the
// object's draft entry and the upload's removal are one Raft command.
func (b *Backend) CompleteMultipartUpload(ctx context.Context, id gateway.Identity, bucket, key, uploadID string, parts []gateway.Part) (gateway.ObjectInfo, error) {
	return b.CompleteMultipartUploadIf(ctx, id, bucket, key, uploadID, parts, gateway.Precondition{})
}

// CompleteMultipartUploadIf implements gateway.ConditionalCompleter: the
// condition is turned into one the Raft command checks atomically with
// the completion (completeCond, cond.go).
func (b *Backend) CompleteMultipartUploadIf(ctx context.Context, id gateway.Identity, bucket, key, uploadID string, parts []gateway.Part, pre gateway.Precondition) (gateway.ObjectInfo, error) {
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
	t, err := b.upload(ctx, id, bucket, key, uploadID, model.PermWrite)
	resent := errors.Is(err, gateway.ErrNoSuchUpload) && t.Repo != ""
	if err != nil && !resent {
		return gateway.ObjectInfo{}, err
	}
	if len(parts) == 0 {
		return gateway.ObjectInfo{}, fmt.Errorf("%w: no parts", gateway.ErrInvalidPart)
	}
	cps := make([]raftmeta.CompletePart, len(parts))
	for i, p := range parts {
		cps[i] = raftmeta.CompletePart{Number: p.Number, ETag: strings.ToLower(unquote(p.ETag))}
	}
	if resent {
		// The upload is gone: perhaps completed by an earlier attempt of
		// this request whose answer was lost (SDKs resend). The FSM
		// remembers completions and answers the same key and parts with
		// the first outcome, anything else with NoSuchUpload.
		e, err := b.meta.CompleteUpload(ctx, t.Context, t.Repo, uploadID, key, cps, b.cfg.MinPartSize, nil, nil)
		if err != nil {
			return gateway.ObjectInfo{}, mapUploadErr(err)
		}
		return fromDraft(e).info, nil
	}
	attrs, err := b.completeChecksums(ctx, t, uploadID, cps)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs[attrUploadID] = uploadID
	complete := func(cond *raftmeta.PutCondition) (raftmeta.DraftEntry, error) {
		return b.meta.CompleteUpload(ctx, t.Context, t.Repo, uploadID, key, cps, b.cfg.MinPartSize, cond, attrs)
	}
	var e raftmeta.DraftEntry
	if pre.Empty() {
		e, err = complete(nil)
	} else {
		e, err = b.completeCond(ctx, t, key, pre, complete)
	}
	if err != nil {
		return gateway.ObjectInfo{}, mapUploadErr(err)
	}
	return fromDraft(e).info, nil
}

// completeChecksums returns the attrs holding the object's checksums
// (gateway.MultipartChecksums) computed from the stored parts that are
// completed; nil when a part lacks checksums or its ETag differs from the
// requested one (the FSM then refuses the completion anyway).
func (b *Backend) completeChecksums(ctx context.Context, t target, uploadID string, cps []raftmeta.CompletePart) (map[string]string, error) {
	u, err := b.meta.GetUpload(ctx, t.Context, t.Repo, uploadID)
	if err != nil {
		return nil, mapUploadErr(err)
	}
	want := make(map[int]string, len(cps))
	for _, cp := range cps {
		want[cp.Number] = cp.ETag
	}
	got := make(map[int]gateway.Part, len(cps))
	for after := 0; ; {
		ps, err := b.meta.ListParts(ctx, t.Context, t.Repo, uploadID, after, 1000)
		if err != nil {
			return nil, mapUploadErr(err)
		}
		for _, p := range ps {
			if e, ok := want[p.Number]; ok {
				if e != p.ETag || len(p.Checksums) == 0 {
					return nil, nil
				}
				got[p.Number] = partInfo(p)
			}
			after = p.Number
		}
		if len(ps) < 1000 {
			break
		}
	}
	parts := make([]gateway.Part, 0, len(cps))
	for _, cp := range cps {
		p, ok := got[cp.Number]
		if !ok {
			return nil, nil
		}
		parts = append(parts, p)
	}
	hdrs := map[string]string{}
	for k, v := range u.Attrs {
		if h, ok := strings.CutPrefix(k, attrHdrPrefix); ok {
			hdrs[h] = v
		}
	}
	cs := gateway.MultipartChecksums(hdrs, parts)
	if cs == nil {
		return nil, nil
	}
	attrs := make(map[string]string, len(cs))
	for k, v := range cs {
		attrs[attrHdrPrefix+k] = v
	}
	return attrs, nil
}

// AbortMultipartUpload implements gateway.Backend.
func (b *Backend) AbortMultipartUpload(ctx context.Context, id gateway.Identity, bucket, key, uploadID string) error {
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
	t, err := b.upload(ctx, id, bucket, key, uploadID, model.PermWrite)
	if err != nil {
		return err
	}
	return mapUploadErr(b.meta.AbortUpload(ctx, t.Context, t.Repo, uploadID))
}

// ListMultipartUploads implements gateway.Backend (by key, then initiation).
func (b *Backend) ListMultipartUploads(ctx context.Context, id gateway.Identity, bucket, prefix string) ([]gateway.Upload, error) {
	t, err := b.resolve(ctx, id, bucket, model.PermRead)
	if err != nil {
		return nil, err
	}
	if t.ReadOnly() {
		return []gateway.Upload{}, nil
	}
	us, err := b.meta.ListUploads(ctx, t.Context, t.Repo)
	if err != nil {
		return nil, mapUploadErr(err)
	}
	out := []gateway.Upload{}
	for _, u := range us {
		if strings.HasPrefix(u.Key, prefix) {
			out = append(out, gateway.Upload{Key: u.Key, UploadID: u.ID, Initiated: u.Initiated})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
