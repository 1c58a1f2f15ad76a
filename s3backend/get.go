package s3backend

import (
	"context"
	"fmt"
	"io"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// HeadObject implements gateway.Backend.
func (b *Backend) HeadObject(ctx context.Context, id gateway.Identity, bucket, key string) (gateway.ObjectInfo, error) {
	t, err := b.resolve(ctx, id, bucket, model.PermRead)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	o, err := b.lookup(ctx, t, key)
	return o.info, err
}

// GetObject implements gateway.Backend: it streams the chunks covering the
// range (all of them without one), fetching up to cfg.ReadAhead ahead.
func (b *Backend) GetObject(ctx context.Context, id gateway.Identity, bucket, key string, rng *gateway.Range) (gateway.ObjectInfo, io.ReadCloser, error) {
	t, err := b.resolve(ctx, id, bucket, model.PermRead)
	if err != nil {
		return gateway.ObjectInfo{}, nil, err
	}
	o, err := b.lookup(ctx, t, key)
	if err != nil {
		return gateway.ObjectInfo{}, nil, err
	}
	start, length := int64(0), o.info.Size
	if rng != nil {
		if rng.Start < 0 || rng.Length < 0 || rng.Start+rng.Length > o.info.Size || (rng.Start >= o.info.Size && o.info.Size > 0) {
			return o.info, nil, fmt.Errorf("%w: %d+%d of %d bytes", gateway.ErrInvalidRange, rng.Start, rng.Length, o.info.Size)
		}
		start, length = rng.Start, rng.Length
	}
	return o.info, b.newChunkReader(ctx, o.chunks, start, length), nil
}

// chunkReader streams [start, start+length) of a chunk list.
type chunkReader struct {
	b       *Backend
	ctx     context.Context
	cancel  context.CancelFunc
	chunks  []raftmeta.DraftChunk
	skip    int64 // bytes to drop from the first chunk
	left    int64 // bytes still to return
	pending []chan fetched
	next    int // index of the next chunk to launch
	cur     []byte
	err     error
}

type fetched struct {
	data []byte
	err  error
}

func (b *Backend) newChunkReader(ctx context.Context, cs []raftmeta.DraftChunk, start, length int64) *chunkReader {
	ctx, cancel := context.WithCancel(ctx)
	r := &chunkReader{b: b, ctx: ctx, cancel: cancel, left: length}
	if length == 0 {
		return r
	}
	off := int64(0)
	for i, c := range cs {
		end := off + int64(c.Size)
		if end > start && off < start+length {
			if len(r.chunks) == 0 {
				r.skip = start - off
			}
			r.chunks = append(r.chunks, cs[i])
		}
		off = end
	}
	return r
}

func (r *chunkReader) launch() {
	for r.next < len(r.chunks) && len(r.pending) <= r.b.cfg.ReadAhead {
		c := r.chunks[r.next]
		ch := make(chan fetched, 1)
		go func() {
			data, err := r.b.chunks.Get(r.ctx, c.ID)
			if err == nil && len(data) != int(c.Size) {
				err = fmt.Errorf("%w: %s has %d bytes, entry says %d", ErrCorruptChunk, c.ID, len(data), c.Size)
			}
			ch <- fetched{data, err}
		}()
		r.pending = append(r.pending, ch)
		r.next++
	}
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for len(r.cur) == 0 {
		if r.left == 0 {
			r.err = io.EOF
			return 0, io.EOF
		}
		r.launch()
		if len(r.pending) == 0 {
			r.err = fmt.Errorf("%w: chunk list shorter than the object", ErrCorruptChunk)
			return 0, r.err
		}
		f := <-r.pending[0]
		r.pending = r.pending[1:]
		if f.err != nil {
			r.err = fmt.Errorf("s3backend: read chunk: %w", f.err)
			return 0, r.err
		}
		r.cur = f.data[r.skip:]
		r.skip = 0
		if int64(len(r.cur)) > r.left {
			r.cur = r.cur[:r.left]
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	r.left -= int64(n)
	return n, nil
}

// Close stops outstanding fetches.
func (r *chunkReader) Close() error {
	r.cancel()
	r.err = io.ErrClosedPipe
	return nil
}
