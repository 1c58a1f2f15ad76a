package s3backend

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/raftmeta"
)

// stored is the result of streaming a body into the chunk service.
type stored struct {
	chunks []raftmeta.DraftChunk
	size   int64
	md5    []byte
}

func (s stored) etag() string { return hex.EncodeToString(s.md5) }

// storeBody cuts exactly size bytes of body into chunks and stores them,
// at most cfg.PutParallelism in flight, computing MD5 and size on the way.
// It returns only when every chunk is acknowledged; ErrIncompleteBody if
// body ends early, ErrBadDigest if contentMD5 (when set) differs.
func (b *Backend) storeBody(ctx context.Context, body io.Reader, size int64, contentMD5 []byte) (stored, error) {
	if size < 0 {
		return stored{}, fmt.Errorf("%w: negative size", gateway.ErrInvalidArgument)
	}
	cr := &chunk.HashReader{R: io.LimitReader(body, size), H: md5.New()}
	pieces, _, err := chunk.StoreStream(ctx, cr, b.cfg.Chunker, b.cfg.PutParallelism, 0, b.putChunk)
	if errors.Is(err, chunk.ErrRead) {
		return stored{}, fmt.Errorf("s3backend: read body: %w", err)
	}
	if err != nil {
		return stored{}, err
	}
	out := make([]raftmeta.DraftChunk, len(pieces))
	for i, pc := range pieces {
		out[i] = raftmeta.DraftChunk{ID: pc.ID, Size: pc.Size}
	}
	if cr.N < size {
		return stored{}, fmt.Errorf("%w: got %d of %d bytes", gateway.ErrIncompleteBody, cr.N, size)
	}
	s := stored{chunks: out, size: cr.N, md5: cr.H.Sum(nil)}
	if len(contentMD5) > 0 && !bytes.Equal(contentMD5, s.md5) {
		return stored{}, fmt.Errorf("%w: Content-MD5 %x, body %x", gateway.ErrBadDigest, contentMD5, s.md5)
	}
	return s, nil
}

// putChunk stores one chunk, skipping the upload when the cluster has it.
func (b *Backend) putChunk(ctx context.Context, id chunk.ID, data []byte) (bool, error) {
	if b.cfg.HasThreshold >= 0 && len(data) >= b.cfg.HasThreshold {
		if has, err := b.chunks.Has(ctx, []chunk.ID{id}); err == nil && len(has) == 1 && has[0] {
			return false, nil
		}
	}
	got, err := b.chunks.Put(ctx, data)
	if err != nil {
		return false, fmt.Errorf("s3backend: put chunk %s: %w", id, err)
	}
	if got != id {
		return false, fmt.Errorf("s3backend: chunk service stored %s as %s", id, got)
	}
	return true, nil
}
