package client

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/valyala/fasthttp"
)

// PutChunk stores data as one chunk and returns its ID. The body is sent
// unsigned (UNSIGNED-PAYLOAD); the client checks the ID the server reports.
func (c *Client) PutChunk(ctx context.Context, data []byte) (chunk.ID, error) {
	want := chunk.Sum(data)
	_, body, err := c.do(ctx, call{
		method: fasthttp.MethodPut, path: "/v1/chunks", body: data, unsigned: true, idempotent: true,
	})
	if err != nil {
		return chunk.ID{}, err
	}
	var out putChunkResponse
	if err := decode(body, &out); err != nil {
		return chunk.ID{}, err
	}
	if out.ID != want {
		return chunk.ID{}, fmt.Errorf("%w: server stored %s, content hashes to %s", ErrCorruptChunk, out.ID, want)
	}
	return out.ID, nil
}

// GetChunk fetches a chunk and verifies its content hashes to id; on a
// mismatch it tries the other endpoints (ErrCorruptChunk if all fail).
func (c *Client) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	_, body, err := c.do(ctx, call{
		method: fasthttp.MethodGet, path: "/v1/chunks/" + id.String(), idempotent: true,
		check: func(b []byte) error {
			if got := chunk.Sum(b); got != id {
				return fmt.Errorf("%w: %s: got content of %s", ErrCorruptChunk, id, got)
			}
			return nil
		},
	})
	return body, err
}

// HasChunks reports, index by index, which chunks the cluster holds.
func (c *Client) HasChunks(ctx context.Context, ids []chunk.ID) ([]bool, error) {
	if len(ids) == 0 {
		return []bool{}, nil
	}
	var out hasResponse
	if err := c.sendJSON(ctx, fasthttp.MethodPost, "/v1/chunks/has", true, hasRequest{IDs: ids}, &out); err != nil {
		return nil, err
	}
	if len(out.Present) != len(ids) {
		return nil, fmt.Errorf("%w: has: %d answers for %d ids", ErrProtocol, len(out.Present), len(ids))
	}
	return out.Present, nil
}

// PutChunks stores many chunks in one request (POST /v1/chunks/batch) and
// returns their IDs in order; nil error means every chunk is stored with
// PutChunk's guarantee. The body is sent unsigned; the client checks every
// ID the server reports. Keep batches well under the server's body limit
// (32 MiB by default) and at most MaxBatchChunks chunks.
func (c *Client) PutChunks(ctx context.Context, chunks [][]byte) ([]chunk.ID, error) {
	if len(chunks) == 0 {
		return []chunk.ID{}, nil
	}
	want := make([]chunk.ID, len(chunks))
	for i, d := range chunks {
		want[i] = chunk.Sum(d)
	}
	_, body, err := c.do(ctx, call{
		method: fasthttp.MethodPost, path: "/v1/chunks/batch", body: encodeChunkBatch(chunks), unsigned: true, idempotent: true,
	})
	if err != nil {
		return nil, err
	}
	var out putChunksResponse
	if err := decode(body, &out); err != nil {
		return nil, err
	}
	if len(out.IDs) != len(want) {
		return nil, fmt.Errorf("%w: put batch: %d ids for %d chunks", ErrProtocol, len(out.IDs), len(want))
	}
	for i, id := range out.IDs {
		if id != want[i] {
			return nil, fmt.Errorf("%w: batch chunk %d: server stored %s, content hashes to %s", ErrCorruptChunk, i, id, want[i])
		}
	}
	return want, nil
}

// MaxBatchChunks is the most chunks the server accepts in one PutChunks.
const MaxBatchChunks = 4096

type putChunksResponse struct {
	IDs []chunk.ID `json:"ids"`
}

// encodeChunkBatch frames chunks as the batch body: per chunk a big-endian
// uint32 length, then the bytes (api.DecodeChunkBatch).
func encodeChunkBatch(chunks [][]byte) []byte {
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
