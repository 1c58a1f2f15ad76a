package chunk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

var (
	// ErrRead wraps the error of the stream StoreStream reads.
	ErrRead = errors.New("chunk: read stream")
	// ErrTooManyChunks: the stream cut into more chunks than StoreStream's
	// limit allows.
	ErrTooManyChunks = errors.New("chunk: stream has too many chunks")
)

// Piece is one chunk of a stored stream, in stream order.
type Piece struct {
	ID   ID
	Size uint32
}

// PutFunc stores one chunk (data is the caller's to keep) and reports
// whether it sent it (false: the cluster had it already).
type PutFunc func(ctx context.Context, id ID, data []byte) (sent bool, err error)

// StoreStream cuts r into content-defined chunks and hands each to put,
// at most parallelism (≥ 1) at a time. It returns only once every put has
// returned: the pieces in stream order and how many chunks put sent. The
// first failure (of r: ErrRead; of put; more than maxChunks chunks when
// maxChunks > 0: ErrTooManyChunks; ctx) stops the rest and is returned.
// The gateway's object PUTs and the Git LFS uploads store bodies this way.
func StoreStream(ctx context.Context, r io.Reader, cfg ChunkerConfig, parallelism, maxChunks int, put PutFunc) ([]Piece, int, error) {
	ch, err := NewChunker(r, cfg)
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sent  int
		out   []Piece
		sem   = make(chan struct{}, max(parallelism, 1))
	)
	setErr := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
			cancel()
		}
	}
	for {
		c, err := ch.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			setErr(fmt.Errorf("%w: %w", ErrRead, err))
			break
		}
		if maxChunks > 0 && len(out) >= maxChunks {
			setErr(fmt.Errorf("%w: more than %d", ErrTooManyChunks, maxChunks))
			break
		}
		out = append(out, Piece{ID: c.ID, Size: uint32(len(c.Data))})
		data := bytes.Clone(c.Data)
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			setErr(ctx.Err())
			break
		}
		wg.Add(1)
		go func(id ID, data []byte) {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := put(ctx, id, data)
			if err != nil {
				setErr(err)
				return
			}
			if s {
				mu.Lock()
				sent++
				mu.Unlock()
			}
		}(c.ID, data)
	}
	wg.Wait()
	if first != nil {
		return nil, 0, first
	}
	return out, sent, nil
}
