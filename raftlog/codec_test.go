package raftlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func sampleLogs() []raft.Log {
	return []raft.Log{
		{Index: 1, Term: 1},
		{Index: 7, Term: 3, Type: raft.LogConfiguration, Data: []byte("cfg")},
		{Index: 1 << 40, Term: 1<<63 + 5, Type: raft.LogCommand, Data: bytes.Repeat([]byte{0xAB}, 300),
			Extensions: []byte("ext"), AppendedAt: time.Unix(1700000000, 123456789)},
		{Index: ^uint64(0), Term: ^uint64(0), Type: raft.LogType(255), AppendedAt: time.Unix(-5, 1)},
	}
}

func logsEqual(a, b *raft.Log) bool {
	return a.Index == b.Index && a.Term == b.Term && a.Type == b.Type &&
		bytes.Equal(a.Data, b.Data) && bytes.Equal(a.Extensions, b.Extensions) &&
		a.AppendedAt.Equal(b.AppendedAt) && a.AppendedAt.IsZero() == b.AppendedAt.IsZero()
}

func TestCodecRoundTrip(t *testing.T) {
	for _, in := range sampleLogs() {
		enc := encodeLog([]byte("prefix"), &in)
		if !bytes.HasPrefix(enc, []byte("prefix")) {
			t.Fatalf("encodeLog clobbered dst prefix")
		}
		enc = enc[len("prefix"):]
		if len(enc) > encodedLen(&in) {
			t.Fatalf("encoding of %d bytes exceeds bound %d", len(enc), encodedLen(&in))
		}
		var out raft.Log
		if err := decodeLog(enc, &out); err != nil {
			t.Fatalf("decode index %d: %v", in.Index, err)
		}
		if !logsEqual(&in, &out) {
			t.Fatalf("round trip mismatch:\n in %+v\nout %+v", in, out)
		}
	}
}

func TestCodecCompact(t *testing.T) {
	l := raft.Log{Index: 100, Term: 2, Type: raft.LogCommand, Data: make([]byte, 256), AppendedAt: time.Now()}
	if n := len(encodeLog(nil, &l)); n > 256+24 {
		t.Fatalf("256-byte entry encodes to %d bytes, want <= %d", n, 256+24)
	}
}

func withCRC(body []byte) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), body...), crc32.Checksum(body, castagnoli))
}

func TestCodecRejects(t *testing.T) {
	valid := encodeLog(nil, &raft.Log{Index: 3, Term: 1, Data: []byte("hello"), AppendedAt: time.Unix(10, 0)})
	body := valid[:len(valid)-checksumSize]
	flipped := append([]byte(nil), valid...)
	flipped[5] ^= 1
	badVersion := append([]byte{2}, body[1:]...)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"short", valid[:8], ErrCorrupt},
		{"truncated", valid[:len(valid)-1], ErrCorrupt},
		{"bit flip", flipped, ErrCorrupt},
		{"version", withCRC(badVersion), ErrVersion},
		{"trailing", withCRC(append(append([]byte(nil), body...), 0)), ErrCorrupt},
		{"data too long", withCRC([]byte{1, 3, 1, 0, 50, 'x', 0, 0}), ErrCorrupt},
		{"bad time flag", withCRC([]byte{1, 3, 1, 0, 0, 0, 7}), ErrCorrupt},
		{"nanos out of range", withCRC([]byte{1, 3, 1, 0, 0, 0, 1, 2, 0x80, 0x94, 0xeb, 0xdc, 0x03}), ErrCorrupt},
		{"missing time", withCRC([]byte{1, 3, 1, 0, 0, 0, 1, 2}), ErrCorrupt},
		{"overlong varint", withCRC([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 0, 0, 0, 0}), ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := raft.Log{Index: 99}
			err := decodeLog(tc.in, &out)
			if !errors.Is(err, tc.want) {
				t.Fatalf("decodeLog = %v, want %v", err, tc.want)
			}
			if out.Index != 99 {
				t.Fatalf("decodeLog wrote output on error")
			}
		})
	}
}

// FuzzDecodeLog checks decodeLog never panics, and that whatever it accepts
// re-encodes to a record that decodes to the same entry. Inputs are also tried
// with a valid checksum appended so the fuzzer reaches the field parser.
func FuzzDecodeLog(f *testing.F) {
	for _, l := range sampleLogs() {
		enc := encodeLog(nil, &l)
		f.Add(enc)
		f.Add(enc[:len(enc)-checksumSize])
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, withCRC(b)} {
			var l raft.Log
			if err := decodeLog(in, &l); err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
					t.Fatalf("unexpected error class: %v", err)
				}
				continue
			}
			var again raft.Log
			if err := decodeLog(encodeLog(nil, &l), &again); err != nil {
				t.Fatalf("re-encoded record does not decode: %v", err)
			}
			if !logsEqual(&l, &again) {
				t.Fatalf("re-encode mismatch: %+v vs %+v", l, again)
			}
		}
	})
}

// FuzzLogRoundTrip checks encode→decode is the identity for arbitrary entries.
func FuzzLogRoundTrip(f *testing.F) {
	f.Add(uint64(1), uint64(1), uint8(0), []byte("x"), []byte(nil), int64(0), uint32(0), false)
	f.Add(^uint64(0), uint64(9), uint8(3), []byte(nil), []byte("e"), int64(-1<<40), uint32(999999999), true)
	f.Fuzz(func(t *testing.T, idx, term uint64, typ uint8, data, ext []byte, sec int64, nsec uint32, hasTime bool) {
		in := raft.Log{Index: idx, Term: term, Type: raft.LogType(typ), Data: data, Extensions: ext}
		if hasTime {
			in.AppendedAt = time.Unix(sec, int64(nsec%uint32(time.Second)))
		}
		var out raft.Log
		if err := decodeLog(encodeLog(nil, &in), &out); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !logsEqual(&in, &out) {
			t.Fatalf("mismatch:\n in %+v\nout %+v", in, out)
		}
	})
}
