package manifest

import (
	"context"
	"fmt"
	"sync"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// memStore is an in-memory content-addressed chunk store: a real
// implementation of both seams, counting reads.
type memStore struct {
	mu     sync.Mutex
	chunks map[chunk.ID][]byte
	gets   int
	putErr error
}

func newMemStore() *memStore { return &memStore{chunks: make(map[chunk.ID][]byte)} }

func (s *memStore) PutChunk(_ context.Context, data []byte) (chunk.ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.putErr != nil {
		return chunk.ID{}, s.putErr
	}
	id := chunk.Sum(data)
	s.chunks[id] = append([]byte(nil), data...)
	return id, nil
}

func (s *memStore) GetChunk(_ context.Context, id chunk.ID) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	b, ok := s.chunks[id]
	if !ok {
		return nil, fmt.Errorf("chunk %s: %w", id, model.ErrNotFound)
	}
	return b, nil
}

func (s *memStore) resetGets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.gets
	s.gets = 0
	return n
}
