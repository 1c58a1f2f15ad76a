package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/datamon-io/datamon/certs"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/peer"
	"github.com/datamon-io/datamon/shard"
)

// portsMatrix: the internal RPC, Raft and gossip ports of every node
// refuse plain TCP, plain HTTP, TLS without a client certificate and TLS
// with a certificate of another CA; a shard put sent that way is not
// stored, and the state (members and their Raft roles included) is
// unchanged. Controls: a cluster certificate does complete the handshakes.
func (f *amFix) portsMatrix(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	ca, err := certs.CreateCA(certs.CAConfig{Dir: dir, CommonName: "another cluster's CA"})
	if err != nil {
		t.Fatal(err)
	}
	cp, kp, err := ca.IssueNode(certs.NodeConfig{Name: "node1", SANs: certs.SANs{IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}})
	if err != nil {
		t.Fatal(err)
	}
	foreignCert, err := tls.X509KeyPair(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	member := peerTLS(t, f.c, 1)
	tlsCfgs := map[string]func(addr string) *tls.Config{
		"TLS without a client certificate": func(string) *tls.Config {
			return &tls.Config{RootCAs: trustedPool(), ServerName: "127.0.0.1"}
		},
		"TLS with another CA's certificate": func(string) *tls.Config {
			return &tls.Config{RootCAs: trustedPool(), ServerName: "127.0.0.1", Certificates: []tls.Certificate{foreignCert}}
		},
	}
	data := []byte("a shard nobody may store from outside the cluster " + randHexN(8))
	codec, err := erasure.New(2, 1)
	if err != nil {
		t.Fatal(err)
	}
	shards, err := codec.Encode(chunk.Sum(data), data)
	if err != nil {
		t.Fatal(err)
	}
	key := shard.Key{Chunk: chunk.Sum(data), Index: 0}
	put := fmt.Sprintf("/internal/shard/put?k=%s.%d", key.Chunk, key.Index)
	before := f.state()
	for i, n := range f.c.Nodes {
		rpc, raftAddr := n.RPCAddr(), fmt.Sprintf("127.0.0.1:%d", n.Ports.Raft)
		// Plain TCP: bytes of neither TLS nor HTTP; plain HTTP: a shard put.
		for _, addr := range []string{rpc, raftAddr} {
			if got, err := rawExchange(addr, nil, []byte("DMRAFT01"+randHexN(16))); len(got) >= 64 && err == nil {
				t.Errorf("node %d %s: plain TCP got an answer %q", i, addr, got)
			}
		}
		if resp, err := http.Post("http://"+rpc+put, "application/octet-stream", bytes.NewReader(shards[0])); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Errorf("node %d RPC, plain HTTP: %d %q, want 400", i, resp.StatusCode, b)
			}
		}
		if got, err := rawExchange(raftAddr, nil, []byte("POST "+put+" HTTP/1.1\r\nHost: x\r\n\r\n")); len(got) >= 64 && err == nil {
			t.Errorf("node %d Raft, plain HTTP: answered %q", i, got)
		}
		for name, cfg := range tlsCfgs {
			tr := &http.Transport{TLSClientConfig: cfg(rpc)}
			hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			if resp, err := hc.Post("https://"+rpc+put, "application/octet-stream", bytes.NewReader(shards[0])); err == nil {
				resp.Body.Close()
				t.Errorf("node %d RPC, %s: answered %d", i, name, resp.StatusCode)
			}
			tr.CloseIdleConnections()
			// The Raft stream: the server's HMAC proof (64 bytes) comes only
			// after a verified TLS handshake.
			if got, err := rawExchange(raftAddr, cfg(raftAddr), []byte("DMRAFT01"+randHexN(16))); len(got) >= 64 || err == nil {
				t.Errorf("node %d Raft, %s: got %d bytes of proof (%v)", i, name, len(got), err)
			}
		}
		// Controls: a cluster certificate completes the Raft TLS handshake and
		// gets the proof; an RPC put with it but without the secret is 401.
		ccfg, err := member.ClientConfig(raftAddr)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := rawExchange(raftAddr, ccfg, []byte("DMRAFT01"+randHexN(16))); len(got) < 64 {
			t.Errorf("node %d Raft, control with a cluster certificate: %d bytes (%v)", i, len(got), err)
		}
		rcfg, _ := member.ClientConfig(rpc)
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: rcfg}, Timeout: 10 * time.Second}
		if resp, err := hc.Post("https://"+rpc+put, "application/octet-stream", bytes.NewReader(shards[0])); err != nil || resp.StatusCode != 401 {
			t.Errorf("node %d RPC, a cluster certificate without the secret: %v %v, want 401", i, resp, err)
		} else {
			resp.Body.Close()
		}
		f.gossipRefused(t, i)
	}
	good := peer.DefaultClientConfig()
	good.Secret, good.TLS = []byte(f.c.Secrets.ClusterSecret), member.ClientConfig
	pc := peer.NewClient(good)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i, n := range f.c.Nodes {
		if has, err := pc.HasShards(ctx, n.RPCAddr(), []shard.Key{key}); err != nil || has[0] {
			t.Errorf("node %d: refused puts stored the shard (%v, %v)", i, has, err)
		}
	}
	if d := before.diff(f.state()); d != "" {
		t.Errorf("refused internal connections changed the state:\n%s", d)
	}
}

// rawExchange writes msg to addr (over TLS with cfg, when set) and reads
// what comes back until the peer closes, 64 bytes or 10 s. The error is
// the handshake's or the read's (nil when 64 bytes arrived).
func rawExchange(addr string, cfg *tls.Config, msg []byte) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if cfg != nil {
		tc := tls.Client(c, cfg)
		if err := tc.Handshake(); err != nil {
			return nil, err
		}
		c = tc
	}
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	buf := make([]byte, 64)
	n, err := io.ReadFull(c, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return buf[:n], err
}

// gossipRefused: a memberlist without the cluster's gossip key, and one
// with another key, cannot join node i (they see no member but themselves).
func (f *amFix) gossipRefused(t *testing.T, i int) {
	// The port is live (so a refusal below is the key's doing).
	c, err := net.DialTimeout("tcp", f.c.Nodes[i].GossipAddr(), 5*time.Second)
	if err != nil {
		t.Fatalf("node %d gossip port: %v", i, err)
	}
	c.Close()
	for name, key := range map[string][]byte{"no gossip key": nil, "another gossip key": []byte(randHexN(16))} {
		cfg := memberlist.DefaultLocalConfig()
		cfg.Name, cfg.BindAddr, cfg.BindPort, cfg.AdvertisePort = "intruder-"+randHexN(4), "127.0.0.1", 0, 0
		cfg.SecretKey, cfg.LogOutput = key, io.Discard
		ml, err := memberlist.Create(cfg)
		if err != nil {
			t.Fatal(err)
		}
		n, err := ml.Join([]string{f.c.Nodes[i].GossipAddr()})
		if err == nil || n != 0 || ml.NumMembers() != 1 {
			t.Errorf("node %d gossip, %s: joined %d (%v), sees %d members", i, name, n, err, ml.NumMembers())
		}
		_ = ml.Shutdown()
	}
}
