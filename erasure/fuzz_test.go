package erasure

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzParseShard(f *testing.F) {
	c, _ := New(3, 2)
	for _, n := range []int{0, 1, 100} {
		shards, _ := c.Encode(idOf(byte(n)), bytes.Repeat([]byte{7}, n))
		for _, s := range shards {
			f.Add(s)
		}
	}
	f.Add([]byte{})
	f.Add([]byte("DMEC\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, payload, err := ParseShard(b)
		if err != nil {
			return
		}
		if len(payload) != h.PayloadLen() || len(b) != Overhead+len(payload) || int(h.Index) >= h.Total() {
			t.Fatalf("accepted inconsistent shard %+v payload %d len %d", h, len(payload), len(b))
		}
	})
}

// FuzzReconstruct corrupts, drops and swaps shards as the fuzzer directs; the
// result must be the original data or an error, never wrong bytes.
func FuzzReconstruct(f *testing.F) {
	f.Add([]byte("some chunk data that spans shards"), uint8(4), uint8(2), []byte{0, 1, 5, 40})
	f.Add([]byte{}, uint8(1), uint8(0), []byte{})
	f.Add([]byte("x"), uint8(2), uint8(1), []byte{2, 200, 1, 3})
	f.Fuzz(func(t *testing.T, data []byte, k, m uint8, ops []byte) {
		kk, mm := int(k%12)+1, int(m%5)
		c, err := New(kk, mm)
		if err != nil {
			t.Fatal(err)
		}
		shards, err := c.Encode(idOf(1), data)
		if err != nil {
			t.Fatal(err)
		}
		n := len(shards)
		damaged := make(map[int]bool)
		for i := 0; i+1 < len(ops); i += 2 {
			s := int(ops[i]) % n
			if shards[s] == nil || len(shards[s]) == 0 {
				continue
			}
			damaged[s] = true
			switch ops[i+1] % 3 {
			case 0:
				shards[s] = nil
			case 1:
				b := append([]byte(nil), shards[s]...)
				b[int(ops[i+1])%len(b)] ^= 1 << (ops[i+1] % 8)
				shards[s] = b
			case 2:
				shards[s] = shards[s][:len(shards[s])-1]
			}
		}
		got, err := Reconstruct(shards)
		if err != nil {
			if !errors.Is(err, ErrTooFewShards) {
				t.Fatalf("unexpected error %v", err)
			}
			if lost := len(damaged); lost <= mm {
				t.Fatalf("lost %d <= m=%d but failed: %v", lost, mm, err)
			}
			return
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("wrong data after %d losses", len(damaged))
		}
	})
}
