package raftlog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/hashicorp/raft"
)

// Log record format, version 1 (all integers varint-encoded unless noted):
//
//	version      1 byte (= 1)
//	index        uvarint
//	term         uvarint
//	type         1 byte (raft.LogType)
//	data         uvarint length + bytes
//	extensions   uvarint length + bytes
//	appendedAt   1 byte flag: 0 = zero time; 1 = followed by
//	             varint Unix seconds + uvarint nanoseconds (< 1e9)
//	checksum     4 bytes big-endian CRC-32C of everything before it
//
// Zero-length Data/Extensions decode as nil. AppendedAt decodes in UTC.
const (
	recordV1     = 1
	checksumSize = 4
	// minRecord is version + index + term + type + 2 lengths + time flag + crc.
	minRecord = 7 + checksumSize
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeLog appends the encoding of l to dst and returns the extended slice.
func encodeLog(dst []byte, l *raft.Log) []byte {
	start := len(dst)
	dst = append(dst, recordV1)
	dst = binary.AppendUvarint(dst, l.Index)
	dst = binary.AppendUvarint(dst, l.Term)
	dst = append(dst, byte(l.Type))
	dst = binary.AppendUvarint(dst, uint64(len(l.Data)))
	dst = append(dst, l.Data...)
	dst = binary.AppendUvarint(dst, uint64(len(l.Extensions)))
	dst = append(dst, l.Extensions...)
	if l.AppendedAt.IsZero() {
		dst = append(dst, 0)
	} else {
		dst = append(dst, 1)
		dst = binary.AppendVarint(dst, l.AppendedAt.Unix())
		dst = binary.AppendUvarint(dst, uint64(l.AppendedAt.Nanosecond()))
	}
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// encodedLen is an upper bound of the encoding size of l.
func encodedLen(l *raft.Log) int {
	return 1 + 3*binary.MaxVarintLen64 + 1 + 2*binary.MaxVarintLen64 +
		len(l.Data) + len(l.Extensions) + 1 + 2*binary.MaxVarintLen64 + checksumSize
}

// decodeLog decodes b into l. Data and Extensions alias b. It never panics
// and returns an error wrapping ErrCorrupt or ErrVersion for bad input; l is
// only written on success.
func decodeLog(b []byte, l *raft.Log) error {
	if len(b) < minRecord {
		return fmt.Errorf("%w: record of %d bytes is too short", ErrCorrupt, len(b))
	}
	body, sum := b[:len(b)-checksumSize], binary.BigEndian.Uint32(b[len(b)-checksumSize:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return fmt.Errorf("%w: checksum %08x, want %08x", ErrCorrupt, got, sum)
	}
	if body[0] != recordV1 {
		return fmt.Errorf("%w: version %d", ErrVersion, body[0])
	}
	r := reader{b: body[1:]}
	var out raft.Log
	out.Index = r.uvarint("index")
	out.Term = r.uvarint("term")
	out.Type = raft.LogType(r.byte("type"))
	out.Data = r.bytes("data")
	out.Extensions = r.bytes("extensions")
	switch flag := r.byte("time flag"); {
	case r.err != nil:
	case flag == 0:
	case flag == 1:
		sec := r.varint("time seconds")
		nsec := r.uvarint("time nanoseconds")
		if r.err == nil && nsec >= uint64(time.Second) {
			r.fail("time nanoseconds %d out of range", nsec)
		}
		if r.err == nil {
			out.AppendedAt = time.Unix(sec, int64(nsec)).UTC()
		}
	default:
		r.fail("time flag %d", flag)
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return r.err
	}
	*l = out
	return nil
}

// reader is a sticky-error cursor over a record body.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
}

func (r *reader) uvarint(field string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad %s", field)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint(field string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad %s", field)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte(field string) byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail("missing %s", field)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) bytes(field string) []byte {
	n := r.uvarint(field + " length")
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail("%s length %d exceeds remaining %d bytes", field, n, len(r.b))
		return nil
	}
	if n == 0 {
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}
