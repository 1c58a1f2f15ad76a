package node

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// A port already taken makes New return the bind error itself; the cleanup
// of the half-started node must not panic (it used to dereference the nil
// named result in (*Node).Close).
func TestNewPortTakenReturnsBindError(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Secret = []byte("0123456789abcdef0123")
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.GossipAddr, cfg.RaftAddr, cfg.APIAddr, cfg.S3Addr = free(), free(), free(), free()
	cfg.RPCAddr = taken.Addr().String()
	cfg.BallastBytes = -1
	n, err := New(context.Background(), cfg)
	if err == nil {
		n.Close()
		t.Fatal("New succeeded on a taken port")
	}
	if !strings.Contains(err.Error(), "listen "+cfg.RPCAddr) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("error does not name the bind failure: %v", err)
	}
}
