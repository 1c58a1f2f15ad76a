package api

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Chunks are content addressed and not scoped to a repo: writing needs write
// permission on some repo, reading needs read on some repo.

func (s *Server) putChunk(ctx context.Context, r *request) error {
	if err := r.requireAny(model.PermWrite); err != nil {
		return err
	}
	// A zero-length body is a valid chunk: the content of an empty file.
	body := r.rc.Request.Body()
	if len(body) > s.cfg.MaxChunkSize {
		return fmt.Errorf("%w: chunk of %d bytes, at most %d", ErrTooLarge, len(body), s.cfg.MaxChunkSize)
	}
	// cas.Put computes the BLAKE3 ID itself; nothing from the client is trusted.
	id, err := s.chunks.Put(ctx, body)
	if err != nil {
		return fmt.Errorf("api: put chunk: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, PutChunkResponse{ID: id})
	return nil
}

func (s *Server) getChunk(ctx context.Context, r *request) error {
	if err := r.requireAny(model.PermRead); err != nil {
		return err
	}
	id, err := chunk.ParseID(r.params[0])
	if err != nil {
		return fmt.Errorf("%w: %v", model.ErrInvalid, err)
	}
	data, err := s.chunks.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("api: get chunk %s: %w", id, err)
	}
	r.rc.Response.Header.SetContentType("application/octet-stream")
	r.rc.Response.Header.Set("ETag", `"`+id.String()+`"`)
	r.rc.SetBody(data)
	return nil
}

func (s *Server) hasChunks(ctx context.Context, r *request) error {
	if err := r.requireAny(model.PermRead); err != nil {
		return err
	}
	var req HasRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if len(req.IDs) > MaxHasIDs {
		return fmt.Errorf("%w: %d ids, at most %d per request", model.ErrInvalid, len(req.IDs), MaxHasIDs)
	}
	present := []bool{}
	if len(req.IDs) > 0 {
		var err error
		if present, err = s.chunks.Has(ctx, req.IDs); err != nil {
			return fmt.Errorf("api: has chunks: %w", err)
		}
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, HasResponse{Present: present})
	return nil
}
