package raftmeta

import (
	"crypto/sha256"
	"encoding/binary"
)

// Bundle IDs look like KSUIDs: 20 bytes rendered as 27 base62 characters
// with an alphabet in ASCII order, so lexicographic order of IDs is numeric
// order of the bytes. The bytes are
//
//	[0:4]  seconds since the KSUID epoch (leader-stamped, FSM-monotonic time)
//	[4:12] raft log index of the commit command
//	[12:20] first 8 bytes of SHA-256 of the command (decoration only)
//
// Time never decreases in the FSM and the index strictly increases, so IDs
// sort in commit order. Everything is derived from the log entry: apply
// stays deterministic.
const (
	bundleIDLen = 27
	ksuidEpoch  = 1400000000
	base62      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

func bundleID(unixSec int64, index uint64, data []byte) string {
	var raw [20]byte
	s := unixSec - ksuidEpoch
	if s < 0 {
		s = 0
	}
	if s > 0xFFFFFFFF {
		s = 0xFFFFFFFF
	}
	binary.BigEndian.PutUint32(raw[0:4], uint32(s))
	binary.BigEndian.PutUint64(raw[4:12], index)
	h := sha256.Sum256(data)
	copy(raw[12:20], h[:8])
	return encodeBase62(raw)
}

// encodeBase62 renders 20 bytes as exactly 27 base62 digits, big-endian,
// zero-padded ("0"), by repeated division of the byte string.
func encodeBase62(raw [20]byte) string {
	var out [bundleIDLen]byte
	num := raw[:]
	for i := bundleIDLen - 1; i >= 0; i-- {
		var rem uint32
		next := make([]byte, 0, len(num))
		for _, b := range num {
			acc := rem<<8 | uint32(b)
			q := acc / 62
			rem = acc % 62
			if len(next) > 0 || q > 0 {
				next = append(next, byte(q))
			}
		}
		out[i] = base62[rem]
		num = next
	}
	return string(out[:])
}
