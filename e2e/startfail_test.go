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
	// A base whose 30 ports are all free just now (a random neighbour of an
	// ephemeral port may be another test's connection), then node2's api
	// port is taken on purpose.
	base := freeBasePort(t, 3)
	taken := base + 10 + 3
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", taken))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := localcluster.DefaultConfig()
	cfg.Nodes, cfg.Sites, cfg.Dir, cfg.Binary = 3, 3, t.TempDir(), binary
	cfg.BasePort = base
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
