package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/peer"
	"github.com/datamon-io/datamon/shard"
)

// TestInternalRPCNeedsClusterSecret: the RPC port speaks mutual TLS only
// (plain HTTP gets a 400, a client without a node certificate fails the
// handshake); over TLS with a node certificate, a shard put without the
// cluster secret (or with a wrong one) gets 401 and stores nothing; a
// truncated shard is refused even with the secret.
func TestInternalRPCNeedsClusterSecret(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	data := []byte("a shard nobody may store without the secret")
	id := chunk.Sum(data)
	codec, err := erasure.New(2, 1)
	if err != nil {
		t.Fatal(err)
	}
	shards, err := codec.Encode(id, data)
	if err != nil {
		t.Fatal(err)
	}
	key := shard.Key{Chunk: id, Index: 0}
	path := fmt.Sprintf("/internal/shard/put?k=%s.%d", id, 0)
	node := peerTLS(t, c, 1) // node2's certificate: a cluster member's

	// Plain HTTP to the TLS port: a clean 400 that says why.
	resp, err := http.Post("http://"+c.Nodes[0].RPCAddr()+path, "application/octet-stream", bytes.NewReader(shards[0]))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "HTTP request to an HTTPS server") {
		t.Fatalf("plain HTTP to the RPC port: %d %q, want 400", resp.StatusCode, b)
	}
	// TLS trusting the CA but without a client certificate: refused.
	if _, err := httpClient().Post("https://"+c.Nodes[0].RPCAddr()+path, "application/octet-stream", bytes.NewReader(shards[0])); err == nil {
		t.Fatal("RPC over TLS without a client certificate answered")
	}
	// A node certificate but no signature: 401.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig, _ = node.ClientConfig(c.Nodes[0].RPCAddr())
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	resp, err = hc.Post("https://"+c.Nodes[0].RPCAddr()+path, "application/octet-stream", bytes.NewReader(shards[0]))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned shard put: status %d, want 401", resp.StatusCode)
	}

	wrong := peer.DefaultClientConfig()
	wrong.TLS = node.ClientConfig
	wrong.Secret = []byte("not-the-cluster-secret-at-all!!")
	if err := peer.NewClient(wrong).PutShard(context.Background(), c.Nodes[0].RPCAddr(), key, shards[0]); !errors.Is(err, peer.ErrUnauthorized) {
		t.Fatalf("wrong-secret put: %v, want ErrUnauthorized", err)
	}

	good := peer.DefaultClientConfig()
	good.Secret = []byte(c.Secrets.ClusterSecret)
	good.TLS = node.ClientConfig
	pc := peer.NewClient(good)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	has, err := pc.HasShards(ctx, c.Nodes[0].RPCAddr(), []shard.Key{key})
	if err != nil || has[0] {
		t.Fatalf("after refused puts: present=%v err=%v; want absent", has, err)
	}
	// With the secret, a truncated shard is still refused.
	if err := pc.PutShard(ctx, c.Nodes[0].RPCAddr(), key, shards[0][:len(shards[0])-7]); !errors.Is(err, shard.ErrBadShard) {
		t.Fatalf("truncated shard: %v, want ErrBadShard", err)
	}
	if has, _ := pc.HasShards(ctx, c.Nodes[0].RPCAddr(), []shard.Key{key}); has[0] {
		t.Fatal("truncated shard stored")
	}
	// And the public API refuses unauthenticated callers too.
	resp, err = httpClient().Get(c.Nodes[1].APIURL() + "/v1/contexts")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated API call: %d, want 401", resp.StatusCode)
	}
}
