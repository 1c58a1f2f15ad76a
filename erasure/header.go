package erasure

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

const (
	// Version is the shard format version written by Encode.
	Version = 1
	// HeaderSize is the fixed size of a shard header.
	HeaderSize = 48
	// TrailerSize is the size of the checksum that ends every shard.
	TrailerSize = 4
	// Overhead is the bytes a shard adds to its payload.
	Overhead = HeaderSize + TrailerSize
	// MaxShards is the largest k+m.
	MaxShards = 256
)

var magic = [4]byte{'D', 'M', 'E', 'C'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Header describes one shard.
type Header struct {
	Version  uint8
	ChunkID  [32]byte
	Index    uint8
	K, M     uint8
	ChunkLen uint32
}

// PayloadLen is the payload length of every shard of the chunk: ceil(ChunkLen/K).
func (h Header) PayloadLen() int {
	if h.K == 0 {
		return 0
	}
	return int((uint64(h.ChunkLen) + uint64(h.K) - 1) / uint64(h.K))
}

// Total is K+M.
func (h Header) Total() int { return int(h.K) + int(h.M) }

// sameChunk reports whether two headers describe the same encoding of the same chunk.
func (h Header) sameChunk(o Header) bool {
	return h.Version == o.Version && h.ChunkID == o.ChunkID && h.K == o.K && h.M == o.M && h.ChunkLen == o.ChunkLen
}

func putHeader(b []byte, h Header, payloadLen int) {
	copy(b[0:4], magic[:])
	b[4] = h.Version
	b[5] = h.Index
	b[6] = h.K
	b[7] = h.M
	copy(b[8:40], h.ChunkID[:])
	binary.LittleEndian.PutUint32(b[40:44], h.ChunkLen)
	binary.LittleEndian.PutUint32(b[44:48], uint32(payloadLen))
}

func seal(shard []byte) {
	n := len(shard) - TrailerSize
	binary.LittleEndian.PutUint32(shard[n:], crc32.Checksum(shard[:n], castagnoli))
}

// ParseShard validates a shard (magic, version, header consistency, exact
// length, checksum over header and payload) and returns its header and
// payload. The payload aliases b. It never panics.
func ParseShard(b []byte) (Header, []byte, error) {
	var h Header
	if len(b) < HeaderSize {
		return h, nil, fmt.Errorf("erasure: parse: %d bytes, header needs %d: %w", len(b), HeaderSize, ErrTruncated)
	}
	if !bytes.Equal(b[0:4], magic[:]) {
		return h, nil, fmt.Errorf("erasure: parse: magic %x: %w", b[0:4], ErrCorrupt)
	}
	h.Version = b[4]
	if h.Version != Version {
		return h, nil, fmt.Errorf("erasure: parse: version %d: %w", h.Version, ErrVersion)
	}
	h.Index, h.K, h.M = b[5], b[6], b[7]
	copy(h.ChunkID[:], b[8:40])
	h.ChunkLen = binary.LittleEndian.Uint32(b[40:44])
	payloadLen := binary.LittleEndian.Uint32(b[44:48])
	switch {
	case h.K == 0 || h.Total() > MaxShards:
		return h, nil, fmt.Errorf("erasure: parse: k=%d m=%d: %w", h.K, h.M, ErrBadHeader)
	case int(h.Index) >= h.Total():
		return h, nil, fmt.Errorf("erasure: parse: index %d of %d: %w", h.Index, h.Total(), ErrBadHeader)
	case uint64(payloadLen) != uint64(h.PayloadLen()):
		return h, nil, fmt.Errorf("erasure: parse: payload length %d, want %d: %w", payloadLen, h.PayloadLen(), ErrBadHeader)
	}
	want := uint64(HeaderSize) + uint64(payloadLen) + TrailerSize
	if uint64(len(b)) < want {
		return h, nil, fmt.Errorf("erasure: parse: %d bytes, want %d: %w", len(b), want, ErrTruncated)
	}
	if uint64(len(b)) > want {
		return h, nil, fmt.Errorf("erasure: parse: %d trailing bytes: %w", uint64(len(b))-want, ErrCorrupt)
	}
	n := len(b) - TrailerSize
	if got, sum := crc32.Checksum(b[:n], castagnoli), binary.LittleEndian.Uint32(b[n:]); got != sum {
		return h, nil, fmt.Errorf("erasure: parse: checksum %08x, stored %08x: %w", got, sum, ErrCorrupt)
	}
	return h, b[HeaderSize:n:n], nil
}
