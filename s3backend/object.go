package s3backend

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"lukechampine.com/blake3"
)

// Attribute keys in draft entries and manifest.Entry.Attrs.
const (
	attrETag        = "etag"
	attrContentType = "content-type"
	attrMetaPrefix  = "meta:"
	attrHdrPrefix   = "hdr:"
	attrUploadID    = "upload-id" // the multipart upload that made the object
	attrTagPrefix   = "tag:"
)

// object is a resolved file: its S3 description and its chunks.
type object struct {
	info   gateway.ObjectInfo
	chunks []raftmeta.DraftChunk
	attrs  map[string]string // content type, user meta, headers (no etag)
}

// attrsOf encodes PutMeta's content type, user metadata and headers.
func attrsOf(m gateway.PutMeta) (map[string]string, error) {
	a := map[string]string{}
	if m.ContentType != "" {
		a[attrContentType] = m.ContentType
	}
	for k, v := range m.UserMeta {
		a[attrMetaPrefix+strings.ToLower(k)] = v
	}
	for k, v := range m.Headers {
		a[attrHdrPrefix+k] = v
	}
	for k, v := range m.Tags {
		a[attrTagPrefix+k] = v
	}
	if err := manifest.ValidateAttrs(withETag(a, strings.Repeat("0", 40))); err != nil {
		return nil, fmt.Errorf("%w: metadata too large: %v", gateway.ErrInvalidArgument, err)
	}
	if len(a) == 0 {
		return nil, nil
	}
	return a, nil
}

func withETag(a map[string]string, etag string) map[string]string {
	out := make(map[string]string, len(a)+1)
	for k, v := range a {
		out[k] = v
	}
	out[attrETag] = etag
	return out
}

// info fills an ObjectInfo from attrs.
func info(key string, size, mtime int64, etag string, a map[string]string) gateway.ObjectInfo {
	oi := gateway.ObjectInfo{Key: key, Size: size, ETag: etag, LastModified: time.Unix(0, mtime).UTC()}
	for k, v := range a {
		switch {
		case k == attrContentType:
			oi.ContentType = v
		case k == attrUploadID:
			oi.UploadID = v
		case strings.HasPrefix(k, attrTagPrefix):
			if oi.Tags == nil {
				oi.Tags = map[string]string{}
			}
			oi.Tags[k[len(attrTagPrefix):]] = v
		case strings.HasPrefix(k, attrMetaPrefix):
			if oi.UserMeta == nil {
				oi.UserMeta = map[string]string{}
			}
			oi.UserMeta[k[len(attrMetaPrefix):]] = v
		case strings.HasPrefix(k, attrHdrPrefix):
			if oi.Headers == nil {
				oi.Headers = map[string]string{}
			}
			oi.Headers[k[len(attrHdrPrefix):]] = v
		}
	}
	if oi.ContentType == "" {
		oi.ContentType = "application/octet-stream"
	}
	return oi
}

func fromDraft(e raftmeta.DraftEntry) object {
	return object{info: info(e.Path, e.Size, e.MTime, e.ETag, e.Attrs), chunks: e.Chunks, attrs: e.Attrs}
}

func fromEntry(e manifest.Entry) object {
	o := object{chunks: make([]raftmeta.DraftChunk, len(e.Chunks))}
	for i, c := range e.Chunks {
		o.chunks[i] = raftmeta.DraftChunk{ID: c.ID, Size: c.Size}
	}
	etag := e.Attrs[attrETag]
	if etag == "" {
		etag = syntheticETag(o.chunks)
	}
	for k, v := range e.Attrs {
		if k != attrETag {
			if o.attrs == nil {
				o.attrs = map[string]string{}
			}
			o.attrs[k] = v
		}
	}
	o.info = info(e.Path, e.Size, e.MTime, etag, o.attrs)
	return o
}

// syntheticETag is the ETag of a file without an MD5 (uploaded by the CLI):
// 16 bytes of BLAKE3 over its chunk IDs, "-<chunk count>" so clients do not
// take it for an MD5.
func syntheticETag(cs []raftmeta.DraftChunk) string {
	h := blake3.New(32, nil)
	for _, c := range cs {
		h.Write(c.ID[:])
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(h.Sum(nil)[:16]), max(len(cs), 1))
}

// validKey checks an object key is a datamon path.
func validKey(key string) error {
	if err := manifest.ValidatePath(key); err != nil {
		return fmt.Errorf("%w: key %q: %v", gateway.ErrInvalidArgument, key, err)
	}
	return nil
}

// lookup finds key in the target's head: the draft first (a tombstone
// hides the base), then the base bundle. Reading the draft before the label
// keeps a concurrent commit from hiding the object.
func (b *Backend) lookup(ctx context.Context, t target, key string) (object, error) {
	if err := validKey(key); err != nil {
		return object{}, fmt.Errorf("%w: %w", gateway.ErrNoSuchKey, err)
	}
	if t.draft {
		e, err := b.meta.GetDraftEntry(ctx, t.Context, t.Repo, key)
		switch {
		case err == nil && e.Deleted:
			return object{}, fmt.Errorf("%w: %s (deleted in draft)", gateway.ErrNoSuchKey, key)
		case err == nil:
			return fromDraft(e), nil
		case !errors.Is(err, model.ErrNotFound):
			return object{}, err
		}
	}
	o, _, err := b.lookupBase(ctx, t, key)
	return o, err
}

// lookupBase finds key in the target's base bundle; also returns the
// bundle ID ("" if there is no base).
func (b *Backend) lookupBase(ctx context.Context, t target, key string) (object, string, error) {
	bu, ok, err := b.base(ctx, t)
	if err != nil {
		return object{}, "", err
	}
	if !ok {
		return object{}, "", fmt.Errorf("%w: %s", gateway.ErrNoSuchKey, key)
	}
	r, err := b.reader(ctx, bu)
	if err != nil {
		return object{}, bu.ID, err
	}
	e, err := r.Lookup(ctx, key)
	if errors.Is(err, manifest.ErrNotFound) || (err == nil && e.Type != manifest.File) {
		return object{}, bu.ID, fmt.Errorf("%w: %s", gateway.ErrNoSuchKey, key)
	}
	if err != nil {
		return object{}, bu.ID, err
	}
	return fromEntry(e), bu.ID, nil
}

// toEntry is the manifest entry of a draft object (commit).
func toEntry(e raftmeta.DraftEntry) manifest.Entry {
	me := manifest.Entry{Path: e.Path, Type: manifest.File, Size: e.Size, Mode: 0o644, MTime: e.MTime,
		Attrs: withETag(e.Attrs, e.ETag)}
	if len(e.Chunks) > 0 {
		me.Chunks = make([]manifest.ChunkRef, len(e.Chunks))
		for i, c := range e.Chunks {
			me.Chunks[i] = manifest.ChunkRef{ID: c.ID, Size: c.Size}
		}
	}
	return me
}
