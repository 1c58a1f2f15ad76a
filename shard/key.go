package shard

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/datamon-io/datamon/chunk"
)

// Key names one shard: a chunk and the shard's index in its K+M shards.
type Key struct {
	Chunk chunk.ID
	Index uint8
}

// String is "<chunk hex>/<index>".
func (k Key) String() string { return k.Chunk.String() + "/" + strconv.Itoa(int(k.Index)) }

// Info describes a stored shard.
type Info struct {
	Size     int    // bytes of the whole shard (header, payload, checksum)
	K, M     uint8  // erasure policy the shard was encoded under
	ChunkLen uint32 // length of the chunk the shard belongs to
}

// On-disk keyspace:
//
//	'd' + seq (8 bytes, big-endian)      → shard bytes (ingested sstables)
//	'i' + chunk ID (32) + index (1)      → index value (below)
//	'm' + "nextseq"                      → next data sequence number (8 bytes BE)
//
// Index value, version 1 (19 bytes):
//
//	version(1) seq(8 BE) size(4 BE) k(1) m(1) chunkLen(4 BE)
const (
	prefixData  = 'd'
	prefixIndex = 'i'
	prefixMeta  = 'm'

	dataKeyLen    = 1 + 8
	indexKeyLen   = 1 + chunk.IDSize + 1
	indexValueLen = 19
	indexVersion  = 1
)

var metaNextSeq = []byte("mnextseq")

// indexEntry is the decoded index value of one shard.
type indexEntry struct {
	seq  uint64
	info Info
}

func dataKey(seq uint64) []byte {
	b := make([]byte, dataKeyLen)
	b[0] = prefixData
	binary.BigEndian.PutUint64(b[1:], seq)
	return b
}

func parseDataKey(b []byte) (uint64, error) {
	if len(b) != dataKeyLen || b[0] != prefixData {
		return 0, fmt.Errorf("shard: data key %x: %w", b, ErrBadKey)
	}
	return binary.BigEndian.Uint64(b[1:]), nil
}

func indexKey(k Key) []byte {
	b := make([]byte, indexKeyLen)
	b[0] = prefixIndex
	copy(b[1:], k.Chunk[:])
	b[indexKeyLen-1] = k.Index
	return b
}

func parseIndexKey(b []byte) (Key, error) {
	var k Key
	if len(b) != indexKeyLen || b[0] != prefixIndex {
		return k, fmt.Errorf("shard: index key %x: %w", b, ErrBadKey)
	}
	copy(k.Chunk[:], b[1:1+chunk.IDSize])
	k.Index = b[indexKeyLen-1]
	return k, nil
}

func encodeIndexValue(e indexEntry) []byte {
	b := make([]byte, indexValueLen)
	b[0] = indexVersion
	binary.BigEndian.PutUint64(b[1:9], e.seq)
	binary.BigEndian.PutUint32(b[9:13], uint32(e.info.Size))
	b[13], b[14] = e.info.K, e.info.M
	binary.BigEndian.PutUint32(b[15:19], e.info.ChunkLen)
	return b
}

func decodeIndexValue(b []byte) (indexEntry, error) {
	var e indexEntry
	if len(b) != indexValueLen || b[0] != indexVersion {
		return e, fmt.Errorf("shard: index value %x: %w", b, ErrBadKey)
	}
	e.seq = binary.BigEndian.Uint64(b[1:9])
	e.info.Size = int(binary.BigEndian.Uint32(b[9:13]))
	e.info.K, e.info.M = b[13], b[14]
	e.info.ChunkLen = binary.BigEndian.Uint32(b[15:19])
	return e, nil
}
