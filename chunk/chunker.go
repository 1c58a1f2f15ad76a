package chunk

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// Size limits accepted by ChunkerConfig.Validate.
const (
	MinChunkSize = 64
	MaxChunkSize = 1 << 30
)

// ChunkerConfig sets the chunk size bounds in bytes. Every chunk except the
// last of a stream is within [Min, Max]; sizes cluster around Avg.
type ChunkerConfig struct {
	Min, Avg, Max int
}

// DefaultChunkerConfig is 256 KiB / 1 MiB / 4 MiB.
func DefaultChunkerConfig() ChunkerConfig {
	return ChunkerConfig{Min: 256 << 10, Avg: 1 << 20, Max: 4 << 20}
}

// Validate checks MinChunkSize <= Min <= Avg <= Max <= MaxChunkSize and Avg >= 256.
func (c ChunkerConfig) Validate() error {
	if c.Min < MinChunkSize || c.Avg < c.Min || c.Max < c.Avg || c.Max > MaxChunkSize || c.Avg < 256 {
		return fmt.Errorf("%w: min %d avg %d max %d", ErrBadConfig, c.Min, c.Avg, c.Max)
	}
	return nil
}

// Chunk is one content-defined piece of a stream.
type Chunk struct {
	Offset int64  // position of Data[0] in the stream
	Data   []byte // valid only until the next call to Next
	ID     ID     // BLAKE3-256 of Data
}

// Chunker cuts a stream into content-defined chunks. It holds a buffer of
// 2×Max bytes; it is not safe for concurrent use.
type Chunker struct {
	r            io.Reader
	cfg          ChunkerConfig
	maskS, maskL uint64
	buf          []byte
	start, end   int // unconsumed bytes are buf[start:end]
	offset       int64
	eof          bool
	err          error
}

// NewChunker returns a Chunker reading r.
func NewChunker(r io.Reader, cfg ChunkerConfig) (*Chunker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := bits.Len(uint(cfg.Avg)) - 1 // floor(log2(avg))
	return &Chunker{
		r:     r,
		cfg:   cfg,
		maskS: topBits(b + 2),
		maskL: topBits(b - 2),
		buf:   make([]byte, 2*cfg.Max),
	}, nil
}

func topBits(n int) uint64 { return ^uint64(0) << (64 - n) }

// fill makes at least Max unconsumed bytes available unless the stream ends.
func (c *Chunker) fill() error {
	if c.end-c.start >= c.cfg.Max || c.eof {
		return nil
	}
	c.end = copy(c.buf, c.buf[c.start:c.end])
	c.start = 0
	for empty := 0; c.end < len(c.buf); {
		n, err := c.r.Read(c.buf[c.end:])
		c.end += n
		if errors.Is(err, io.EOF) {
			c.eof = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("chunk: read at %d: %w", c.offset+int64(c.end-c.start), err)
		}
		if n > 0 {
			empty = 0
			continue
		}
		if empty++; empty >= 100 {
			return fmt.Errorf("chunk: read at %d: %w", c.offset+int64(c.end-c.start), io.ErrNoProgress)
		}
	}
	return nil
}

// Next returns the next chunk, or io.EOF after the last one. An empty stream
// yields no chunks. A read error is returned (wrapped) and repeated by later calls.
func (c *Chunker) Next() (Chunk, error) {
	if c.err != nil {
		return Chunk{}, c.err
	}
	if err := c.fill(); err != nil {
		c.err = err
		return Chunk{}, err
	}
	if c.start == c.end {
		c.err = io.EOF
		return Chunk{}, io.EOF
	}
	avail := c.buf[c.start:min(c.end, c.start+c.cfg.Max)]
	n := cut(avail, c.cfg.Min, c.cfg.Avg, c.maskS, c.maskL)
	data := avail[:n:n]
	ch := Chunk{Offset: c.offset, Data: data, ID: Sum(data)}
	c.start += n
	c.offset += int64(n)
	return ch, nil
}
