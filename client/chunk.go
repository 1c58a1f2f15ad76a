package client

import (
	"context"
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
