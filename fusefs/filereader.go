package fusefs

import (
	"context"
	"sort"
	"sync"

	"github.com/datamon-io/datamon/manifest"
)

// fileReader reads one manifest file through a ChunkCache, reading ahead
// when accesses are sequential.
type fileReader struct {
	cache    *ChunkCache
	chunks   []manifest.ChunkRef
	offs     []int64 // offs[i] = offset of chunks[i]; offs[len] = size
	prefetch int

	mu      sync.Mutex
	lastEnd int64
}

func newFileReader(cache *ChunkCache, e manifest.Entry, prefetch int) *fileReader {
	offs := make([]int64, len(e.Chunks)+1)
	for i, c := range e.Chunks {
		offs[i+1] = offs[i] + int64(c.Size)
	}
	return &fileReader{cache: cache, chunks: e.Chunks, offs: offs, prefetch: prefetch, lastEnd: -1}
}

func (r *fileReader) size() int64 { return r.offs[len(r.chunks)] }

// ReadAt fills p from off; it returns the bytes read (short only at EOF).
func (r *fileReader) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	if off >= r.size() || len(p) == 0 {
		return 0, nil
	}
	i := sort.Search(len(r.chunks), func(i int) bool { return r.offs[i+1] > off })
	r.mu.Lock()
	seq := off == r.lastEnd || off == 0
	r.mu.Unlock()
	if seq && r.prefetch > 0 {
		r.cache.Prefetch(r.chunks[min(i+1, len(r.chunks)):min(i+1+r.prefetch, len(r.chunks))])
	}
	n := 0
	for n < len(p) && i < len(r.chunks) {
		data, err := r.cache.Get(ctx, r.chunks[i])
		if err != nil {
			return n, err
		}
		n += copy(p[n:], data[off+int64(n)-r.offs[i]:])
		i++
	}
	r.mu.Lock()
	r.lastEnd = off + int64(n)
	r.mu.Unlock()
	return n, nil
}
