package chunk_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/datamon-io/datamon/chunk"
)

func ExampleChunker() {
	data := bytes.Repeat([]byte("datamon "), 100000) // 800 kB
	c, err := chunk.NewChunker(bytes.NewReader(data), chunk.ChunkerConfig{Min: 64 << 10, Avg: 128 << 10, Max: 256 << 10})
	if err != nil {
		panic(err)
	}
	var total int
	for {
		ch, err := c.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			panic(err)
		}
		total += len(ch.Data) // ch.Data is only valid until the next call
	}
	fmt.Println(total == len(data))
	// Output: true
}
