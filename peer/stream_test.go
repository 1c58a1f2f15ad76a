package peer

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func listenStream(t *testing.T, secret []byte) *StreamLayer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewStreamLayer(ln, nil, secret, time.Second)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func acceptOne(s *StreamLayer) <-chan net.Conn {
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := s.Accept()
		if err == nil {
			ch <- c
		}
	}()
	return ch
}

func TestStreamLayerHandshake(t *testing.T) {
	server := listenStream(t, testSecret)
	accepted := acceptOne(server)

	// A silent client holds a handshake slot but must not block Accept.
	silent, err := net.Dial("tcp", server.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	// Wrong secret: the dial fails and the server never accepts it.
	intruder := listenStream(t, []byte("wrong"))
	if _, err := intruder.Dial(raft.ServerAddress(server.Addr().String()), time.Second); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("wrong-secret dial: %v", err)
	}
	// Garbage client.
	g, err := net.Dial("tcp", server.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = g.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n0123456789012345678901234567890123456789"))
	buf := make([]byte, 1)
	_ = g.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(g, buf); err == nil {
		t.Fatal("server answered a garbage handshake")
	}
	_ = g.Close()
	select {
	case c := <-accepted:
		t.Fatalf("accepted an unauthenticated conn from %v", c.RemoteAddr())
	case <-time.After(200 * time.Millisecond):
	}

	// Right secret: both sides get a working stream.
	client := listenStream(t, testSecret)
	c, err := client.Dial(raft.ServerAddress(server.Addr().String()), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var sc net.Conn
	select {
	case sc = <-accepted:
	case <-time.After(3 * time.Second):
		t.Fatal("authenticated conn not accepted")
	}
	defer sc.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(sc, got); err != nil || string(got) != "ping" {
		t.Fatalf("stream data: %q %v", got, err)
	}

	// The silent client is cut off by the handshake deadline.
	_ = silent.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := silent.Read(buf); err == nil {
		t.Fatal("silent client was not disconnected")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("server did not close the silent client within its handshake timeout")
	}

	_ = server.Close()
	if _, err := server.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("accept after close: %v", err)
	}
}

// countFSM counts applied entries.
type countFSM struct {
	mu   sync.Mutex
	logs []string
}

func (f *countFSM) Apply(l *raft.Log) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, string(l.Data))
	return len(f.logs)
}
func (f *countFSM) Snapshot() (raft.FSMSnapshot, error) { return nil, errors.New("not supported") }
func (f *countFSM) Restore(io.ReadCloser) error         { return errors.New("not supported") }
func (f *countFSM) applied() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.logs...)
}

func TestRaftOverStreamLayer(t *testing.T) {
	const n = 3
	layers := make([]*StreamLayer, n)
	var servers []raft.Server
	for i := range layers {
		layers[i] = listenStream(t, testSecret)
		servers = append(servers, raft.Server{ID: raft.ServerID(fmt.Sprintf("r%d", i)), Address: raft.ServerAddress(layers[i].Addr().String())})
	}
	fsms := make([]*countFSM, n)
	rafts := make([]*raft.Raft, n)
	for i := range rafts {
		conf := raft.DefaultConfig()
		conf.LocalID = servers[i].ID
		conf.HeartbeatTimeout = 200 * time.Millisecond
		conf.ElectionTimeout = 200 * time.Millisecond
		conf.LeaderLeaseTimeout = 100 * time.Millisecond
		conf.CommitTimeout = 10 * time.Millisecond
		conf.LogLevel = "ERROR"
		tr := raft.NewNetworkTransport(layers[i], 3, 2*time.Second, io.Discard)
		store := raft.NewInmemStore()
		fsms[i] = &countFSM{}
		if err := raft.BootstrapCluster(conf, store, store, raft.NewInmemSnapshotStore(), tr, raft.Configuration{Servers: servers}); err != nil {
			t.Fatal(err)
		}
		r, err := raft.NewRaft(conf, fsms[i], store, store, raft.NewInmemSnapshotStore(), tr)
		if err != nil {
			t.Fatal(err)
		}
		rafts[i] = r
		t.Cleanup(func() { _ = r.Shutdown().Error(); _ = tr.Close() })
	}
	var leader *raft.Raft
	deadline := time.Now().Add(10 * time.Second)
	for leader == nil {
		if time.Now().After(deadline) {
			t.Fatal("no leader elected")
		}
		for _, r := range rafts {
			if r.State() == raft.Leader {
				leader = r
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := 0; i < 5; i++ {
		if err := leader.Apply([]byte(fmt.Sprintf("cmd-%d", i)), 2*time.Second).Error(); err != nil {
			t.Fatal(err)
		}
	}
	deadline = time.Now().Add(5 * time.Second)
	for i, f := range fsms {
		for len(f.applied()) < 5 {
			if time.Now().After(deadline) {
				t.Fatalf("fsm %d applied %v", i, f.applied())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := f.applied(); got[0] != "cmd-0" || got[4] != "cmd-4" {
			t.Fatalf("fsm %d applied %v", i, got)
		}
	}

	// A transport with the wrong secret cannot talk to the cluster.
	bad := listenStream(t, []byte("wrong"))
	badTr := raft.NewNetworkTransport(bad, 1, time.Second, io.Discard)
	defer badTr.Close()
	var resp raft.RequestVoteResponse
	err := badTr.RequestVote(servers[0].ID, servers[0].Address, &raft.RequestVoteRequest{
		RPCHeader: raft.RPCHeader{ID: []byte("evil"), Addr: []byte(bad.Addr().String())}, Term: 1 << 40,
	}, &resp)
	if err == nil {
		t.Fatal("wrong-secret transport got a vote response")
	}
	if leader.State() != raft.Leader {
		t.Fatal("leader disturbed by wrong-secret transport")
	}
}
