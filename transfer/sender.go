package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
)

// maxKnown bounds the set of chunk IDs an upload remembers as stored; past
// it the set is reset (a forgotten ID is only asked about again).
const maxKnown = 1 << 20

// sender is the chunk half of an upload: it chunks streams, asks HasChunks in
// batches, and hands missing chunks to a pool of put workers. Chunk data held
// anywhere in the pipeline is bounded by mem.
type sender struct {
	cfg   Config
	st    retrying
	mem   *budget
	puts  chan putJob
	wg    sync.WaitGroup
	fail  *firstErr
	track *tracker

	mu    sync.Mutex
	known map[chunk.ID]struct{}

	// small collects small chunks of all files until a batch is full.
	smallMu    sync.Mutex
	small      []putJob
	smallBytes int
}

// putJob is one chunk to check and send, or (batch != nil) a batch of
// missing chunks to store in one PutChunks; size is the budget it holds.
// owner (owners for a batch) is the file each chunk belongs to: its
// progress moves when the put is acknowledged.
type putJob struct {
	id     chunk.ID
	data   []byte
	owner  *fileProgress
	batch  [][]byte
	owners []*fileProgress
	size   int64
}

// fileProgress counts what one file still waits for: its chunking (one
// token) and every put of a chunk it introduced. The upload's progress
// counts a chunk's bytes once the store has it (already stored, or the put
// acknowledged) and the file once nothing is left, so the bar never shows
// as done what is not yet durable.
type fileProgress struct {
	left  atomic.Int64
	track *tracker
}

func newFileProgress(t *tracker) *fileProgress {
	f := &fileProgress{track: t}
	f.left.Store(1)
	return f
}

// stored counts n bytes of the file as stored and releases one wait.
func (f *fileProgress) stored(n int64) {
	f.track.bytes.Add(n)
	f.done()
}

// done releases one wait; the last one counts the file.
func (f *fileProgress) done() {
	if f.left.Add(-1) == 0 {
		f.track.files.Add(1)
	}
}

// newSender starts cfg.Concurrency put workers; ctx must be cancelled by
// fail on the first error. Call wait to stop them.
func newSender(ctx context.Context, cfg Config, st retrying, fail *firstErr, t *tracker) *sender {
	s := &sender{cfg: cfg, st: st, mem: newBudget(cfg.MaxInFlight), puts: make(chan putJob),
		fail: fail, track: t, known: map[chunk.ID]struct{}{}}
	for range cfg.Concurrency {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for j := range s.puts {
				if ctx.Err() == nil {
					if j.batch != nil {
						if err := s.st.PutChunks(ctx, j.batch); err != nil {
							s.fail.set(err)
						} else {
							s.track.chunksNew.Add(int64(len(j.batch)))
							s.track.bytesNew.Add(j.size)
							for i, o := range j.owners {
								o.stored(int64(len(j.batch[i])))
							}
						}
					} else if _, err := s.st.PutChunk(ctx, j.data); err != nil {
						s.fail.set(err)
					} else {
						s.track.chunksNew.Add(1)
						s.track.bytesNew.Add(int64(len(j.data)))
						j.owner.stored(int64(len(j.data)))
					}
				}
				s.mem.release(j.size)
			}
		}()
	}
	return s
}

// wait sends the last small-chunk batch and stops the put workers after
// every queued chunk was handled.
func (s *sender) wait(ctx context.Context) {
	if err := s.flushSmall(ctx, true); err != nil {
		s.fail.set(err)
	}
	close(s.puts)
	s.wg.Wait()
}

// markKnown records id; it reports false if id was already known.
func (s *sender) markKnown(id chunk.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.known[id]; ok {
		return false
	}
	if len(s.known) >= maxKnown {
		clear(s.known)
	}
	s.known[id] = struct{}{}
	return true
}

func (s *sender) isKnown(id chunk.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.known[id]
	return ok
}

