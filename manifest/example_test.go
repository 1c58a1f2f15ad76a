package manifest_test

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
)

// mapStore is the smallest content-addressed store: a map.
type mapStore map[chunk.ID][]byte

func (m mapStore) PutChunk(_ context.Context, b []byte) (chunk.ID, error) {
	id := chunk.Sum(b)
	m[id] = b
	return id, nil
}

func (m mapStore) GetChunk(_ context.Context, id chunk.ID) ([]byte, error) {
	return m[id], nil
}

func Example() {
	ctx := context.Background()
	store := mapStore{}
	w := manifest.NewWriter(ctx, store, manifest.DefaultWriterConfig())
	data := []byte("hello")
	for _, e := range []manifest.Entry{ // sorted by path
		{Path: "README", Type: manifest.File, Size: 5, Mode: 0o644, Chunks: []manifest.ChunkRef{{ID: chunk.Sum(data), Size: 5}}},
		{Path: "data/a.csv", Type: manifest.File, Mode: 0o644},
		{Path: "data/latest", Type: manifest.Symlink, Target: "a.csv", Size: 5},
		{Path: "empty", Type: manifest.Dir, Mode: 0o755},
	} {
		if err := w.Add(e); err != nil {
			panic(err)
		}
	}
	root, err := w.Close()
	if err != nil {
		panic(err)
	}
	fmt.Println(root.Files, root.Bytes, root.Entries)

	r, err := manifest.Open(ctx, store, root.ID)
	if err != nil {
		panic(err)
	}
	top, _ := r.ListDir(ctx, "", "", 0)
	for _, e := range top {
		fmt.Println(manifest.ListKey(e), e.Type)
	}
	link, _ := r.Lookup(ctx, "data/latest")
	fmt.Println(link.Target)
	// Output:
	// 2 5 4
	// README file
	// data/ dir
	// empty/ dir
	// a.csv
}
