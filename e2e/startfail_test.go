package e2e

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
)

// A taken port is named before any node starts, and a node that exits before
// it is ready fails Start at once with the node's own error (it used to be
// skipped by the readiness check, and the cluster was reported ready).
func TestLocalClusterStartFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process cluster test; run without -short")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	cfg := localcluster.DefaultConfig()
	cfg.Nodes, cfg.Sites, cfg.Dir, cfg.Binary = 3, 3, t.TempDir(), binary
	cfg.BasePort = taken - 3 - 10 // node 1's api port
	cfg.ReadyTimeout = 90 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if c, err := localcluster.Start(ctx, cfg); err == nil {
		c.Stop()
		t.Fatal("Start succeeded with a taken port")
	} else if !strings.Contains(err.Error(), fmt.Sprintf("api port %d is taken", taken)) {
		t.Fatalf("error does not name the taken port: %v", err)
	}

	cfg = localcluster.DefaultConfig()
	cfg.Nodes, cfg.Sites, cfg.Dir, cfg.Binary = 3, 3, t.TempDir(), binary
	cfg.ReadyTimeout = 90 * time.Second
	cfg.ExtraArgs = []string{"--no-such-flag-xyz"}
	start := time.Now()
	if c, err := localcluster.Start(ctx, cfg); err == nil {
		c.Stop()
		t.Fatal("Start succeeded although every node exits at once")
	} else if !strings.Contains(err.Error(), "exited before ready") || !strings.Contains(err.Error(), "no-such-flag-xyz") {
		t.Fatalf("error does not carry the node's own error: %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("Start took %s to notice dead nodes", d)
	}
}
