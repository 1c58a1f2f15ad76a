package api

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// BatchChunks is implemented by a Chunks service that stores many chunks in
// one call (cas.Service): each chunk gets Put's durability guarantee, and a
// nil error means every chunk of the batch is stored.
type BatchChunks interface {
	PutBatch(ctx context.Context, data [][]byte) ([]chunk.ID, error)
}

// EncodeChunkBatch frames chunks as a POST /v1/chunks/batch body: per chunk a
// big-endian uint32 length, then the bytes.
func EncodeChunkBatch(chunks [][]byte) []byte {
	n := 0
	for _, c := range chunks {
		n += 4 + len(c)
	}
	out := make([]byte, 0, n)
	for _, c := range chunks {
		out = binary.BigEndian.AppendUint32(out, uint32(len(c)))
		out = append(out, c...)
	}
	return out
}

// DecodeChunkBatch parses a POST /v1/chunks/batch body; the chunks alias b.
// Errors wrap model.ErrInvalid.
func DecodeChunkBatch(b []byte) ([][]byte, error) {
	var out [][]byte
	for off := 0; off < len(b); {
		if len(out) == MaxBatchChunks {
			return nil, fmt.Errorf("%w: chunk batch: more than %d chunks", model.ErrInvalid, MaxBatchChunks)
		}
		if len(b)-off < 4 {
			return nil, fmt.Errorf("%w: chunk batch: truncated length at byte %d", model.ErrInvalid, off)
		}
		n := binary.BigEndian.Uint32(b[off:])
		off += 4
		if uint64(n) > uint64(len(b)-off) {
			return nil, fmt.Errorf("%w: chunk batch: chunk %d claims %d bytes, %d left", model.ErrInvalid, len(out), n, len(b)-off)
		}
		out = append(out, b[off:off+int(n):off+int(n)])
		off += int(n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: chunk batch: no chunks", model.ErrInvalid)
	}
	return out, nil
}

// putChunks stores a batch of chunks (POST /v1/chunks/batch). The whole body
// is parsed before anything is stored: a malformed batch stores nothing.
func (s *Server) putChunks(ctx context.Context, r *request) error {
	if err := r.requireAny(model.PermWrite); err != nil {
		return err
	}
	chunks, err := DecodeChunkBatch(r.rc.Request.Body())
	if err != nil {
		return err
	}
	for i, c := range chunks {
		if len(c) > s.cfg.MaxChunkSize {
			return fmt.Errorf("%w: batch chunk %d: %d bytes, at most %d", ErrTooLarge, i, len(c), s.cfg.MaxChunkSize)
		}
	}
	var ids []chunk.ID
	if bc, ok := s.chunks.(BatchChunks); ok {
		ids, err = bc.PutBatch(ctx, chunks)
	} else {
		ids = make([]chunk.ID, len(chunks))
		for i, c := range chunks {
			if ids[i], err = s.chunks.Put(ctx, c); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("api: put %d chunks: %w", len(chunks), err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, PutChunksResponse{IDs: ids})
	return nil
}
