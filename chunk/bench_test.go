package chunk

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func BenchmarkChunker(b *testing.B) {
	data := randData(9, 64<<20)
	cfg := DefaultChunkerConfig()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		c, _ := NewChunker(bytes.NewReader(data), cfg)
		for {
			if _, err := c.Next(); errors.Is(err, io.EOF) {
				break
			}
		}
	}
}

// BenchmarkCut is the boundary search alone (no hashing, no copying).
func BenchmarkCut(b *testing.B) {
	cfg := DefaultChunkerConfig()
	data := randData(9, cfg.Max)
	c, _ := NewChunker(bytes.NewReader(nil), cfg)
	n := cut(data, cfg.Min, cfg.Avg, c.maskS, c.maskL)
	b.SetBytes(int64(n))
	for b.Loop() {
		cut(data, cfg.Min, cfg.Avg, c.maskS, c.maskL)
	}
}

func BenchmarkSum(b *testing.B) {
	data := randData(9, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Sum(data)
	}
}
