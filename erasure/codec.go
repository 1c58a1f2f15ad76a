package erasure

import (
	"fmt"
	"math"

	"github.com/klauspost/reedsolomon"
)

// Option tunes a Codec.
type Option func(*options)

type options struct {
	maxGoroutines int
}

// WithMaxGoroutines caps the goroutines the Reed–Solomon encoder may use per
// call (0 = library default). 1 keeps every call on the caller's goroutine.
func WithMaxGoroutines(n int) Option { return func(o *options) { o.maxGoroutines = n } }

// Codec encodes chunks with a fixed k+m. It is safe for concurrent use.
type Codec struct {
	k, m int
	enc  reedsolomon.Encoder // nil when m == 0
}

// New returns a k+m codec. k >= 1, m >= 0, k+m <= 256, else ErrInvalidShardCount.
func New(k, m int, opts ...Option) (*Codec, error) {
	if k < 1 || m < 0 || k+m > MaxShards || k > math.MaxUint8 || m > math.MaxUint8 {
		return nil, fmt.Errorf("erasure: new %d+%d: %w", k, m, ErrInvalidShardCount)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	c := &Codec{k: k, m: m}
	if m > 0 {
		enc, err := newEncoder(k, m, o)
		if err != nil {
			return nil, err
		}
		c.enc = enc
	}
	return c, nil
}

func newEncoder(k, m int, o options) (reedsolomon.Encoder, error) {
	var ro []reedsolomon.Option
	if o.maxGoroutines > 0 {
		ro = append(ro, reedsolomon.WithMaxGoroutines(o.maxGoroutines))
	}
	enc, err := reedsolomon.New(k, m, ro...)
	if err != nil {
		return nil, fmt.Errorf("erasure: reedsolomon %d+%d: %v: %w", k, m, err, ErrInvalidShardCount)
	}
	return enc, nil
}

// K is the number of data shards.
func (c *Codec) K() int { return c.k }

// M is the number of parity shards.
func (c *Codec) M() int { return c.m }

// Encode splits data into k data shards (zero-padded) plus m parity shards and
// frames each with a header and checksum. All k+m shards share one allocation;
// data is copied once and not retained.
func (c *Codec) Encode(id [32]byte, data []byte) ([][]byte, error) {
	if uint64(len(data)) > math.MaxUint32 {
		return nil, fmt.Errorf("erasure: encode %d bytes: %w", len(data), ErrTooLarge)
	}
	h := Header{Version: Version, ChunkID: id, K: uint8(c.k), M: uint8(c.m), ChunkLen: uint32(len(data))}
	n := c.k + c.m
	p := h.PayloadLen()
	stride := Overhead + p
	buf := make([]byte, n*stride)
	shards := make([][]byte, n)
	payloads := make([][]byte, n)
	for i := range n {
		s := buf[i*stride : (i+1)*stride : (i+1)*stride]
		shards[i] = s
		payloads[i] = s[HeaderSize : HeaderSize+p : HeaderSize+p]
		if i < c.k && i*p < len(data) {
			copy(payloads[i], data[i*p:]) // the tail of the last data shard stays zero
		}
	}
	if c.enc != nil && p > 0 {
		if err := c.enc.Encode(payloads); err != nil {
			return nil, fmt.Errorf("erasure: encode %x: %w", id[:4], err)
		}
	}
	for i, s := range shards {
		h.Index = uint8(i)
		putHeader(s, h, p)
		seal(s)
	}
	return shards, nil
}

// Reconstruct is the package-level Reconstruct, reusing c's encoder when the
// shards were written with c's k+m.
func (c *Codec) Reconstruct(shards [][]byte) ([]byte, error) {
	return reconstruct(shards, func(k, m int) (reedsolomon.Encoder, error) {
		if k == c.k && m == c.m && c.enc != nil {
			return c.enc, nil
		}
		return newEncoder(k, m, options{})
	})
}

// Reconstruct returns the chunk encoded in shards: a slice of k+m slots in
// shard-index order, nil for a missing shard. Shards that fail ParseShard, sit
// in the wrong slot, or disagree with the majority header (chunk ID, k, m,
// length) are treated as missing. Any k valid shards suffice; when all data
// shards are valid no decoding happens. Errors: ErrTooFewShards, ErrMismatch
// (len(shards) != k+m).
func Reconstruct(shards [][]byte) ([]byte, error) {
	return reconstruct(shards, func(k, m int) (reedsolomon.Encoder, error) {
		return newEncoder(k, m, options{})
	})
}
