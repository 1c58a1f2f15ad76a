package workload

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
)

// Set is a planned mixed data set.
type Set struct {
	Config Config
	Files  []File
}

// New plans a set.
func New(cfg Config) (*Set, error) {
	files, err := Plan(cfg)
	if err != nil {
		return nil, err
	}
	return &Set{Config: cfg, Files: files}, nil
}

// Total is the set's size in bytes (before mutation).
func (s *Set) Total() int64 { return TotalSize(s.Files) }

// Generate writes every file of the set under dir using workers goroutines
// (minimum 1).
func (s *Set) Generate(ctx context.Context, dir string, workers int) error {
	return forEach(ctx, len(s.Files), workers, func(i int) error {
		f := s.Files[i]
		return writeFile(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Size, stream(f.Seed), nil)
	})
}

// stream returns the endless pseudo-random byte stream of seed.
func stream(seed uint64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	binary.LittleEndian.PutUint64(key[8:], 0x6461746d6f6e) // "datmon"
	return rand.NewChaCha8(key)
}

// insert is a block of new bytes placed before original offset At.
type insert struct {
	At   int64
	Size int64
	Seed uint64
}

// writeFile writes size bytes of src to path, with inserts (sorted by At)
// spliced in; the file is larger than size by the inserted bytes.
func writeFile(path string, size int64, src io.Reader, ins []insert) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("workload: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("workload: %w", err)
	}
	buf := make([]byte, 1<<20)
	var pos int64
	put := func(r io.Reader, n int64) error {
		_, err := io.CopyBuffer(f, io.LimitReader(r, n), buf)
		return err
	}
	for _, in := range ins {
		if err = put(src, in.At-pos); err != nil {
			break
		}
		pos = in.At
		if err = put(stream(in.Seed), in.Size); err != nil {
			break
		}
	}
	if err == nil {
		err = put(src, size-pos)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("workload: write %s: %w", path, err)
	}
	return nil
}

// forEach runs fn(0..n-1) on workers goroutines; the first error stops it.
func forEach(ctx context.Context, n, workers int, fn func(i int) error) error {
	workers = max(1, workers)
	next := make(chan int)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case err = <-errc:
			break feed
		case <-ctx.Done():
			err = fmt.Errorf("workload: %w", ctx.Err())
			break feed
		}
	}
	close(next)
	go func() { wg.Wait(); close(errc) }()
	for e := range errc {
		if err == nil {
			err = e
		}
	}
	return err
}
