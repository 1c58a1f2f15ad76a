package runner

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/jepsen/nemesis"
)

// A slot keeps its name (what nemeses key on) while the product node ID it
// runs changes: Reincarnate (membership add) takes effect at the next Start.
func TestReincarnate(t *testing.T) {
	dir := t.TempDir()
	var specs []NodeSpec
	for i, id := range []string{"n1", "n2"} {
		specs = append(specs, NodeSpec{Index: i, ID: id, IP: netip.MustParseAddr("127.0.0.1"), Ports: defaultPorts,
			DataDir: filepath.Join(dir, id)})
	}
	cfg := ProcessClusterConfig{Binary: "/bin/sh", Env: []string{},
		Args: func(s NodeSpec, _ []NodeSpec, _ time.Duration) []string {
			return []string{"-c", "echo running " + s.ID + "; exec sleep 60"}
		}}
	cl, err := NewProcessCluster(cfg)(context.Background(), Env{Specs: specs, ResultsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	pc := cl.(*ProcessCluster)
	defer pc.Close(context.Background())
	ctx := context.Background()
	if err := pc.Reincarnate("n1", "n6"); err == nil {
		t.Fatal("reincarnated a running slot")
	}
	n1 := pc.Nodes()[0]
	if err := n1.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pc.Reincarnate("n1", "n2"); err == nil {
		t.Fatal("reused an ID another slot runs")
	}
	if err := pc.Reincarnate("n1", "n6"); err != nil {
		t.Fatal(err)
	}
	if err := n1.Start(ctx, nemesis.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if n1.ID() != "n1" || pc.NodeID("n1") != "n6" || pc.SlotOf("n6") != "n1" || pc.SlotOf("n1") != "" || pc.NodeID("n2") != "n2" {
		t.Fatalf("slot n1: ID %s NodeID %s SlotOf(n6) %s", n1.ID(), pc.NodeID("n1"), pc.SlotOf("n6"))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, "nodes", "n1.log"))
		if strings.Contains(string(b), "start id=n6") && strings.Contains(string(b), "running n6") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("n1.log does not show the new incarnation:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A node that exits on its own is restarted by the supervisor and recorded;
// one stopped through Kill is not. Only an ENOSPC fail-stop is not an anomaly.
func TestSupervisorCrash(t *testing.T) {
	dir := t.TempDir()
	flag := filepath.Join(dir, "crashed")
	specs := []NodeSpec{{Index: 0, ID: "n1", IP: netip.MustParseAddr("127.0.0.1"), Ports: defaultPorts, DataDir: dir}}
	cfg := ProcessClusterConfig{Binary: "/bin/sh", Env: []string{},
		Args: func(NodeSpec, []NodeSpec, time.Duration) []string {
			// First incarnation: panic on a full disk; later ones run.
			return []string{"-c", "if [ ! -e " + flag + " ]; then touch " + flag +
				"; echo 'panic: write meta/000006.log: no space left on device' >&2; exit 2; fi; exec sleep 60"}
		}}
	cl, err := NewProcessCluster(cfg)(context.Background(), Env{Specs: specs, ResultsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	pc := cl.(*ProcessCluster)
	defer pc.Close(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for len(pc.Crashes()) == 0 || pc.Nodes()[0].PID() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not restarted: %+v", pc.Crashes())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cr := pc.Crashes()
	if len(cr) != 1 || !cr[0].Restarted || !strings.Contains(cr[0].Cause, "no space left") {
		t.Fatalf("crashes %+v", cr)
	}
	if r := CheckCrashes(cr); !r.Valid || r.Stats["enospc-fail-stop"] != 1 {
		t.Fatalf("ENOSPC fail-stop judged %v", r)
	}
	if err := pc.Nodes()[0].Kill(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(SupervisorDelay + 300*time.Millisecond)
	if len(pc.Crashes()) != 1 || pc.Nodes()[0].PID() != 0 {
		t.Fatalf("a killed node was treated as crashed: %+v", pc.Crashes())
	}
	if r := CheckCrashes([]Crash{{Slot: "n1", Cause: "panic: runtime error: invalid memory address"}}); r.Valid {
		t.Fatal("a nil-pointer crash passed")
	}
}
