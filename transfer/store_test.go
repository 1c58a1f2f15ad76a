package transfer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// memStore is an in-memory chunk store: a real implementation of Store that
// verifies content against IDs. With discard it keeps only the IDs.
type memStore struct {
	mu       sync.Mutex
	m        map[chunk.ID][]byte
	discard  bool
	puts     atomic.Int64
	putBytes atomic.Int64
	// failFirst makes the first attempt of every distinct call fail
	// transiently (a node dying under it); the retry succeeds.
	failFirst bool
	tried     sync.Map
	// failPutsAfter makes every put after that many fail permanently-transiently (0: never).
	failPutsAfter int64
}

var errTransient = errors.New("memstore: transient failure")

func newMemStore() *memStore { return &memStore{m: map[chunk.ID][]byte{}} }

func (s *memStore) flaky(op string, id chunk.ID) error {
	if !s.failFirst {
		return nil
	}
	if _, seen := s.tried.LoadOrStore(op+id.String(), true); !seen {
		return errTransient
	}
	return nil
}

func (s *memStore) PutChunk(_ context.Context, data []byte) (chunk.ID, error) {
	if err := s.flaky("put", chunk.Sum(data)); err != nil {
		return chunk.ID{}, err
	}
	if s.failPutsAfter > 0 && s.puts.Load() >= s.failPutsAfter {
		return chunk.ID{}, errTransient
	}
	if len(data) == 0 {
		return chunk.ID{}, fmt.Errorf("empty chunk: %w", model.ErrInvalid)
	}
	id := chunk.Sum(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		s.puts.Add(1)
		s.putBytes.Add(int64(len(data)))
		if s.discard {
			s.m[id] = nil
		} else {
			s.m[id] = append([]byte(nil), data...)
		}
	}
	return id, nil
}

func (s *memStore) GetChunk(_ context.Context, id chunk.ID) ([]byte, error) {
	if err := s.flaky("get", id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	b, ok := s.m[id]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("chunk %s: %w", id, model.ErrNotFound)
	}
	if chunk.Sum(b) != id {
		return nil, fmt.Errorf("chunk %s corrupt", id)
	}
	return b, nil
}

func (s *memStore) HasChunks(_ context.Context, ids []chunk.ID) ([]bool, error) {
	if len(ids) > 0 {
		if err := s.flaky("has", ids[0]); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]bool, len(ids))
	for i, id := range ids {
		_, out[i] = s.m[id]
	}
	return out, nil
}

// memCommitter records committed bundles with sequential IDs.
type memCommitter struct {
	mu      sync.Mutex
	bundles []model.Bundle
	labels  map[string]string
}

func (c *memCommitter) CommitBundle(_ context.Context, b model.Bundle, label string) (model.Bundle, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b.ID = fmt.Sprintf("B%026d", len(c.bundles)+1)
	c.bundles = append(c.bundles, b)
	if label != "" {
		if c.labels == nil {
			c.labels = map[string]string{}
		}
		c.labels[label] = b.ID
	}
	return b, nil
}
