package fusefs

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// dirStore is a real chunk store on local disk (one file per chunk), so a
// test's heap measures the mount, not the store.
type dirStore struct {
	dir  string
	gets atomic.Int64
}

func (s *dirStore) PutChunk(_ context.Context, data []byte) (chunk.ID, error) {
	id := chunk.Sum(data)
	return id, os.WriteFile(filepath.Join(s.dir, id.String()), data, 0o600)
}

func (s *dirStore) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	s.gets.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(s.dir, id.String()))
	if os.IsNotExist(err) {
		return nil, model.ErrNotFound
	}
	return b, err
}

func (s *dirStore) HasChunks(_ context.Context, ids []chunk.ID) ([]bool, error) {
	out := make([]bool, len(ids))
	for i, id := range ids {
		_, err := os.Stat(filepath.Join(s.dir, id.String()))
		out[i] = err == nil
	}
	return out, nil
}

func (s *dirStore) CommitBundle(_ context.Context, b model.Bundle, _ string) (model.Bundle, error) {
	b.ID = "committed"
	return b, nil
}
