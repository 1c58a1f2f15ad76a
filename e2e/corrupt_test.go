package e2e

import (
	"bufio"
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCorruptShardReadsBackAndIsReported: flip bytes of stored shards on one
// node's disk (below the shard store, as bit rot would); every chunk still
// reads back byte-identical, and the corruption is reported: a log line on
// that node and its datamon_shard_corrupt_detected_total counter.
func TestCorruptShardReadsBackAndIsReported(t *testing.T) {
	c := startCluster(t, 3, 3, "2+1")
	r := rand.New(rand.NewPCG(5, 5))
	chunks := putChunks(t, liveClient(t, c), chunkSizes(r, 12)[2:], 5)
	if err := c.Kill(1); err != nil {
		t.Fatal(err)
	}
	n := corruptShards(t, filepath.Join(c.Nodes[1].Dir, "shards"), 12)
	t.Logf("corrupted %d shards on %s", n, c.Nodes[1].ID)
	if err := c.Restart(1); err != nil {
		t.Fatal(err)
	}
	waitReady(t, c)
	// Read through the corrupted node: it reads its own shards first.
	via, err := c.Client(1)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, "after bit rot", via, chunks)

	cl, err := c.Client(1)
	if err != nil {
		t.Fatal(err)
	}
	body, err := cl.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	detected := 0.0
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "datamon_shard_corrupt_detected_total "); ok {
			detected, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if detected < 1 {
		t.Fatalf("datamon_shard_corrupt_detected_total = %v on %s; want >= 1", detected, c.Nodes[1].ID)
	}
	logb, err := os.ReadFile(c.Nodes[1].LogPath())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(bytes.ToLower(logb), []byte("corrupt")) {
		t.Fatalf("no corruption log line in %s", c.Nodes[1].LogPath())
	}
}
