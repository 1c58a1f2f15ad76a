package chunk

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

func randData(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x5555))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

type piece struct {
	off  int64
	size int
	id   ID
}

func chunkAll(t testing.TB, r io.Reader, cfg ChunkerConfig) []piece {
	t.Helper()
	c, err := NewChunker(r, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []piece
	for {
		ch, err := c.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if ch.ID != Sum(ch.Data) {
			t.Fatal("ID is not the BLAKE3 of Data")
		}
		out = append(out, piece{ch.Offset, len(ch.Data), ch.ID})
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultChunkerConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []ChunkerConfig{{}, {Min: 10, Avg: 1024, Max: 4096}, {Min: 2048, Avg: 1024, Max: 4096},
		{Min: 64, Avg: 8192, Max: 4096}, {Min: 64, Avg: 1024, Max: 2 << 30}} {
		if _, err := NewChunker(bytes.NewReader(nil), c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestEmptyInput(t *testing.T) {
	if got := chunkAll(t, bytes.NewReader(nil), DefaultChunkerConfig()); len(got) != 0 {
		t.Fatalf("empty input gave %d chunks", len(got))
	}
}

func TestSizesAndDeterminism(t *testing.T) {
	cfg := ChunkerConfig{Min: 16 << 10, Avg: 64 << 10, Max: 256 << 10}
	data := randData(1, 8<<20+12345)
	a := chunkAll(t, bytes.NewReader(data), cfg)
	// a reader returning one byte at a time must give the same chunks
	b := chunkAll(t, iotest.HalfReader(bytes.NewReader(data)), cfg)
	if len(a) != len(b) {
		t.Fatalf("nondeterministic: %d vs %d chunks", len(a), len(b))
	}
	var off int64
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("chunk %d differs", i)
		}
		if a[i].off != off {
			t.Fatalf("chunk %d offset %d want %d", i, a[i].off, off)
		}
		off += int64(a[i].size)
		if i < len(a)-1 && (a[i].size < cfg.Min || a[i].size > cfg.Max) {
			t.Fatalf("chunk %d size %d outside [%d,%d]", i, a[i].size, cfg.Min, cfg.Max)
		}
	}
	if off != int64(len(data)) {
		t.Fatalf("chunks cover %d of %d bytes", off, len(data))
	}
	avg := len(data) / len(a)
	if avg < cfg.Avg/2 || avg > cfg.Avg*2 {
		t.Fatalf("average chunk %d far from %d", avg, cfg.Avg)
	}
	// all-zero input has no content boundaries: every chunk is Max
	z := chunkAll(t, bytes.NewReader(make([]byte, 3*cfg.Max+5)), cfg)
	if len(z) != 4 || z[0].size != cfg.Max || z[3].size != 5 {
		t.Fatalf("zeros: %+v", z)
	}
}

// TestInsertShiftsFewChunks: 4 KiB inserted at the start of 40 MiB changes
// only the first chunk or two; everything after keeps its ID.
func TestInsertShiftsFewChunks(t *testing.T) {
	cfg := DefaultChunkerConfig()
	data := randData(2, 40<<20)
	edited := append(randData(3, 4<<10), data...)
	before := chunkAll(t, bytes.NewReader(data), cfg)
	after := chunkAll(t, bytes.NewReader(edited), cfg)
	known := make(map[ID]bool, len(before))
	for _, p := range before {
		known[p.id] = true
	}
	newBytes, newChunks := 0, 0
	for _, p := range after {
		if !known[p.id] {
			newBytes += p.size
			newChunks++
		}
	}
	t.Logf("%d chunks before, %d after; %d new chunks, %d new bytes", len(before), len(after), newChunks, newBytes)
	if len(before) < 20 {
		t.Fatalf("only %d chunks for 40 MiB", len(before))
	}
	if newBytes >= 2<<20 || newChunks > 2 {
		t.Fatalf("insert changed %d chunks / %d bytes", newChunks, newBytes)
	}
}

func TestReadErrorIsSticky(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader(randData(4, 1000)), iotest.ErrReader(boom))
	c, err := NewChunker(r, ChunkerConfig{Min: 64, Avg: 256, Max: 1024})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := c.Next(); !errors.Is(err, boom) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

func FuzzChunkerConcat(f *testing.F) {
	f.Add([]byte{}, uint16(0))
	f.Add([]byte("hello world"), uint16(3))
	f.Add(randData(5, 5000), uint16(77))
	f.Fuzz(func(t *testing.T, data []byte, sizeSel uint16) {
		min := 64 + int(sizeSel%64)
		cfg := ChunkerConfig{Min: min, Avg: 256 + int(sizeSel%256), Max: 1024 + int(sizeSel%1024)}
		c, err := NewChunker(iotest.OneByteReader(bytes.NewReader(data)), cfg)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for {
			ch, err := c.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if ch.Offset != int64(len(got)) || len(ch.Data) == 0 || len(ch.Data) > cfg.Max {
				t.Fatalf("bad chunk at %d: offset %d len %d", len(got), ch.Offset, len(ch.Data))
			}
			got = append(got, ch.Data...)
		}
		if !bytes.Equal(got, data) {
			t.Fatal("concatenated chunks differ from input")
		}
	})
}
