package erasure_test

import (
	"fmt"

	"github.com/datamon-io/datamon/erasure"
)

func Example() {
	codec, err := erasure.New(4, 2)
	if err != nil {
		panic(err)
	}
	var id [32]byte // normally chunk.Sum(data)
	data := []byte("hello, erasure-coded world")
	shards, err := codec.Encode(id, data)
	if err != nil {
		panic(err)
	}
	shards[0], shards[3] = nil, nil // lose any m shards
	got, err := erasure.Reconstruct(shards)
	fmt.Println(string(got), err)
	// Output: hello, erasure-coded world <nil>
}

func ExampleParseShard() {
	codec, _ := erasure.New(2, 1)
	shards, _ := codec.Encode([32]byte{1}, []byte("abcde"))
	h, payload, err := erasure.ParseShard(shards[1])
	fmt.Printf("%d %d %d %d %q %v\n", h.Index, h.K, h.M, h.ChunkLen, payload, err)
	shards[1][erasure.HeaderSize] ^= 1
	_, _, err = erasure.ParseShard(shards[1])
	fmt.Println(err != nil)
	// Output:
	// 1 2 1 5 "de\x00" <nil>
	// true
}
