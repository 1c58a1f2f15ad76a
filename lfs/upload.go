package lfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// upload answers PUT …/objects/<oid>: the body is cut into chunks and
// stored while its SHA-256 is computed; the object becomes visible (one
// Raft command) only if the hash is the OID and the length the size.
func (s *Server) upload(ctx context.Context, r *req) error {
	oid := r.rest[1]
	if !model.ValidLFSOID(oid) {
		return fmt.Errorf("%w: invalid OID %q", ErrBadRequest, oid)
	}
	g, tokened, err := s.transferAuth(ctx, r, "upload", oid, model.PermWrite)
	if err != nil {
		return err
	}
	cl := int64(r.rc.Request.Header.ContentLength())
	size := g.Size
	if !tokened {
		if cl < 0 {
			return fmt.Errorf("%w: an upload without a transfer token needs a Content-Length", ErrBadRequest)
		}
		size = cl
	}
	if cl >= 0 && cl != size {
		return fmt.Errorf("%w: Content-Length %d, object size %d", ErrMismatch, cl, size)
	}
	if size > s.cfg.MaxObjectSize {
		return fmt.Errorf("%w: size %d exceeds the limit of %d bytes", ErrBadRequest, size, s.cfg.MaxObjectSize)
	}
	if err := s.requireRepo(ctx, r); err != nil {
		return err
	}
	// Never Request.Body() first: on a streaming server it reads it all.
	var body io.Reader = r.rc.RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(r.rc.Request.Body())
	}
	st, err := s.store(ctx, body, size)
	if err != nil {
		r.rc.SetConnectionClose() // the rest of the body was not read
		return err
	}
	if got := hex.EncodeToString(st.sum); got != oid {
		return fmt.Errorf("%w: the body's SHA-256 is %s, not the OID %s", ErrMismatch, got, oid)
	}
	if _, err := s.meta.PutLFSObject(r.stamp(ctx), r.context, r.repo, model.LFSObject{OID: oid, Size: size, Chunks: st.chunks}); err != nil {
		return err
	}
	s.log.Debug("lfs object stored", "repo", r.context+"/"+r.repo, "oid", oid, "size", size,
		"chunks", len(st.chunks), "new_chunks", st.newChunks)
	r.rc.SetStatusCode(fasthttp.StatusOK)
	return nil
}

// storedBody is a body stored as chunks.
type storedBody struct {
	chunks    []model.LFSChunk
	sum       []byte
	newChunks int
}

// store cuts exactly size bytes of body into chunks and stores the ones
// the cluster lacks, PutParallelism at a time. A body shorter or longer
// than size: ErrMismatch, nothing kept track of (stored chunks are
// garbage the cluster GC reclaims).
func (s *Server) store(ctx context.Context, body io.Reader, size int64) (storedBody, error) {
	hr := &chunk.HashReader{R: io.LimitReader(body, size+1), H: sha256.New()}
	pieces, fresh, err := chunk.StoreStream(ctx, hr, s.cfg.Chunker, s.cfg.PutParallelism, model.LFSMaxChunks, s.putChunk)
	switch {
	case errors.Is(err, chunk.ErrRead):
		return storedBody{}, fmt.Errorf("%w: read body: %v", ErrMismatch, err)
	case errors.Is(err, chunk.ErrTooManyChunks):
		return storedBody{}, fmt.Errorf("%w: body longer than the object size %d", ErrMismatch, size)
	case err != nil:
		return storedBody{}, err
	}
	out := make([]model.LFSChunk, len(pieces))
	for i, pc := range pieces {
		out[i] = model.LFSChunk{ID: pc.ID, Size: pc.Size}
	}
	if hr.N != size {
		return storedBody{}, fmt.Errorf("%w: got %d bytes, the object size is %d", ErrMismatch, hr.N, size)
	}
	return storedBody{chunks: out, sum: hr.H.Sum(nil), newChunks: fresh}, nil
}

// putChunk stores a chunk unless the cluster has it (reports whether it sent it).
func (s *Server) putChunk(ctx context.Context, id chunk.ID, data []byte) (bool, error) {
	if has, err := s.chunks.Has(ctx, []chunk.ID{id}); err == nil && len(has) == 1 && has[0] {
		return false, nil
	}
	got, err := s.chunks.Put(ctx, data)
	if err != nil {
		return false, fmt.Errorf("lfs: put chunk %s: %w", id, err)
	}
	if got != id {
		return false, fmt.Errorf("lfs: chunk service stored %s as %s", id, got)
	}
	return true, nil
}
