package localcluster

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// A cluster that keeps making progress is waited for past the stall
// timeout (the old fixed timeout gave up at 90 s however far it had come),
// and every new state is printed.
func TestWaitProgressResetsOnProgress(t *testing.T) {
	start := time.Now()
	probe := func(context.Context) (Progress, error) {
		step := int(time.Since(start) / (150 * time.Millisecond)) // one step per 150 ms
		p := Progress{Running: 3}
		p.Healthy = min(step, 3)
		p.Leader = min(max(step-3, 0), 3)
		p.Layout = min(max(step-6, 0), 3)
		if !p.Done() {
			p.Waiting = []string{"node3 to apply the layout"}
		}
		return p, nil
	}
	var out bytes.Buffer
	if err := waitProgress(context.Background(), &out, 500*time.Millisecond, time.Minute, 20*time.Millisecond, probe); err != nil {
		t.Fatalf("progressing cluster: %v\n%s", err, out.String())
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("returned after %s, before the last step", el)
	}
	if !strings.Contains(out.String(), "leader known 2/3") || !strings.Contains(out.String(), "waiting for node3") {
		t.Fatalf("progress not printed:\n%s", out.String())
	}
}

// No progress: the wait fails after the stall timeout and says what it
// waited for; the ceiling bounds a cluster that progresses forever.
func TestWaitProgressStallAndCeiling(t *testing.T) {
	stuck := func(context.Context) (Progress, error) {
		return Progress{Running: 3, Healthy: 3, Leader: 1, Waiting: []string{"node2 to learn a leader"}}, nil
	}
	start := time.Now()
	err := waitProgress(context.Background(), &bytes.Buffer{}, 300*time.Millisecond, time.Minute, 20*time.Millisecond, stuck)
	if err == nil || !strings.Contains(err.Error(), "no progress for 300ms") || !strings.Contains(err.Error(), "node2 to learn a leader") {
		t.Fatalf("stalled wait: %v", err)
	}
	if el := time.Since(start); el < 300*time.Millisecond || el > 10*time.Second {
		t.Fatalf("stalled wait took %s", el)
	}
	n := 0
	forever := func(context.Context) (Progress, error) {
		n++
		return Progress{Running: 1 << 30, Healthy: n}, nil
	}
	err = waitProgress(context.Background(), &bytes.Buffer{}, time.Minute, 400*time.Millisecond, 20*time.Millisecond, forever)
	if err == nil || !strings.Contains(err.Error(), "ceiling 400ms") {
		t.Fatalf("ceiling: %v", err)
	}
}

func TestDeriveTimingsAndBallast(t *testing.T) {
	if tm := DeriveTimings(200*time.Microsecond, 2*time.Millisecond); tm.Heartbeat != MinHeartbeat || tm.Lease != tm.Heartbeat {
		t.Fatalf("idle machine: %+v", tm)
	}
	if tm := DeriveTimings(time.Millisecond, 150*time.Millisecond); tm.Heartbeat != 3*time.Second || tm.Election != 3*time.Second {
		t.Fatalf("150 ms stalls: %+v", tm)
	}
	if tm := DeriveTimings(0, 5*time.Second); tm.Heartbeat != MaxHeartbeat {
		t.Fatalf("cap: %+v", tm)
	}
	if b := LocalBallast(500<<30, 3); b != MaxLocalBallast {
		t.Fatalf("500 GiB free, 3 nodes: %d", b)
	}
	if b := LocalBallast(3<<30, 3); b != (3<<30)/100/3 {
		t.Fatalf("3 GiB free, 3 nodes: %d", b)
	}
	if b := LocalBallast(600<<20, 6); b != -1 {
		t.Fatalf("600 MiB free, 6 nodes: %d", b)
	}
}
