package erasure

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func idOf(b byte) [32]byte {
	var id [32]byte
	for i := range id {
		id[i] = b + byte(i)
	}
	return id
}

func TestNewRejectsBadCounts(t *testing.T) {
	for _, tc := range []struct{ k, m int }{{0, 1}, {-1, 2}, {2, -1}, {200, 57}, {256, 0}} {
		if _, err := New(tc.k, tc.m); !errors.Is(err, ErrInvalidShardCount) {
			t.Errorf("New(%d,%d) = %v, want ErrInvalidShardCount", tc.k, tc.m, err)
		}
	}
	for _, tc := range []struct{ k, m int }{{1, 0}, {1, 1}, {4, 2}, {200, 56}, {255, 1}} {
		if _, err := New(tc.k, tc.m); err != nil {
			t.Errorf("New(%d,%d) = %v", tc.k, tc.m, err)
		}
	}
}

// TestRoundTripLosingShards encodes, drops every combination of up to m shards
// (or a sample for larger m), and reconstructs.
func TestRoundTripLosingShards(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ k, m, n int }{
		{1, 0, 100}, {3, 0, 1000}, {2, 1, 0}, {2, 1, 1}, {2, 1, 3}, {4, 2, 4097},
		{8, 3, 1 << 16}, {10, 4, 12345}, {5, 5, 7}, {4, 2, 0},
	} {
		c, err := New(tc.k, tc.m)
		if err != nil {
			t.Fatal(err)
		}
		data := randBytes(r, tc.n)
		id := idOf(byte(tc.n))
		shards, err := c.Encode(id, data)
		if err != nil {
			t.Fatal(err)
		}
		if len(shards) != tc.k+tc.m {
			t.Fatalf("%d+%d: %d shards", tc.k, tc.m, len(shards))
		}
		for i, s := range shards {
			h, payload, err := ParseShard(s)
			if err != nil {
				t.Fatalf("%d+%d shard %d: %v", tc.k, tc.m, i, err)
			}
			want := Header{Version: Version, ChunkID: id, Index: uint8(i), K: uint8(tc.k), M: uint8(tc.m), ChunkLen: uint32(tc.n)}
			if h != want || len(payload) != h.PayloadLen() || cap(s) != len(s) {
				t.Fatalf("shard %d: header %+v payload %d cap %d", i, h, len(payload), cap(s))
			}
		}
		if err := Verify(shards); err != nil {
			t.Fatalf("%d+%d verify: %v", tc.k, tc.m, err)
		}
		for trial := 0; trial < 20; trial++ {
			in := make([][]byte, len(shards))
			copy(in, shards)
			for _, i := range r.Perm(len(in))[:r.IntN(tc.m+1)] {
				in[i] = nil
			}
			for _, got := range [][]byte{must(Reconstruct(in)), must(c.Reconstruct(in))} {
				if !bytes.Equal(got, data) || got == nil {
					t.Fatalf("%d+%d n=%d trial %d: wrong data", tc.k, tc.m, tc.n, trial)
				}
			}
		}
		if tc.m > 0 || tc.k > 1 {
			in := make([][]byte, len(shards))
			copy(in, shards)
			for _, i := range r.Perm(len(in))[:tc.m+1] {
				in[i] = nil
			}
			if _, err := Reconstruct(in); !errors.Is(err, ErrTooFewShards) {
				t.Fatalf("%d+%d missing m+1: %v", tc.k, tc.m, err)
			}
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestParseShardErrors(t *testing.T) {
	c, _ := New(4, 2)
	shards, _ := c.Encode(idOf(1), bytes.Repeat([]byte("x"), 100))
	good := shards[1]
	mod := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return f(b)
	}
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"empty":       {nil, ErrTruncated},
		"short":       {good[:HeaderSize-1], ErrTruncated},
		"cut":         {good[:len(good)-1], ErrTruncated},
		"trailing":    {append(append([]byte(nil), good...), 0), ErrCorrupt},
		"magic":       {mod(func(b []byte) []byte { b[0] = 'X'; return b }), ErrCorrupt},
		"version":     {mod(func(b []byte) []byte { b[4] = 9; return b }), ErrVersion},
		"index":       {mod(func(b []byte) []byte { b[5] = 6; return b }), ErrBadHeader},
		"k0":          {mod(func(b []byte) []byte { b[6] = 0; return b }), ErrBadHeader},
		"too many":    {mod(func(b []byte) []byte { b[6], b[7] = 200, 100; return b }), ErrBadHeader},
		"payloadlen":  {mod(func(b []byte) []byte { b[44]++; return b }), ErrBadHeader},
		"payload bit": {mod(func(b []byte) []byte { b[HeaderSize+3] ^= 1; return b }), ErrCorrupt},
		"id bit":      {mod(func(b []byte) []byte { b[9] ^= 0x80; return b }), ErrCorrupt},
		"crc bit":     {mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrCorrupt},
	} {
		if _, _, err := ParseShard(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
}

func TestReconstructIgnoresBadAndForeignShards(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	c, _ := New(4, 2)
	data := randBytes(r, 5000)
	shards, _ := c.Encode(idOf(7), data)
	other, _ := c.Encode(idOf(8), randBytes(r, 5000))

	in := append([][]byte(nil), shards...)
	in[0] = append([]byte(nil), in[0]...)
	in[0][HeaderSize] ^= 0xff // corrupt
	in[2] = other[2]          // a different chunk's shard
	got, err := Reconstruct(in)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("corrupt+foreign: %v", err)
	}
	in[3] = shards[4] // a shard in the wrong slot counts as missing: 3 valid < 4
	if _, err := Reconstruct(in); !errors.Is(err, ErrTooFewShards) {
		t.Fatalf("wrong slot: %v", err)
	}
	if _, err := Reconstruct(shards[:5]); !errors.Is(err, ErrMismatch) {
		t.Fatalf("short slice: %v", err)
	}
	if _, err := Reconstruct(make([][]byte, 6)); !errors.Is(err, ErrTooFewShards) {
		t.Fatalf("all nil: %v", err)
	}
	// A parity shard re-framed with a valid checksum but wrong content is caught by Verify.
	bad := append([][]byte(nil), shards...)
	bad[5] = append([]byte(nil), shards[5]...)
	bad[5][HeaderSize] ^= 1
	seal(bad[5])
	if err := Verify(bad); !errors.Is(err, ErrMismatch) {
		t.Fatalf("verify bad parity: %v", err)
	}
	bad[5] = nil
	if err := Verify(bad); !errors.Is(err, ErrTooFewShards) {
		t.Fatalf("verify missing: %v", err)
	}
}

func TestEmptyChunk(t *testing.T) {
	c, _ := New(3, 2)
	shards, err := c.Encode(idOf(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shards {
		if len(s) != Overhead {
			t.Fatalf("empty chunk shard len %d", len(s))
		}
	}
	got, err := Reconstruct([][]byte{nil, nil, shards[2], shards[3], shards[4]})
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("got %v %v", got, err)
	}
}
