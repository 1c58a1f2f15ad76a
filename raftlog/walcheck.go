package raftlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2/record"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Pebble replays a bad chunk in the newest WAL as a torn tail (the end of an
// interrupted write) unless a chunk in a later 32 KiB block says the WAL was
// synced past it. A flipped byte in the last block, or in a small WAL, is
// therefore replayed as a torn tail and every later entry, all of them
// synced and acknowledged, is silently dropped. checkWAL closes that gap:
// when the newest WAL ends uncleanly at offset X, it looks for any valid
// chunk of the same WAL after X (header, log number and CRC-32C all
// matching: a false match is 1 in 2^64). A torn write leaves nothing valid
// after it; a valid chunk there means the bytes at X were damaged after
// they were written. For WAL-sync chunks the chunk must also promise that
// the WAL was synced past X (then X was acknowledged); a chunk without that
// field (an older WAL format) counts as damage too, the conservative side.
// The EOF trailer Pebble writes on a clean close (a header with the next
// log number) after X also proves X was written and synced. What remains
// ambiguous is damage to the very last record(s) of a WAL whose writer
// crashed: indistinguishable from a torn write, it is replayed as one.

const (
	walBlockSize     = 32 << 10
	walRecyclableHdr = 11
	walSyncHdr       = 19
)

var walCRC = crc32.MakeTable(crc32.Castagnoli)

// newWALReader instantiates record.NewReader with its (internal) log
// number type, inferred from the function value.
func newWALReader[T ~uint64](mk func(io.Reader, T) *record.Reader, r io.Reader, num uint64) *record.Reader {
	return mk(r, T(num))
}

// checkWAL returns why the newest WAL of dir is damaged, or "".
func checkWAL(fs vfs.FS, dir string) (string, error) {
	names, err := fs.List(dir)
	if err != nil {
		return "", nil // no directory yet: a new store
	}
	var nums []uint64
	for _, n := range names {
		if s, ok := strings.CutSuffix(n, ".log"); ok {
			if v, err := strconv.ParseUint(s, 10, 64); err == nil {
				nums = append(nums, v)
			}
		}
	}
	if len(nums) == 0 {
		return "", nil
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	num := nums[len(nums)-1]
	p := fs.PathJoin(dir, fmt.Sprintf("%06d.log", num))
	f, err := fs.Open(p)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", p, err)
	}
	b, err := io.ReadAll(f)
	_ = f.Close()
	if err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return walDamage(b, num, p), nil
}

// walDamage reads the records of WAL b (log number num) and applies the
// rule above to an unclean end.
func walDamage(b []byte, num uint64, name string) string {
	rr := newWALReader(record.NewReader, bytes.NewReader(b), num)
	for {
		off := rr.Offset()
		r, err := rr.Next()
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			return ""
		}
		if !errors.Is(err, record.ErrUnexpectedEOF) {
			// ErrInvalidChunk/ErrZeroedChunk: Pebble itself refuses to open.
			return fmt.Sprintf("WAL %s: record at offset %d: %v", name, off, err)
		}
		if at, ok := validChunkAfter(b, off, num); ok {
			return fmt.Sprintf("WAL %s: record at offset %d is unreadable but a synced record follows at offset %d (damaged, not a torn write)", name, off, at)
		}
		return "" // a torn tail: nothing valid follows
	}
}

// validChunkAfter finds a valid chunk of WAL num starting after offset x
// that proves x was written (see the rule above).
func validChunkAfter(b []byte, x int64, num uint64) (int64, bool) {
	for p := int(x) + 1; p+walRecyclableHdr <= len(b); p++ {
		enc, logNum := b[p+6], binary.LittleEndian.Uint32(b[p+7:p+11])
		if enc == 5 && logNum == uint32(num)+1 && binary.LittleEndian.Uint64(b[p:p+8])&0xffffffffffff == 0 {
			return int64(p), true // the EOF trailer of a clean close: x was written and synced
		}
		if enc < 5 || enc > 12 || logNum != uint32(num) {
			continue
		}
		hdr := walRecyclableHdr
		if enc >= 9 {
			hdr = walSyncHdr
		}
		n := int(binary.LittleEndian.Uint16(b[p+4 : p+6]))
		end := p + hdr + n
		if end > len(b) || p%walBlockSize+hdr+n > walBlockSize {
			continue
		}
		c := crc32.Checksum(b[p+6:end], walCRC)
		if (c>>15|c<<17)+0xa282ead8 != binary.LittleEndian.Uint32(b[p:p+4]) {
			continue
		}
		if hdr == walSyncHdr && int64(binary.LittleEndian.Uint64(b[p+11:p+19])) <= x {
			continue // written after x, but x was never synced: torn
		}
		return int64(p), true
	}
	return 0, false
}
