package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/model"
)

type storedChunk struct {
	id  chunk.ID
	sum [32]byte
	n   int
}

// chunkSizes: 1 byte, 8 MiB, and log-uniform sizes between them.
func chunkSizes(r *rand.Rand, n int) []int {
	sizes := []int{1, 8 << 20}
	for len(sizes) < n {
		sizes = append(sizes, int(math.Exp(r.Float64()*math.Log(8<<20))))
	}
	return sizes
}

func putChunks(t *testing.T, cl *client.Client, sizes []int, seed uint64) []storedChunk {
	t.Helper()
	out := make([]storedChunk, len(sizes))
	var wg sync.WaitGroup
	errs := make(chan error, len(sizes))
	sem := make(chan struct{}, 4)
	for i, n := range sizes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			data := make([]byte, n)
			rr := rand.New(rand.NewPCG(seed, uint64(i)))
			for j := 0; j+8 <= n; j += 8 {
				v := rr.Uint64()
				for k := 0; k < 8; k++ {
					data[j+k] = byte(v >> (8 * k))
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			id, err := cl.PutChunk(ctx, data)
			if err != nil {
				errs <- err
				return
			}
			if id != chunk.Sum(data) {
				errs <- errors.New("put returned the wrong chunk id")
				return
			}
			out[i] = storedChunk{id: id, sum: sha256.Sum256(data), n: n}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("put chunk: %v", err)
	}
	return out
}

func checkChunks(t *testing.T, what string, cl *client.Client, chunks []storedChunk) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	sem := make(chan struct{}, 4)
	for _, c := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			data, err := cl.GetChunk(ctx, c.id)
			if err == nil && (len(data) != c.n || sha256.Sum256(data) != c.sum) {
				err = errors.New("content differs")
			}
			if err != nil {
				mu.Lock()
				bad++
				if bad <= 5 {
					t.Errorf("%s: chunk %s (%d bytes): %v", what, c.id, c.n, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if bad > 0 {
		t.Fatalf("%s: %d of %d chunks unreadable or wrong", what, bad, len(chunks))
	}
}

// liveClient talks only to the running nodes.
func liveClient(t *testing.T, c *localcluster.Cluster) *client.Client {
	t.Helper()
	var idx []int
	for i, n := range c.Nodes {
		if n.Running() {
			idx = append(idx, i)
		}
	}
	cl, err := c.Client(idx...)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func waitReady(t *testing.T, c *localcluster.Cluster) {
	t.Helper()
	if err := c.WaitReady(context.Background(), 90*time.Second); err != nil {
		t.Fatal(err)
	}
}

// waitMembersAlive waits until every node sees every running node alive.
func waitMembersAlive(t *testing.T, c *localcluster.Cluster) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok := true
		for i, n := range c.Nodes {
			if !n.Running() {
				continue
			}
			cl, _ := c.Client(i)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			ms, err := cl.Members(client.Stale(ctx))
			cancel()
			alive := 0
			for _, m := range ms {
				if m.State == "alive" {
					alive++
				}
			}
			if err != nil || alive != len(c.Nodes) {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("nodes did not all see each other alive within 60s")
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestChunksSurviveNodeAndSiteLoss: 6 nodes on 3 sites with EC 4+2; chunks of
// 1 B to 8 MiB survive any two nodes dying, or a whole site; killed nodes
// rejoin and serve.
func TestChunksSurviveNodeAndSiteLoss(t *testing.T) {
	c := startCluster(t, 6, 3, "4+2")
	r := rand.New(rand.NewPCG(42, 7))
	chunks := putChunks(t, liveClient(t, c), chunkSizes(r, 200), 42)
	checkChunks(t, "all up", liveClient(t, c), chunks)

	// Any two nodes: pick two at random (seeded), one of them on the same
	// site as another survivor.
	a, b := r.IntN(6), r.IntN(5)
	if b >= a {
		b++
	}
	t.Logf("killing %s and %s", c.Nodes[a].ID, c.Nodes[b].ID)
	for _, i := range []int{a, b} {
		if err := c.Kill(i); err != nil {
			t.Fatal(err)
		}
	}
	checkChunks(t, "two nodes down", liveClient(t, c), chunks)
	for _, i := range []int{a, b} {
		if err := c.Restart(i); err != nil {
			t.Fatal(err)
		}
	}
	waitReady(t, c)
	waitMembersAlive(t, c)

	// A whole site: nodes 0 and 3 are site1.
	t.Log("killing site1")
	for _, i := range []int{0, 3} {
		if err := c.Kill(i); err != nil {
			t.Fatal(err)
		}
	}
	checkChunks(t, "site1 down", liveClient(t, c), chunks)
	for _, i := range []int{0, 3} {
		if err := c.Restart(i); err != nil {
			t.Fatal(err)
		}
	}
	waitReady(t, c)
	waitMembersAlive(t, c)
	// The restarted nodes serve reads themselves.
	restarted, err := c.Client(0, 3)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, "via restarted site1 nodes", restarted, chunks[:40])
}

// TestChunkBadInput: empty chunk, unknown chunk ID, oversized chunk via the CLI.
func TestChunkBadInput(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(mustCLI(t, c, "debug", "chunk", "put", empty))
	if id != chunk.Sum(nil).String() {
		t.Fatalf("empty chunk id %q, want %s", id, chunk.Sum(nil))
	}
	if out := mustCLI(t, c, "debug", "chunk", "get", id); out != "" {
		t.Fatalf("empty chunk read back %d bytes", len(out))
	}
	// A 1-byte chunk from stdin round-trips.
	r := cliIn(t, c, []byte("x"), "debug", "chunk", "put", "-")
	if r.Code != 0 {
		t.Fatalf("put from stdin: %d %s", r.Code, r.Stderr)
	}
	if got := mustCLI(t, c, "debug", "chunk", "get", strings.TrimSpace(r.Stdout)); got != "x" {
		t.Fatalf("1-byte chunk read back %q", got)
	}
	// Unknown ID: exit 2 with a clear message.
	unknown := chunk.Sum([]byte("never stored")).String()
	r = cli(t, c, "debug", "chunk", "get", unknown)
	if r.Code != 2 || !strings.Contains(strings.ToLower(r.Stderr), "not found") {
		t.Fatalf("unknown chunk: exit %d, stderr %q; want 2 and 'not found'", r.Code, r.Stderr)
	}
	// A malformed ID is a usage error, not a crash.
	if r = cli(t, c, "debug", "chunk", "get", "zz"); r.Code == 0 || r.Code == 2 {
		t.Fatalf("malformed id: exit %d", r.Code)
	}
	// Oversized: refused clearly, nothing stored.
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte{1}, 17<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if r = cli(t, c, "debug", "chunk", "put", big); r.Code == 0 {
		t.Fatal("17 MiB chunk accepted")
	}
	cl := liveClient(t, c)
	has, err := cl.HasChunks(context.Background(), []chunk.ID{chunk.Sum(bytes.Repeat([]byte{1}, 17<<20))})
	if err != nil || has[0] {
		t.Fatalf("oversized chunk present=%v err=%v", has, err)
	}
	_, err = cl.GetChunk(context.Background(), chunk.Sum([]byte("nope")))
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("client get unknown: %v, want ErrNotFound", err)
	}
}