// send chunks r and queues every chunk the store lacks. It returns the
// file's chunk list; the file counts as done in the progress once every
// put it queued is acknowledged. Errors reading r wrap ErrSourceFile.
func (s *sender) send(ctx context.Context, rel string, r io.Reader) ([]manifest.ChunkRef, error) {
	var refs []manifest.ChunkRef
	var pend []putJob
	fp := newFileProgress(s.track)
	err := s.chunks(r, func(c chunk.Chunk) error {
		refs = append(refs, manifest.ChunkRef{ID: c.ID, Size: uint32(len(c.Data))})
		if s.isKnown(c.ID) {
			s.track.bytes.Add(int64(len(c.Data)))
			return nil
		}
		fp.left.Add(1)
		n := int64(len(c.Data))
		if !s.mem.tryAcquire(n) {
			if err := s.flush(ctx, &pend); err != nil {
				return err
			}
			// The shared small batch holds budget too: send it while
			// waiting, as other files may keep adding to it.
			for {
				if err := s.flushSmall(ctx, true); err != nil {
					return err
				}
				ok, err := s.mem.acquireWithin(ctx, n, 50*time.Millisecond)
				if err != nil {
					return err
				}
				if ok {
					break
				}
			}
		}
		j := putJob{id: c.ID, data: bytes.Clone(c.Data), owner: fp, size: n}
		if len(c.Data) <= s.cfg.SmallChunk {
			return s.addSmall(ctx, j)
		}
		pend = append(pend, j)
		if len(pend) >= s.cfg.HasBatch {
			return s.flush(ctx, &pend)
		}
		return nil
	})
	if err == nil {
		err = s.flush(ctx, &pend)
	}
	if err == nil {
		fp.done() // chunking finished: the file now waits only for its puts
	}
	for _, j := range pend { // only on error
		s.mem.release(j.size)
	}
	if err != nil && !errors.Is(err, ErrSourceFile) && ctx.Err() == nil {
		err = fmt.Errorf("transfer: upload %q: %w", rel, err)
	}
	return refs, err
}

// addSmall adds j (its budget acquired) to the shared small-chunk batch and
// sends the batch once it is full.
func (s *sender) addSmall(ctx context.Context, j putJob) error {
	s.smallMu.Lock()
	s.small = append(s.small, j)
	s.smallBytes += len(j.data)
	s.smallMu.Unlock()
	return s.flushSmall(ctx, false)
}

// flushSmall takes the shared small-chunk batch when it is full (or, with
// force, when it holds anything), asks which of its chunks are missing and
// queues those as one PutChunks job.
func (s *sender) flushSmall(ctx context.Context, force bool) error {
	s.smallMu.Lock()
	if len(s.small) == 0 || (!force && len(s.small) < s.cfg.HasBatch && s.smallBytes < s.cfg.BatchBytes) {
		s.smallMu.Unlock()
		return nil
	}
	pend := s.small
	s.small, s.smallBytes = nil, 0
	s.smallMu.Unlock()
	defer func() {
		for _, j := range pend { // only on error
			s.mem.release(j.size)
		}
	}()
	ids := make([]chunk.ID, len(pend))
	for i, j := range pend {
		ids[i] = j.id
	}
	has, err := s.st.HasChunks(ctx, ids)
	if err != nil {
		return err
	}
	batch := putJob{}
	for i, j := range pend {
		if has[i] || !s.markKnown(j.id) {
			s.mem.release(j.size)
			j.owner.stored(int64(len(j.data)))
			continue
		}
		batch.batch = append(batch.batch, j.data)
		batch.owners = append(batch.owners, j.owner)
		batch.size += j.size
	}
	pend = nil
	if batch.batch == nil {
		return nil
	}
	select {
	case s.puts <- batch:
		return nil
	case <-ctx.Done():
		s.mem.release(batch.size)
		return ctx.Err()
	}
}

// flush asks which pending chunks are missing and queues those.
func (s *sender) flush(ctx context.Context, pend *[]putJob) error {
	if len(*pend) == 0 {
		return nil
	}
	ids := make([]chunk.ID, len(*pend))
	for i, j := range *pend {
		ids[i] = j.id
	}
	has, err := s.st.HasChunks(ctx, ids)
	if err != nil {
		return err
	}
	for i, j := range *pend {
		fresh := s.markKnown(j.id)
		if has[i] || !fresh {
			s.mem.release(int64(len(j.data)))
			j.owner.stored(int64(len(j.data)))
			(*pend)[i].data = nil
			continue
		}
		select {
		case s.puts <- j:
		case <-ctx.Done():
			for _, k := range (*pend)[i:] {
				s.mem.release(int64(len(k.data)))
			}
			*pend = (*pend)[:0]
			return ctx.Err()
		}
		(*pend)[i].data = nil
	}
	*pend = (*pend)[:0]
	return nil
}

// chunks cuts r into content-defined chunks. Short streams (<= chunker Min)
// are one chunk and skip the chunker's 2×Max buffer.
func (s *sender) chunks(r io.Reader, fn func(chunk.Chunk) error) error {
	head := make([]byte, s.cfg.Chunker.Min+1)
	n, err := io.ReadFull(r, head)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if n == 0 {
			return nil
		}
		return fn(chunk.Chunk{Data: head[:n], ID: chunk.Sum(head[:n])})
	case err != nil:
		return fmt.Errorf("%w: %w", ErrSourceFile, err)
	}
	ch, err := chunk.NewChunker(io.MultiReader(bytes.NewReader(head), r), s.cfg.Chunker)
	if err != nil {
		return err
	}
	for {
		c, err := ch.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrSourceFile, err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
}
