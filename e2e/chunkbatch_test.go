package e2e

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
)

// TestChunkBatchesOnRealCluster: 5 nodes, EC 2+2 (a chunk is acknowledged
// with 3 durable shards). Batches of small chunks (client.PutChunks: one
// request, one shard RPC per owner node) read back; with one node killed a
// batch still succeeds (3 of 4 owners alive) and stays readable after the
// node returns; with two killed, a batch holding a chunk with two dead
// owners fails instead of being acknowledged.
func TestChunkBatchesOnRealCluster(t *testing.T) {
	c := startCluster(t, 5, 3, "2+2")
	batch := func(tag string, n int) [][]byte {
		var out [][]byte
		for i := range n {
			out = append(out, bytes.Repeat([]byte(fmt.Sprintf("%s-%04d;", tag, i)), 1+i%200))
		}
		return out
	}
	put := func(cl *client.Client, data [][]byte) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ids, err := cl.PutChunks(ctx, data)
		if err == nil && len(ids) != len(data) {
			err = fmt.Errorf("%d ids for %d chunks", len(ids), len(data))
		}
		return err
	}
	check := func(what string, cl *client.Client, data [][]byte) {
		t.Helper()
		for _, d := range data {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			got, err := cl.GetChunk(ctx, chunk.Sum(d))
			cancel()
			if err != nil || !bytes.Equal(got, d) {
				t.Fatalf("%s: chunk %s: %v", what, chunk.Sum(d), err)
			}
		}
	}
	all := batch("all-up", 500)
	if err := put(liveClient(t, c), all); err != nil {
		t.Fatalf("batch, all up: %v", err)
	}
	check("all up", liveClient(t, c), all)

	if err := c.Kill(4); err != nil {
		t.Fatal(err)
	}
	one := batch("one-down", 300)
	var err error
	for range 20 { // until gossip has noticed or the writes fail over
		if err = put(liveClient(t, c), one); err == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("batch with one node down: %v", err)
	}
	check("one down", liveClient(t, c), append(all, one...))

	if err := c.Kill(3); err != nil {
		t.Fatal(err)
	}
	if err := put(liveClient(t, c), batch("two-down", 300)); err == nil {
		t.Fatal("a batch with chunks whose 2 of 4 owners are dead was acknowledged")
	} else {
		t.Logf("two down: %v", err)
	}
	for _, i := range []int{3, 4} {
		if err := c.Restart(i); err != nil {
			t.Fatal(err)
		}
	}
	waitReady(t, c)
	waitMembersAlive(t, c)
	check("back up", liveClient(t, c), append(all, one...))
}
